import { ConflictError, InputError } from '@backstage/errors';
import {
  type Run,
  type RunEvent,
  type RunStep,
  type RunStepOutputValue,
  type StepsWorkflowDefinition,
  type WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import { planStepProgress } from '../../steps/planSteps';
import { checkPostedOutputs } from '../../steps/readStepOutputs';
import { appendCallbackEvent, CallbackRedactor } from './callbackEvents';
import type { CallbackAuthor } from './RunCallbacks';
import type { RunCommandDeps } from './RunCommandDeps';
import { requireStep, requireStepsRun } from './stepRunLookups';
import { toRunStep } from './toRunStep';
import { followStepPlan } from '../followStepPlan';

/** Where a step callback goes. */
export interface StepCallbackTarget extends CallbackAuthor {
  runId: string;
  stepId: string;
}

/**
 * What the external systems of event-driven request steps post back: the
 * step's messages and links, and its final status with its outputs. A
 * step's end starts the steps that depend on it in the same transaction;
 * everything posted is redacted of secrets and of the token presented.
 */
export class StepCallbacks {
  private readonly redactor: CallbackRedactor;

  constructor(private readonly deps: RunCommandDeps) {
    this.redactor = new CallbackRedactor(deps.config.secrets);
  }

  async postMessage(
    request: StepCallbackTarget & { markdown: string },
  ): Promise<RunEvent> {
    await this.requireRunningStep(request);
    return appendCallbackEvent(this.deps, request.runId, {
      type: 'message',
      stepId: request.stepId,
      actor: request.actor,
      data: { markdown: this.redact(request.markdown, request.token) },
    });
  }

  async postLink(
    request: StepCallbackTarget & { label: string; url: string },
  ): Promise<RunEvent> {
    await this.requireRunningStep(request);
    return appendCallbackEvent(this.deps, request.runId, {
      type: 'link',
      stepId: request.stepId,
      actor: request.actor,
      data: {
        label: this.redact(request.label, request.token),
        url: this.redactor.url(request.url, request.token),
      },
    });
  }

  /**
   * Ends the step with the status its system reports, once, with the
   * outputs it declares (each present, a string, number or boolean).
   * @throws InputError naming the output that is missing, undeclared or
   * of the wrong type.
   * @throws ConflictError when the step is not in progress (it ended, was
   * canceled, or has not started).
   */
  async setStatus(
    request: StepCallbackTarget & {
      status: 'success' | 'failed';
      message?: string;
      outputs?: Record<string, unknown>;
    },
  ): Promise<RunStep> {
    const { run, definition, step } = await this.eventDrivenStep(request);
    const outputs = this.checkOutputs(step, request);
    const message =
      request.message !== undefined
        ? this.redact(request.message, request.token)
        : undefined;
    const entity = (await this.deps.deliveries.getRunDelivery(run.id))?.entity;
    const starts = this.deps.worker.stepStarts(run, definition, entity);
    const applied = await this.deps.steps.updateSteps(
      run.id,
      starts.planner((context, state) =>
        planStepProgress(context, state, [
          {
            stepId: step.id,
            from: ['running'],
            to: request.status,
            ...(outputs && { outputs }),
            ...(message !== undefined && { message }),
            ...(request.actor !== undefined && { actor: request.actor }),
          },
        ]),
      ),
    );
    const record = applied.steps.find(s => s.stepId === step.id)!;
    if (!applied.plan) {
      throw new ConflictError(
        `Step ${step.id} of run ${run.id} is ${record.status}, not in progress; its status was reported or it ended`,
      );
    }
    await followStepPlan(this.deps, {
      runId: run.id,
      definition,
      starts,
      applied,
    });
    return toRunStep(record);
  }

  private checkOutputs(
    step: WorkflowRequestStep,
    request: CallbackAuthor & {
      status: string;
      outputs?: Record<string, unknown>;
    },
  ): Record<string, RunStepOutputValue> | undefined {
    if (request.status !== 'success') {
      if (request.outputs && Object.keys(request.outputs).length > 0) {
        throw new InputError('outputs: only a step that succeeded has outputs');
      }
      return undefined;
    }
    const checked = checkPostedOutputs(step.outputs, request.outputs ?? {});
    if ('error' in checked) {
      throw new InputError(checked.error);
    }
    return Object.fromEntries(
      Object.entries(checked.outputs).map(([name, value]) => [
        name,
        typeof value === 'string' ? this.redact(value, request.token) : value,
      ]),
    );
  }

  private async eventDrivenStep(target: StepCallbackTarget): Promise<{
    run: Run;
    definition: StepsWorkflowDefinition;
    step: WorkflowRequestStep;
  }> {
    const { run, definition } = await requireStepsRun(this.deps, target.runId);
    const step = requireStep(run, definition, target.stepId);
    if (step.kind !== 'request' || step.execution.type !== 'event-driven') {
      throw new ConflictError(
        step.kind === 'request'
          ? `Step ${step.id} is a simple request, which finishes with its HTTP response`
          : `Step ${step.id} is ${
              step.kind === 'approval' ? 'an approval' : 'a wait'
            }, which no external system reports on`,
      );
    }
    return { run, definition, step };
  }

  private async requireRunningStep(target: StepCallbackTarget): Promise<void> {
    const { run, step } = await this.eventDrivenStep(target);
    const record = (await this.deps.steps.listRunSteps(run.id)).find(
      s => s.stepId === step.id,
    );
    if (run.status !== 'in_progress' || record?.status !== 'running') {
      throw new ConflictError(
        `Step ${step.id} of run ${run.id} is ${
          record?.status ?? 'not started'
        }, not in progress`,
      );
    }
  }

  private redact(text: string, token: string | undefined): string {
    return this.redactor.text(text, token);
  }
}

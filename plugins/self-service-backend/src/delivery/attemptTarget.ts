import {
  hasSteps,
  type Run,
  type RunStepOutputValue,
  type WorkflowDefinition,
  type WorkflowDelivery,
  type WorkflowExecution,
  type WorkflowRequest,
  type WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { AttemptRecord, ClaimedDelivery } from '../database/DeliveryStore';
import type { RunStepStore } from '../database/RunStepStore';
import type { RunStepsState } from '../database/runStepWrites';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import { upstreamOutputs } from '../steps/upstreamOutputs';
import type { AttemptEnding } from './decideAttempt';
import type { RenderedAhead } from './renderAttempt';

/**
 * What an attempt of a delivery is for, read back when another replica
 * (or a retry) makes it: the run's own request, or one step's with the
 * outputs it is rendered with.
 */

/** What an attempt is sent for: a run's own request, or one step's. */
export interface AttemptTarget {
  run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>;
  definition: WorkflowDefinition;
  step?: {
    step: WorkflowRequestStep;
    outputs: StepOutputs;
    /** Where the steps stood once this replica started the step. */
    startedWith?: RunStepsState;
  };
  /** The run (or step) ended meanwhile: nothing is sent. */
  ended?: boolean;
  /** The request, rendered while the plan that started the step was written. */
  renderedAhead?: RenderedAhead;
}

export type StepOutputs = Record<string, Record<string, RunStepOutputValue>>;

/** The request, execution and delivery policy the attempt follows. */
export function requestOf(target: AttemptTarget): {
  request: WorkflowRequest;
  execution: WorkflowExecution;
  delivery?: WorkflowDelivery;
} {
  if (target.step) {
    return target.step.step;
  }
  if (hasSteps(target.definition)) {
    throw new Error(
      `Run ${target.run.id} is of a workflow of steps; its requests are its steps'`,
    );
  }
  return target.definition;
}

/** The run's transition when its own request ends. */
export function runTransitionOf(
  ending: AttemptEnding,
): NonNullable<AttemptRecord['run']> {
  switch (ending.type) {
    case 'delivered':
      // Delivered: the external system now has the workflow's timeout to
      // report back.
      return { to: 'in_progress', deadlineAt: ending.deadlineAt, events: [] };
    case 'answered':
      return {
        to: 'success',
        deadlineAt: null,
        events: [
          {
            type: 'status_changed',
            data: { from: 'in_progress', to: 'success' },
          },
        ],
      };
    default:
      return {
        to: 'failed',
        deadlineAt: null,
        events: [
          {
            type: 'status_changed',
            data: {
              from: 'in_progress',
              to: 'failed',
              message: ending.message,
            },
          },
        ],
      };
  }
}

export function describeRequest(claimed: ClaimedDelivery): string {
  return claimed.stepId === undefined
    ? `the request of run ${claimed.runId}`
    : `the request of step ${claimed.stepId} of run ${claimed.runId}`;
}

/** The run (and step) a claimed delivery is for, read back. */
export async function loadAttemptTarget(
  options: {
    store: Pick<SelfServiceStore, 'getRun' | 'getWorkflowRevision'>;
    steps: Pick<RunStepStore, 'listRunSteps'>;
  },
  claimed: ClaimedDelivery,
): Promise<AttemptTarget | undefined> {
  const run = await options.store.getRun(claimed.runId);
  if (!run) {
    return undefined;
  }
  const revision = await options.store.getWorkflowRevision(
    run.workflowId,
    run.workflowRevision,
  );
  if (!revision) {
    throw new Error(`Run ${run.id} refers to a missing workflow revision`);
  }
  const { definition } = revision;
  if (claimed.stepId === undefined) {
    return { run, definition, ended: run.status !== 'in_progress' };
  }
  const step = hasSteps(definition)
    ? definition.steps.find(s => s.id === claimed.stepId)
    : undefined;
  if (!hasSteps(definition) || step?.kind !== 'request') {
    throw new Error(
      `Run ${run.id} has no request step ${claimed.stepId} in its revision`,
    );
  }
  const records = await options.steps.listRunSteps(run.id);
  const status = records.find(r => r.stepId === step.id)?.status;
  return {
    run,
    definition,
    step: {
      step,
      outputs: upstreamOutputs(definition.steps, step.id, records),
    },
    ended: run.status !== 'in_progress' || status !== 'running',
  };
}

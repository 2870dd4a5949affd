import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  Run,
  RunEvent,
  RunStep,
  Workflow,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../access/accessRules';
import { approveRun, type RunDecision, rejectRun } from './commands/decideRun';
import { deleteWorkflow } from './commands/deleteWorkflow';
import { redeliverRun } from './commands/redeliverRun';
import { type CallbackAuthor, RunCallbacks } from './commands/RunCallbacks';
import {
  StepCallbacks,
  type StepCallbackTarget,
} from './commands/StepCallbacks';
import type { RunCommandDeps } from './commands/RunCommandDeps';
import { definitionOf } from './commands/runLookups';
import { toRunStep } from './commands/toRunStep';
import { decideStep, type StepDecisionRequest } from './commands/decideStep';
import { cancelRun, retryRun } from './commands/operateStepsRun';
import {
  endOverdueSteps,
  endOverdueStepsOfRun,
} from './commands/endOverdueSteps';
import { triggerRun } from './commands/triggerRun';
import { withdrawRun } from './commands/withdrawRun';

/**
 * The writes the API makes to runs, one command a file under `commands/`.
 * Every status change goes through the store's conditional transitions, so
 * concurrent approvals, callbacks and resends resolve to one outcome on any
 * number of replicas; what becomes due is written with its delivery and
 * handed to this replica's {@link DeliveryWorker}. Permission-framework
 * checks happen before these are called; the workflow's own access rules
 * are enforced in the commands.
 */
export class RunCommands {
  private readonly callbacks: RunCallbacks;
  private readonly stepCallbacks: StepCallbacks;

  constructor(private readonly deps: RunCommandDeps) {
    this.callbacks = new RunCallbacks(deps);
    this.stepCallbacks = new StepCallbacks(deps);
  }

  trigger(request: {
    workflow: Workflow;
    entityRef?: string;
    inputs: unknown;
    caller: Caller;
    credentials: BackstageCredentials;
  }): Promise<Run> {
    return triggerRun(this.deps, request);
  }

  approve(request: RunDecision): Promise<Run> {
    return approveRun(this.deps, request);
  }

  reject(request: RunDecision): Promise<Run> {
    return rejectRun(this.deps, request);
  }

  withdraw(request: { runId: string; caller: Caller }): Promise<Run> {
    return withdrawRun(this.deps, request);
  }

  redeliver(request: { runId: string; actor: string }): Promise<Run> {
    return redeliverRun(this.deps, request);
  }

  deleteWorkflow(request: {
    workflow: Workflow;
    actor: string;
  }): Promise<{ canceledRuns: Run[] }> {
    return deleteWorkflow(this.deps, request);
  }

  postMessage(
    request: CallbackAuthor & { runId: string; markdown: string },
  ): Promise<RunEvent> {
    return this.callbacks.postMessage(request);
  }

  postLink(
    request: CallbackAuthor & { runId: string; label: string; url: string },
  ): Promise<RunEvent> {
    return this.callbacks.postLink(request);
  }

  setFinalStatus(
    request: CallbackAuthor & {
      runId: string;
      status: 'success' | 'failed';
      message?: string;
    },
  ): Promise<Run> {
    return this.callbacks.setFinalStatus(request);
  }

  postStepMessage(
    request: StepCallbackTarget & { markdown: string },
  ): Promise<RunEvent> {
    return this.stepCallbacks.postMessage(request);
  }

  postStepLink(
    request: StepCallbackTarget & { label: string; url: string },
  ): Promise<RunEvent> {
    return this.stepCallbacks.postLink(request);
  }

  setStepStatus(
    request: StepCallbackTarget & {
      status: 'success' | 'failed';
      message?: string;
      outputs?: Record<string, unknown>;
    },
  ): Promise<RunStep> {
    return this.stepCallbacks.setStatus(request);
  }

  /** Cancels a run in progress; see {@link cancelRun}. */
  cancel(request: { runId: string; actor: string }): Promise<Run> {
    return cancelRun(this.deps, request);
  }

  /** Retries a failed or timed-out run; see {@link retryRun}. */
  retry(request: { runId: string; actor: string }): Promise<Run> {
    return retryRun(this.deps, request);
  }

  /** An approver decides a gate of a run of steps. */
  decideStep(request: StepDecisionRequest): Promise<RunStep> {
    return decideStep(this.deps, request);
  }

  /** Ends the waits, gates and event-driven steps that are overdue. */
  endOverdueSteps(now?: Date): Promise<number> {
    return endOverdueSteps(this.deps, now);
  }

  /** Ends what is overdue in one run, when its deadline comes. */
  endOverdueStepsOf(runId: string): Promise<boolean> {
    return endOverdueStepsOfRun(this.deps, runId);
  }

  /** The decisions on the gates of a run, oldest first. */
  stepDecisionsOf(runId: string) {
    return this.deps.steps.listStepDecisions(runId);
  }

  /** The steps of a run, in workflow order; none for one request. */
  async stepsOf(runId: string): Promise<RunStep[]> {
    return (await this.deps.steps.listRunSteps(runId)).map(toRunStep);
  }

  /** The definition a run was triggered with. */
  definitionOf(run: Run): Promise<WorkflowDefinition> {
    return definitionOf(this.deps, run);
  }
}

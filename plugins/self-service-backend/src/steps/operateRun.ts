import {
  type RunStepStatus,
  TERMINAL_RUN_STEP_STATUSES,
  type WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import type {
  RunStepsState,
  StepChange,
  StepPlan,
} from '../database/runStepWrites';
import type { NewRunEvent } from '../database/SelfServiceStore';
import { type ApprovalDecision, approvalOutcome } from './approvalOutcome';
import { planStepProgress, type StepEngineContext } from './planSteps';

/**
 * Cancel and retry of a multi-step run, planned from the state read under
 * the run's lock like every other step change.
 */

const terminal: ReadonlySet<RunStepStatus> = new Set(
  TERMINAL_RUN_STEP_STATUSES,
);

/** A cancel's plan, and the steps whose external systems are told. */
export interface CancelPlan {
  plan: StepPlan;
  /** Event-driven steps in progress that declare a `cancelRequest`. */
  notify: WorkflowRequestStep[];
}

/**
 * Cancels a run in progress: every step not finished is canceled (a
 * request in flight included: its result, when it comes, is stale and
 * ignored), and the run is canceled at once rather than when its last
 * request answers. Undefined when the run is not in progress.
 */
export function planCancel(
  context: StepEngineContext,
  state: RunStepsState,
  actor: string,
): CancelPlan | undefined {
  if (state.runStatus !== 'in_progress') {
    return undefined;
  }
  const byId = new Map(context.steps.map(step => [step.id, step]));
  const message = `Canceled by ${actor}`;
  const changes: StepChange[] = [];
  const events: NewRunEvent[] = [];
  const notify: WorkflowRequestStep[] = [];
  for (const record of state.steps) {
    if (terminal.has(record.status)) {
      continue;
    }
    changes.push({
      stepId: record.stepId,
      from: [record.status],
      to: 'canceled',
      message,
      deadlineAt: null,
    });
    events.push({
      type: 'status_changed',
      stepId: record.stepId,
      actor,
      data: { from: record.status, to: 'canceled', message },
    });
    const step = byId.get(record.stepId);
    if (
      record.status === 'running' &&
      step?.kind === 'request' &&
      step.execution.type === 'event-driven' &&
      step.cancelRequest
    ) {
      notify.push(step);
    }
  }
  events.push({
    type: 'status_changed',
    actor,
    data: { from: 'in_progress', to: 'canceled', message },
  });
  return {
    plan: {
      changes,
      events,
      run: { from: ['in_progress'], to: 'canceled', deadlineAt: null },
    },
    notify,
  };
}

/** A retry's plan, or why the run cannot be retried. */
export type RetryPlan = { plan: StepPlan } | { refused: string };

/**
 * Retries a failed or timed-out run from the steps that did not succeed:
 * steps that succeeded keep their status and outputs and are not sent
 * again; every other step is pending again, and those whose dependencies
 * succeeded start in the same transaction. Decided approvals stand, since
 * the inputs cannot change: a run whose gate was rejected is refused, and
 * the approvals an undecided gate (`mode: all`) already has still count.
 */
export function planRetry(
  context: StepEngineContext,
  state: RunStepsState,
  actor: string,
  decisions: ReadonlyArray<ApprovalDecision & { stepId: string }>,
): RetryPlan {
  if (state.runStatus !== 'failed' && state.runStatus !== 'timed_out') {
    return {
      refused: `Only a failed or timed-out run can be retried; this one is ${state.runStatus}`,
    };
  }
  for (const step of context.steps) {
    const rejected =
      step.kind === 'approval' &&
      approvalOutcome(
        step,
        decisions.filter(d => d.stepId === step.id),
      ) === 'rejected';
    if (rejected) {
      return {
        refused: `Step '${step.id}' was rejected, and decisions stand; start a new run to ask again`,
      };
    }
  }

  const again = state.steps.filter(s => s.status !== 'success');
  const first = again.find(s => s.status !== 'skipped') ?? again[0];
  const message = first
    ? `Retried from step '${first.stepId}' by ${actor}`
    : `Retried by ${actor}`;
  const reset: StepChange[] = again.map(s => ({
    stepId: s.stepId,
    from: [s.status],
    to: 'pending',
  }));
  const reopened: RunStepsState = {
    runStatus: 'in_progress',
    steps: state.steps.map(s =>
      s.status === 'success' ? s : { ...s, status: 'pending', outputs: {} },
    ),
  };
  const progress = planStepProgress(context, reopened);
  const events: NewRunEvent[] = [
    {
      type: 'status_changed',
      actor,
      data: { from: state.runStatus, to: 'in_progress', message },
    },
    ...(progress?.events ?? []),
  ];
  return {
    plan: {
      changes: [...reset, ...(progress?.changes ?? [])],
      ...(progress?.deliveries && { deliveries: progress.deliveries }),
      events,
      run: {
        from: [state.runStatus],
        to: progress?.run?.to ?? 'in_progress',
        deadlineAt: null,
      },
    },
  };
}

import {
  type RunStatus,
  type RunStepStatus,
  type StepNode,
  TERMINAL_RUN_STEP_STATUSES,
} from '@backstage-self-service/plugin-self-service-common';

/** What happens next to a run's steps, given where each stands. */
export interface StepTransitions {
  /** Pending steps whose dependencies all succeeded, in workflow order. */
  start: string[];
  /** Pending steps that will never start, because a step failed. */
  skip: string[];
}

const terminal: ReadonlySet<RunStepStatus> = new Set(
  TERMINAL_RUN_STEP_STATUSES,
);
const ending: ReadonlySet<RunStepStatus> = new Set([
  'failed',
  'timed_out',
  'canceled',
]);

/**
 * Decides which pending steps start and which are skipped. Once one step
 * has failed, timed out or been canceled, no further step starts: every
 * pending step is skipped, and steps already running finish on their own.
 * Otherwise a pending step starts when every step it depends on succeeded,
 * so independent steps start together.
 */
export function nextStepTransitions(
  steps: ReadonlyArray<StepNode>,
  statuses: ReadonlyMap<string, RunStepStatus>,
): StepTransitions {
  const pending = steps.filter(step => statuses.get(step.id) === 'pending');
  if ([...statuses.values()].some(status => ending.has(status))) {
    return { start: [], skip: pending.map(step => step.id) };
  }
  return {
    start: pending
      .filter(step =>
        step.dependsOn.every(id => statuses.get(id) === 'success'),
      )
      .map(step => step.id),
    skip: [],
  };
}

/**
 * The status of a run that follows from its steps' statuses: in progress
 * while any step is unfinished; then, as env0 reports a workflow, timed
 * out or failed if a step did, canceled if one was, and a success when
 * every step succeeded.
 */
export function runStatusFromSteps(
  statuses: Iterable<RunStepStatus>,
): RunStatus {
  const all = [...statuses];
  if (all.some(status => !terminal.has(status))) {
    return 'in_progress';
  }
  if (all.includes('timed_out')) {
    return 'timed_out';
  }
  if (all.includes('failed')) {
    return 'failed';
  }
  if (all.includes('canceled')) {
    return 'canceled';
  }
  return all.every(status => status === 'success') ? 'success' : 'failed';
}

/**
 * The statuses a retry from the failed step starts with: steps that
 * succeeded keep their status (and outputs, and are not sent again);
 * every other step is pending again.
 */
export function statusesForRetry(
  statuses: ReadonlyMap<string, RunStepStatus>,
): Map<string, RunStepStatus> {
  return new Map(
    [...statuses].map(([id, status]) => [
      id,
      status === 'success' ? 'success' : 'pending',
    ]),
  );
}

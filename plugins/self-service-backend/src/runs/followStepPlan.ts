import {
  type Run,
  type StepsWorkflowDefinition,
  TERMINAL_RUN_STATUSES,
} from '@backstage-self-service/plugin-self-service-common';
import type { AppliedStepPlan } from '../database/runStepWrites';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import type { StepRequestStarts } from '../delivery/StepRequestStarts';
import type { RunNotifier } from './RunNotifier';
import type { StepDeadlineTimers } from './StepDeadlineTimers';

/** What follows up a committed step plan. */
export interface StepPlanFollowUpDeps {
  store: Pick<SelfServiceStore, 'getRun'>;
  notifier: Pick<
    RunNotifier,
    'runChanged' | 'runFinished' | 'stepApprovalRequested'
  >;
  /** Acts on the deadlines the plan set when they come, on this replica. */
  timers?: Pick<StepDeadlineTimers, 'schedule'>;
}

/**
 * What every committed step plan is followed by, whoever made it (a
 * response, a callback, a decision, a deadline, a retry): the requests it
 * started leave, its deadlines are timed, the approvers of gates it opened are notified, and the
 * run's page and requester hear of the change.
 */
export async function followStepPlan(
  deps: StepPlanFollowUpDeps,
  options: {
    runId: string;
    definition: StepsWorkflowDefinition;
    starts?: StepRequestStarts;
    applied: AppliedStepPlan;
  },
): Promise<Run | undefined> {
  const { definition, starts, applied } = options;
  if (!applied.plan) {
    return undefined;
  }
  starts?.send(applied);
  for (const change of applied.plan.changes) {
    if (change.deadlineAt instanceof Date) {
      deps.timers?.schedule(options.runId, change.deadlineAt);
    }
  }
  // The requests just handed over leave on the next turn of the event loop;
  // what follows (a read, notifications) waits for that rather than delay them.
  await new Promise(resolve => setImmediate(resolve));
  const run = await deps.store.getRun(options.runId);
  if (!run) {
    return undefined;
  }
  for (const event of applied.plan.events ?? []) {
    const step =
      event.type === 'approval_requested' && event.stepId !== undefined
        ? definition.steps.find(s => s.id === event.stepId)
        : undefined;
    if (step?.kind === 'approval') {
      await deps.notifier.stepApprovalRequested(run, definition.name, step);
    }
  }
  if (applied.plan.run && TERMINAL_RUN_STATUSES.includes(applied.runStatus)) {
    await deps.notifier.runFinished(run, definition.name);
  }
  await deps.notifier.runChanged(run);
  return run;
}

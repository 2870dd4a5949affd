import {
  type RunInputs,
  type RunStatus,
  type RunStepOutputValue,
  type RunStepStatus,
  type WorkflowApprovalStep,
  type WorkflowRequestStep,
  type WorkflowStep,
  type WorkflowWaitStep,
} from '@backstage-self-service/plugin-self-service-common';
import { DateTime } from 'luxon';
import type { NewDelivery } from '../database/deliveryRows';
import type {
  RunStepsState,
  StepChange,
  StepPlan,
} from '../database/runStepWrites';
import type { NewRunEvent } from '../database/SelfServiceStore';
import { nextStepTransitions, runStatusFromSteps } from './stepSchedule';

/**
 * The engine's decisions for a multi-step run: what starts, what is
 * skipped, and what the run's status becomes, given where its steps stand
 * in the transaction that holds the run's lock. Pure, apart from
 * `prepareRequest`, so the same plan is made whichever replica makes it.
 */

/** What the engine plans with. */
export interface StepEngineContext {
  steps: ReadonlyArray<WorkflowStep>;
  /** The run's inputs, for wait steps that wait until a time an input gives. */
  inputs: RunInputs;
  now: Date;
  /** The request of a request step that starts, claimed by this replica. */
  prepareRequest(step: WorkflowRequestStep): NewDelivery;
}

/** A step that ended (its response, callback, decision or deadline came). */
export interface StepEnd {
  stepId: string;
  /** The statuses it may end from; an end from any other is stale and ignored. */
  from: ReadonlyArray<RunStepStatus>;
  to: Extract<
    RunStepStatus,
    'success' | 'failed' | 'canceled' | 'timed_out' | 'skipped'
  >;
  outputs?: Record<string, RunStepOutputValue>;
  message?: string;
  actor?: string;
}

/** The plan that creates a run's steps and starts those with no dependencies. */
export function planRunStart(context: StepEngineContext): StepPlan {
  const state: RunStepsState = {
    runStatus: 'in_progress',
    steps: context.steps.map((step, position) => ({
      stepId: step.id,
      position,
      status: 'pending',
      outputs: {},
    })),
  };
  const plan = planStepProgress(context, state);
  return {
    changes: [],
    ...plan,
    create: context.steps.map(step => step.id),
  };
}

/**
 * Applies the ends given, then starts every step whose dependencies all
 * succeeded (a wait already over succeeds at once, and may start more),
 * skips every pending step once one failed, and ends the run when no step
 * is left unfinished. Undefined when nothing changes, as when every end is
 * stale (a duplicate callback, a decision racing a time-out).
 */
export function planStepProgress(
  context: StepEngineContext,
  state: RunStepsState,
  ends: ReadonlyArray<StepEnd> = [],
): StepPlan | undefined {
  if (state.runStatus !== 'in_progress') {
    return undefined;
  }
  const byId = new Map(context.steps.map(step => [step.id, step]));
  const statuses = new Map(state.steps.map(s => [s.stepId, s.status]));
  const changes: StepChange[] = [];
  const deliveries: Array<{ stepId: string; delivery: NewDelivery }> = [];
  const events: NewRunEvent[] = [];
  const change = (next: StepChange, actor?: string) => {
    changes.push(next);
    events.push({
      type: 'status_changed',
      stepId: next.stepId,
      ...(actor && { actor }),
      data: {
        from: statuses.get(next.stepId),
        to: next.to,
        ...(next.message && { message: next.message }),
      },
    });
    statuses.set(next.stepId, next.to);
  };

  for (const end of ends) {
    const current = statuses.get(end.stepId);
    if (current === undefined || !end.from.includes(current)) {
      continue;
    }
    change(
      {
        stepId: end.stepId,
        from: [current],
        to: end.to,
        deadlineAt: null,
        ...(end.outputs && { outputs: end.outputs }),
        ...(end.message && { message: end.message }),
      },
      end.actor,
    );
  }

  for (;;) {
    const next = nextStepTransitions(context.steps, statuses);
    if (next.start.length === 0 && next.skip.length === 0) {
      break;
    }
    const reason = endingStep(statuses);
    for (const stepId of next.skip) {
      change({
        stepId,
        from: ['pending'],
        to: 'skipped',
        message: reason
          ? `Not started: step '${reason.stepId}' ${describeEnd(reason.status)}`
          : 'Not started',
      });
    }
    for (const stepId of next.start) {
      const step = byId.get(stepId)!;
      switch (step.kind) {
        case 'request':
          change({ stepId, from: ['pending'], to: 'running' });
          deliveries.push({ stepId, delivery: context.prepareRequest(step) });
          break;
        case 'approval':
          startApproval(step, context.now, change, events);
          break;
        default:
          startWait(step, context, change);
      }
    }
  }

  const runStatus = runStatusFromSteps(statuses.values());
  if (changes.length === 0) {
    return undefined;
  }
  const run =
    runStatus !== state.runStatus
      ? runEnd(state.runStatus, runStatus, statuses, events)
      : undefined;
  return {
    changes,
    ...(deliveries.length > 0 && { deliveries }),
    events,
    ...(run && { run }),
  };
}

function startApproval(
  step: WorkflowApprovalStep,
  now: Date,
  change: (next: StepChange) => void,
  events: NewRunEvent[],
) {
  change({
    stepId: step.id,
    from: ['pending'],
    to: 'waiting_approval',
    ...(step.timeoutSeconds !== undefined && {
      deadlineAt: new Date(now.getTime() + step.timeoutSeconds * 1000),
    }),
  });
  events.push({
    type: 'approval_requested',
    stepId: step.id,
    data: { approvers: step.approvers, mode: step.mode },
  });
}

/**
 * A wait runs until its deadline, which the deadline sweep acts on; one
 * whose time has already come (or is zero seconds) succeeds at once.
 */
function startWait(
  step: WorkflowWaitStep,
  context: StepEngineContext,
  change: (next: StepChange) => void,
) {
  const until = waitUntil(step, context);
  if ('error' in until) {
    change({
      stepId: step.id,
      from: ['pending'],
      to: 'failed',
      message: until.error,
    });
  } else if (until.at.getTime() <= context.now.getTime()) {
    change({ stepId: step.id, from: ['pending'], to: 'success' });
  } else {
    change({
      stepId: step.id,
      from: ['pending'],
      to: 'running',
      deadlineAt: until.at,
    });
  }
}

function waitUntil(
  step: WorkflowWaitStep,
  context: StepEngineContext,
): { at: Date } | { error: string } {
  if (step.untilParameter === undefined) {
    return {
      at: new Date(context.now.getTime() + (step.seconds ?? 0) * 1000),
    };
  }
  const value = context.inputs[step.untilParameter];
  const parsed =
    typeof value === 'string'
      ? DateTime.fromISO(value, { setZone: true })
      : undefined;
  if (!parsed?.isValid) {
    return {
      error: `data.${step.untilParameter}: ${
        value === undefined || value === ''
          ? 'no time given to wait until'
          : `'${String(value)}' is not an ISO 8601 date and time`
      }`,
    };
  }
  return { at: parsed.toJSDate() };
}

const ENDING: ReadonlyArray<RunStepStatus> = [
  'timed_out',
  'failed',
  'canceled',
];

/** The first step, in workflow order, whose end stops the run. */
function endingStep(
  statuses: ReadonlyMap<string, RunStepStatus>,
): { stepId: string; status: RunStepStatus } | undefined {
  for (const wanted of ENDING) {
    for (const [stepId, status] of statuses) {
      if (status === wanted) {
        return { stepId, status };
      }
    }
  }
  return undefined;
}

function describeEnd(status: RunStepStatus): string {
  return status === 'timed_out' ? 'timed out' : status;
}

/** The run's own status change once its steps decide it, with why. */
function runEnd(
  from: RunStatus,
  to: RunStatus,
  statuses: ReadonlyMap<string, RunStepStatus>,
  events: NewRunEvent[],
): NonNullable<StepPlan['run']> {
  const reason = endingStep(statuses);
  events.push({
    type: 'status_changed',
    data: {
      from,
      to,
      ...(reason && {
        message: `Step '${reason.stepId}' ${describeEnd(reason.status)}`,
      }),
    },
  });
  return { from: [from], to, deadlineAt: null };
}

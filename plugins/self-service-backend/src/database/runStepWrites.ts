import { NotFoundError } from '@backstage/errors';
import type {
  RunStatus,
  RunStep,
  RunStepOutputValue,
  RunStepStatus,
} from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import { insertClaimedDelivery, type NewDelivery } from './deliveryRows';
import { appendInTx, toIsoString, transitionInTx } from './runWrites';
import type { NewRunEvent } from './SelfServiceStore';

/**
 * The writes to a multi-step run's steps, shared by every store that ends a
 * step inside its own transaction (a delivery's record, a callback, an
 * approval decision), so that a step's end and the start of the steps that
 * depend on it are one transaction.
 */

/** A step of a run as stored, with the deadline the engine keeps. */
export interface RunStepRecord extends RunStep {
  position: number;
  deadlineAt?: string;
}

/** One step's change, applied only while the step is in one of `from`. */
export interface StepChange {
  stepId: string;
  from: ReadonlyArray<RunStepStatus>;
  to: RunStepStatus;
  outputs?: Record<string, RunStepOutputValue>;
  message?: string;
  /** A new deadline, or null to clear it. */
  deadlineAt?: Date | null;
}

/** What the engine decided for a run's steps, written in one transaction. */
export interface StepPlan {
  /** Step ids, in workflow order, whose rows are created (as pending). */
  create?: ReadonlyArray<string>;
  changes: ReadonlyArray<StepChange>;
  /** Requests of steps that start, claimed by this replica. */
  deliveries?: ReadonlyArray<{ stepId: string; delivery: NewDelivery }>;
  events?: ReadonlyArray<NewRunEvent>;
  /** The run's own status change, when its steps decide it. */
  run?: {
    from: ReadonlyArray<RunStatus>;
    to: RunStatus;
    deadlineAt?: Date | null;
  };
}

/** Where a run and its steps stand when the engine plans. */
export interface RunStepsState {
  runStatus: RunStatus;
  steps: RunStepRecord[];
  /**
   * PostgreSQL: the steps' version (`runs.steps_version`) this state is
   * of, which a write planned from it without the lock is checked against.
   */
  version?: number;
}

/**
 * Decides what to change given where the run's steps stand; undefined
 * changes nothing. Called inside the transaction, with the run locked, and
 * given the time the transaction stamps its writes with, so deadlines the
 * plan sets count from the step's recorded start.
 */
export type StepPlanner = (
  state: RunStepsState,
  now: Date,
) => StepPlan | undefined;

/**
 * What {@link applyStepPlanInTx} did: the plan, and where the run and its
 * steps stand afterwards (on PostgreSQL with the steps' version after it).
 */
export interface AppliedStepPlan extends RunStepsState {
  /** The plan, as applied; undefined when the planner changed nothing. */
  plan?: StepPlan;
}

export type RunStepRow = {
  run_id?: string;
  step_id: string;
  position: number;
  status: RunStepStatus;
  outputs: string | null;
  message: string | null;
  deadline_at: Date | string | number | null;
  started_at: Date | string | number | null;
  finished_at: Date | string | number | null;
};

const RUNNING: ReadonlySet<RunStepStatus> = new Set([
  'running',
  'waiting_approval',
]);
const FINISHED: ReadonlySet<RunStepStatus> = new Set([
  'success',
  'failed',
  'skipped',
  'canceled',
  'timed_out',
]);

export function toRunStepRecord(row: RunStepRow): RunStepRecord {
  return {
    stepId: row.step_id,
    position: Number(row.position),
    status: row.status,
    outputs: row.outputs ? JSON.parse(row.outputs) : {},
    ...(row.message ? { message: row.message } : {}),
    ...(row.started_at ? { startedAt: toIsoString(row.started_at) } : {}),
    ...(row.finished_at ? { finishedAt: toIsoString(row.finished_at) } : {}),
    ...(row.deadline_at ? { deadlineAt: toIsoString(row.deadline_at) } : {}),
  };
}

export async function readRunSteps(
  db: Knex | Knex.Transaction,
  runId: string,
): Promise<RunStepRecord[]> {
  const rows = await db<RunStepRow>('run_steps')
    .where('run_id', runId)
    .orderBy('position', 'asc');
  return rows.map(toRunStepRecord);
}

/**
 * Locks the run's row (PostgreSQL: an update of its `steps_version`;
 * SQLite runs one writing transaction at a time) and reads where it and
 * its steps stand.
 * @throws NotFoundError when there is no such run.
 */
export async function lockRunSteps(
  tx: Knex.Transaction,
  runId: string,
): Promise<RunStepsState> {
  if (tx.client.config.client !== 'pg') {
    // One writing transaction at a time: the run and its steps in one read.
    const rows: Array<Partial<RunStepRow> & { run_status: RunStatus }> =
      await tx('runs')
        .leftJoin('run_steps', 'run_steps.run_id', 'runs.id')
        .where('runs.id', runId)
        .orderBy('run_steps.position', 'asc')
        .select('runs.status as run_status', 'run_steps.*');
    if (rows.length === 0) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    return {
      runStatus: rows[0].run_status,
      steps: rows
        .filter(row => row.step_id !== null && row.step_id !== undefined)
        .map(row => toRunStepRecord(row as RunStepRow)),
    };
  }
  // The lock is an update of the steps' version, which tells a step's end
  // planned without the lock (stepPlanInOneStatement) that its plan is
  // stale. The steps in a statement of their own, after the lock:
  // PostgreSQL reads the rows a statement joins as they were before it
  // waited for the lock.
  const [run]: Array<{ status: RunStatus; steps_version: number }> = await tx(
    'runs',
  )
    .where('id', runId)
    .update({ steps_version: tx.raw('steps_version + 1') })
    .returning(['status', 'steps_version']);
  if (!run) {
    throw new NotFoundError(`No run with id '${runId}'`);
  }
  return {
    runStatus: run.status,
    steps: await readRunSteps(tx, runId),
    version: Number(run.steps_version),
  };
}

/**
 * Locks the run, reads its steps, asks the planner what to change and
 * writes that: step changes (each conditional on the status it was planned
 * from), the deliveries of steps that start, events, and the run's own
 * status. On PostgreSQL the run's row is locked first (see {@link lockRunSteps}), so
 * concurrent plans for one run, on any replica, see each other's writes;
 * SQLite runs one writing transaction at a time.
 *
 * A change whose step is no longer in its `from` status means the planner
 * saw a state that is gone, which the lock rules out; it throws rather
 * than write half a plan.
 * @throws NotFoundError when there is no such run.
 */
export async function applyStepPlanInTx(
  tx: Knex.Transaction,
  runId: string,
  planner: StepPlanner,
  now: Date,
): Promise<AppliedStepPlan> {
  const state = await lockRunSteps(tx, runId);
  return writeStepPlanInTx(tx, runId, state, planner(state, now), now);
}

/**
 * Writes a plan made from `state`, which the caller read with
 * {@link lockRunSteps} in this transaction (so the run is still locked).
 */
export async function writeStepPlanInTx(
  tx: Knex.Transaction,
  runId: string,
  state: RunStepsState,
  plan: StepPlan | undefined,
  now: Date,
): Promise<AppliedStepPlan> {
  if (!plan) {
    return state;
  }

  if (plan.create && plan.create.length > 0) {
    await tx('run_steps').insert(
      plan.create.map((stepId, position) => ({
        run_id: runId,
        step_id: stepId,
        position,
        status: 'pending',
        outputs: null,
        message: null,
        updated_at: now,
      })),
    );
  }
  for (const change of plan.changes) {
    const changed = await tx('run_steps')
      .where({ run_id: runId, step_id: change.stepId })
      .whereIn('status', [...change.from])
      .update({ ...stepColumns(change, now), updated_at: now });
    if (changed !== 1) {
      throw new Error(
        `Step ${change.stepId} of run ${runId} was not ${change.from.join(
          ' or ',
        )} as planned`,
      );
    }
  }
  for (const { stepId, delivery } of plan.deliveries ?? []) {
    await insertClaimedDelivery(tx, runId, delivery, now, stepId);
  }

  const events = [...(plan.events ?? [])];
  let runStatus = state.runStatus;
  if (plan.run) {
    const moved = await transitionInTx(
      tx,
      {
        runId,
        from: plan.run.from,
        to: plan.run.to,
        deadlineAt: plan.run.deadlineAt,
        events,
      },
      now,
    );
    if (!moved) {
      throw new Error(
        `Run ${runId} was not ${plan.run.from.join(' or ')} as planned`,
      );
    }
    runStatus = plan.run.to;
  } else if (events.length > 0) {
    await appendInTx(tx, runId, events, now);
  }
  return {
    plan,
    steps: stepsAfter(state.steps, plan, now),
    runStatus,
    // The lock bumped it; nothing else in this transaction does.
    ...(state.version !== undefined && { version: state.version }),
  };
}

/** The columns a change writes, `now` stamping what it starts or ends. */
export function stepColumns(change: StepChange, now: Date) {
  return {
    status: change.to,
    ...(change.outputs !== undefined
      ? { outputs: JSON.stringify(change.outputs) }
      : {}),
    ...(change.message !== undefined ? { message: change.message } : {}),
    ...(change.deadlineAt !== undefined
      ? { deadline_at: change.deadlineAt }
      : {}),
    // Only on entering: an event-driven step's deadline moves while it runs.
    ...(RUNNING.has(change.to) && !change.from.includes(change.to)
      ? { started_at: now, finished_at: null }
      : {}),
    ...(FINISHED.has(change.to) ? { finished_at: now } : {}),
    ...(change.to === 'pending'
      ? {
          started_at: null,
          finished_at: null,
          deadline_at: null,
          message: null,
          outputs: null,
        }
      : {}),
  };
}

/**
 * The steps as the plan left them, from the steps it was made from and
 * the columns it wrote, rather than read again: the run is locked, so
 * nothing else changed them.
 */
export function stepsAfter(
  before: ReadonlyArray<RunStepRecord>,
  plan: StepPlan,
  now: Date,
): RunStepRecord[] {
  const rows = new Map<string, RunStepRow>(
    before.map(step => [step.stepId, toRunStepRow(step)]),
  );
  (plan.create ?? []).forEach((stepId, position) =>
    rows.set(stepId, {
      step_id: stepId,
      position,
      status: 'pending',
      outputs: null,
      message: null,
      deadline_at: null,
      started_at: null,
      finished_at: null,
    }),
  );
  for (const change of plan.changes) {
    const row = rows.get(change.stepId)!;
    rows.set(change.stepId, { ...row, ...stepColumns(change, now) });
  }
  return [...rows.values()]
    .map(toRunStepRecord)
    .sort((a, b) => a.position - b.position);
}

function toRunStepRow(step: RunStepRecord): RunStepRow {
  return {
    step_id: step.stepId,
    position: step.position,
    status: step.status,
    outputs: JSON.stringify(step.outputs),
    message: step.message ?? null,
    deadline_at: step.deadlineAt ?? null,
    started_at: step.startedAt ?? null,
    finished_at: step.finishedAt ?? null,
  };
}

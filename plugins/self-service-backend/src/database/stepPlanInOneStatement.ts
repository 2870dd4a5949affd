import type { RunStatus } from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import { claimedDeliveryRow } from './deliveryRows';
import type { AttemptRecord, RecordedAttempt } from './DeliveryStore';
import {
  type RunStepRow,
  type RunStepsState,
  type StepPlan,
  type StepPlanner,
  stepColumns,
  stepsAfter,
  toRunStepRecord,
} from './runStepWrites';
import type { NewRunEvent } from './SelfServiceStore';

/**
 * A step request's attempt recorded on PostgreSQL in one statement, with
 * what its end starts: the path between a step's response and its
 * dependents' requests leaving, where a transaction's ten round trips
 * (BEGIN, the lock, the read, each write, COMMIT) were most of the wait.
 *
 * The steps are read without a lock, planned, and written by one
 * autocommitted statement whose first part is the gate: an update of the
 * run that applies only while its `steps_version` is the one read (every
 * transaction that plans a run's steps bumps it under the run's lock, see
 * `lockRunSteps`), the run's status is the one planned from, and the
 * delivery is still this replica's claim (locked by the same statement).
 * Every other write of the statement is conditional on the gate, so a
 * stale plan writes nothing; the caller then records through the
 * transaction, which plans again under the lock. The planner may therefore
 * be called twice, and only the plan that landed counts (as it already may
 * when a transaction is tried again).
 *
 * Only the common case takes this path: a step ends and zero or more
 * others start. A plan that creates steps or ends the run (which has more
 * to write, such as expiry on success) goes through the transaction.
 *
 * @returns undefined when the attempt was not recorded here (nothing was
 *   written): the caller records it through the transaction.
 */
export async function recordStepAttemptInOneStatement(
  db: Knex,
  record: AttemptRecord & { steps: StepPlanner },
  heldColumns: Record<string, unknown>,
  now: Date,
): Promise<RecordedAttempt | undefined> {
  const read = await readStepsUnlocked(db, record);
  if (!read?.held) {
    return undefined;
  }
  const plan = record.steps(read.state, now);
  if (plan?.create?.length || plan?.run) {
    return undefined;
  }
  const written = await writeIfUnchanged(db, {
    record,
    heldColumns,
    read,
    plan,
    now,
  });
  if (!written) {
    return undefined;
  }
  return {
    held: true,
    runChanged: false,
    steps: plan
      ? {
          plan,
          steps: stepsAfter(read.state.steps, plan, now),
          runStatus: read.state.runStatus,
        }
      : read.state,
  };
}

interface UnlockedRead {
  state: RunStepsState;
  version: number;
  /** Whether the delivery was this replica's claim when read. */
  held: boolean;
}

/** The run, its steps and their version, as of one snapshot. */
async function readStepsUnlocked(
  db: Knex,
  record: AttemptRecord,
): Promise<UnlockedRead | undefined> {
  const rows: Array<
    Partial<RunStepRow> & {
      run_status: RunStatus;
      steps_version: number;
      delivery_held: boolean;
    }
  > = await db('runs')
    .leftJoin('run_steps', 'run_steps.run_id', 'runs.id')
    .where('runs.id', record.runId)
    .orderBy('run_steps.position', 'asc')
    .select(
      'runs.status as run_status',
      'runs.steps_version',
      db.raw('exists (?) as delivery_held', [heldDelivery(db, record)]),
      'run_steps.*',
    );
  if (rows.length === 0) {
    return undefined;
  }
  return {
    state: {
      runStatus: rows[0].run_status,
      steps: rows
        .filter(row => row.step_id !== null && row.step_id !== undefined)
        .map(row => toRunStepRecord(row as RunStepRow)),
    },
    version: Number(rows[0].steps_version),
    held: Boolean(rows[0].delivery_held),
  };
}

/** The delivery's row while this replica's claim on it holds. */
function heldDelivery(db: Knex, record: AttemptRecord) {
  return db('deliveries').select(db.raw('1')).where({
    id: record.deliveryId,
    status: 'sending',
    lease_owner: record.owner,
    attempts: record.attempt,
  });
}

/** Thrown inside the statement, so that none of it lands; see below. */
const STALE_PLAN = 'self-service: step plan no longer applies';

/**
 * Writes the attempt and the plan in one statement if nothing changed the
 * run's steps since they were read; false (nothing written) if something
 * did.
 */
async function writeIfUnchanged(
  db: Knex,
  options: {
    record: AttemptRecord;
    heldColumns: Record<string, unknown>;
    read: UnlockedRead;
    plan: StepPlan | undefined;
    now: Date;
  },
): Promise<boolean> {
  const { record, read, plan, now } = options;
  const runId = record.runId;
  const events: NewRunEvent[] = [record.event, ...(plan?.events ?? [])];
  const gated = () => db.select(db.raw('1')).from('gate');

  const parts: Array<{ name: string; sql: string; bindings: unknown[] }> = [];
  const add = (name: string, query: { sql: string; bindings: unknown }) =>
    parts.push({
      name,
      sql: query.sql,
      bindings: [...(query.bindings as unknown[])],
    });

  // The delivery's row is locked before the run's, as the transaction
  // that records an attempt locks them.
  add(
    'gate',
    db('runs')
      .where({
        id: runId,
        steps_version: read.version,
        status: read.state.runStatus,
      })
      .whereExists(heldDelivery(db, record).forUpdate())
      .update({
        steps_version: db.raw('steps_version + 1'),
        event_count: db.raw('event_count + ?', [events.length]),
        updated_at: now,
      })
      .returning('event_count')
      .toSQL(),
  );
  add(
    'held',
    db('deliveries')
      .where('id', record.deliveryId)
      .whereExists(gated())
      .update(options.heldColumns)
      .returning('id')
      .toSQL(),
  );
  const changes = plan?.changes ?? [];
  changes.forEach((change, i) =>
    add(
      `step_${i}`,
      db('run_steps')
        .where({ run_id: runId, step_id: change.stepId })
        .whereIn('status', [...change.from])
        .whereExists(gated())
        .update({ ...stepColumns(change, now), updated_at: now })
        .returning('step_id')
        .toSQL(),
    ),
  );
  (plan?.deliveries ?? []).forEach(({ stepId, delivery }, i) => {
    add(
      `delivery_${i}`,
      insertIfGated(
        'deliveries',
        claimedDeliveryRow(runId, delivery, now, stepId),
      ),
    );
    add(
      `token_${i}`,
      insertIfGated('run_tokens', {
        token_hash: delivery.claim.tokenHash,
        run_id: runId,
        step_id: stepId,
        created_at: now,
      }),
    );
  });
  // The gate gives the counter after its bump: the i-th of n events is
  // numbered counter - (n - 1 - i).
  events.forEach((event, i) =>
    add(
      `event_${i}`,
      insertIfGated(
        'run_events',
        {
          run_id: runId,
          type: event.type,
          actor: event.actor ?? null,
          step_id: event.stepId ?? null,
          data: JSON.stringify(event.data),
          created_at: now,
        },
        {
          column: 'sequence',
          sql: 'event_count - ?',
          value: events.length - 1 - i,
        },
      ),
    ),
  );

  const changed =
    changes.length === 0
      ? '0'
      : changes.map((_, i) => `(SELECT count(*) FROM step_${i})`).join(' + ');
  // With the gate passed, the claim is locked and the steps are as read,
  // so every write applies; should one not, the statement fails as a
  // whole (a cast PostgreSQL cannot fold while planning, as it depends on
  // the statement's own writes) and the transaction decides instead.
  const statement = `WITH ${parts
    .map(part => `${part.name} AS (${part.sql})`)
    .join(',\n')}
    SELECT CASE
      WHEN (SELECT count(*) FROM gate) = 0 THEN 0
      WHEN (SELECT count(*) FROM held) = 1 AND ${changed} = ? THEN 1
      ELSE CAST(? || (SELECT count(*) FROM held) AS integer)
    END AS recorded`;
  try {
    const result = await db.raw<{ rows: Array<{ recorded: number }> }>(
      statement,
      [
        ...parts.flatMap(part => part.bindings),
        changes.length,
        `${STALE_PLAN}: `,
      ] as Knex.RawBinding[],
    );
    return Number(result.rows[0]?.recorded) === 1;
  } catch (error) {
    if (String((error as Error)?.message).includes(STALE_PLAN)) {
      return false;
    }
    throw error;
  }
}

/**
 * `INSERT ... SELECT ... FROM gate`: the row only if the gate passed,
 * PostgreSQL typing each value by its column as in `VALUES`.
 */
function insertIfGated(
  table: string,
  row: Record<string, unknown>,
  computed?: { column: string; sql: string; value: unknown },
): { sql: string; bindings: unknown[] } {
  const columns = Object.keys(row);
  const values = columns.map(() => '?');
  const bindings = columns.map(column => row[column]);
  if (computed) {
    columns.push(computed.column);
    values.push(computed.sql);
    bindings.push(computed.value);
  }
  return {
    sql: `INSERT INTO ${table} (${columns
      .map(column => `"${column}"`)
      .join(', ')}) SELECT ${values.join(', ')} FROM gate`,
    bindings,
  };
}

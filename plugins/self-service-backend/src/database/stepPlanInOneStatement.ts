import { createHash } from 'node:crypto';
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

/** The delivery's row while this replica's claim on it holds. */
const HELD_DELIVERY = `SELECT 1 FROM deliveries
  WHERE id = ? AND status = 'sending' AND lease_owner = ? AND attempts = ?`;

function heldBindings(record: AttemptRecord) {
  return [record.deliveryId, record.owner, record.attempt];
}

/** Thrown inside the statement, so that none of it lands; see below. */
const STALE_PLAN = 'self-service: step plan no longer applies';

/**
 * A step request's attempt recorded on PostgreSQL in one statement, with
 * what its end starts: the path between a step's response and its
 * dependents' requests leaving, where a transaction's ten round trips
 * (BEGIN, the lock, the read, each write, COMMIT) were most of the wait.
 *
 * The steps are planned without the run's lock, from where they stood
 * when this replica started the step (`knownSteps`) or else from a read,
 * and written by one autocommitted statement whose first part is the
 * gate: an update of the run that applies only while its `steps_version`
 * is the one planned from (every transaction that plans a run's steps
 * bumps it under the run's lock, see `lockRunSteps`), the run's status is
 * the one planned from, and the delivery is still this replica's claim
 * (locked by the same statement). Every other write of the statement is
 * conditional on the gate, so a stale plan writes nothing: it is planned
 * again from a read, and then, if that is stale too, the caller records
 * through the transaction, planning under the lock. The planner may
 * therefore be called more than once, and only the plan that landed
 * counts (as when a transaction is tried again).
 *
 * Only the common case takes this path: a step ends and zero or more
 * others start. A plan that creates steps or ends the run (which has more
 * to write, such as expiry on success) goes through the transaction.
 *
 * The statement is written here rather than with Knex's builder: building
 * it with Knex took a fraction of a millisecond on every step.
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
  if (record.knownSteps?.version !== undefined) {
    const known = await planAndWrite(db, {
      record,
      heldColumns,
      state: record.knownSteps,
      version: record.knownSteps.version,
      now,
    });
    if (known) {
      return known;
    }
  }
  const read = await readStepsUnlocked(db, record);
  if (!read?.held) {
    return undefined;
  }
  return planAndWrite(db, { record, heldColumns, ...read, now });
}

async function planAndWrite(
  db: Knex,
  options: {
    record: AttemptRecord & { steps: StepPlanner };
    heldColumns: Record<string, unknown>;
    state: RunStepsState;
    version: number;
    now: Date;
  },
): Promise<RecordedAttempt | undefined> {
  const { record, state, now } = options;
  const plan = record.steps(state, now);
  if (plan?.create?.length || plan?.run) {
    return undefined;
  }
  const version = await writeIfUnchanged(db, { ...options, plan });
  if (version === undefined) {
    return undefined;
  }
  const after = plan ? stepsAfter(state.steps, plan, now) : state.steps;
  return {
    held: true,
    runChanged: false,
    steps: {
      ...(plan && { plan }),
      steps: after,
      runStatus: state.runStatus,
      version,
    },
  };
}

/** The run, its steps and their version, as of one snapshot. */
async function readStepsUnlocked(
  db: Knex,
  record: AttemptRecord,
): Promise<
  | {
      state: RunStepsState;
      version: number;
      /** Whether the delivery was this replica's claim when read. */
      held: boolean;
    }
  | undefined
> {
  const { rows }: { rows: Array<Partial<RunStepRow> & ReadRunColumns> } =
    await db.raw(
      `SELECT runs.status AS run_status, runs.steps_version,
         EXISTS (${HELD_DELIVERY}) AS delivery_held, run_steps.*
       FROM runs LEFT JOIN run_steps ON run_steps.run_id = runs.id
       WHERE runs.id = ?
       ORDER BY run_steps.position`,
      [...heldBindings(record), record.runId],
    );
  if (rows.length === 0) {
    return undefined;
  }
  const version = Number(rows[0].steps_version);
  return {
    state: {
      runStatus: rows[0].run_status,
      steps: rows
        .filter(row => row.step_id !== null && row.step_id !== undefined)
        .map(row => toRunStepRecord(row as RunStepRow)),
      version,
    },
    version,
    held: Boolean(rows[0].delivery_held),
  };
}

type ReadRunColumns = {
  run_status: RunStatus;
  steps_version: number;
  delivery_held: boolean;
};

/**
 * Writes the attempt and the plan in one statement if nothing changed the
 * run's steps since `version`; the steps' version afterwards, or undefined
 * (nothing written) if something did.
 */
async function writeIfUnchanged(
  db: Knex,
  options: {
    record: AttemptRecord;
    heldColumns: Record<string, unknown>;
    state: RunStepsState;
    version: number;
    plan: StepPlan | undefined;
    now: Date;
  },
): Promise<number | undefined> {
  const { record, state, plan, now } = options;
  const runId = record.runId;
  const events: NewRunEvent[] = [record.event, ...(plan?.events ?? [])];

  const parts: Array<{ name: string; sql: string; bindings: unknown[] }> = [];
  // The delivery's row is locked before the run's, as the transaction
  // that records an attempt locks them.
  parts.push({
    name: 'gate',
    sql: `UPDATE runs SET steps_version = steps_version + 1,
        event_count = event_count + ?, updated_at = ?
      WHERE id = ? AND steps_version = ? AND status = ?
        AND EXISTS (${HELD_DELIVERY} FOR UPDATE)
      RETURNING event_count, steps_version`,
    bindings: [
      events.length,
      now,
      runId,
      options.version,
      state.runStatus,
      ...heldBindings(record),
    ],
  });
  parts.push({
    name: 'held',
    ...updateIfGated('deliveries', options.heldColumns, 'id = ?', [
      record.deliveryId,
    ]),
  });
  const changes = plan?.changes ?? [];
  changes.forEach((change, i) =>
    parts.push({
      name: `step_${i}`,
      ...updateIfGated(
        'run_steps',
        { ...stepColumns(change, now), updated_at: now },
        `run_id = ? AND step_id = ? AND status IN (${change.from
          .map(() => '?')
          .join(', ')})`,
        [runId, change.stepId, ...change.from],
      ),
    }),
  );
  (plan?.deliveries ?? []).forEach(({ stepId, delivery }, i) => {
    parts.push({
      name: `delivery_${i}`,
      ...insertIfGated(
        'deliveries',
        claimedDeliveryRow(runId, delivery, now, stepId),
      ),
    });
    parts.push({
      name: `token_${i}`,
      ...insertIfGated('run_tokens', {
        token_hash: delivery.claim.tokenHash,
        run_id: runId,
        step_id: stepId,
        created_at: now,
      }),
    });
  });
  // The gate gives the counter after its bump: the i-th of n events is
  // numbered counter - (n - 1 - i).
  events.forEach((event, i) =>
    parts.push({
      name: `event_${i}`,
      ...insertIfGated(
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
    }),
  );

  const changed =
    changes.length === 0
      ? '0'
      : changes.map((_, i) => `(SELECT count(*) FROM step_${i})`).join(' + ');
  // With the gate passed, the claim is locked and the steps are as
  // planned from, so every write applies; should one not, the statement
  // fails as a whole (a cast PostgreSQL cannot fold while planning, as it
  // depends on the statement's own writes) and the transaction decides.
  const statement = `WITH ${parts
    .map(part => `${part.name} AS (${part.sql})`)
    .join(',\n')}
    SELECT CASE
      WHEN NOT EXISTS (SELECT 1 FROM gate) THEN NULL
      WHEN (SELECT count(*) FROM held) = 1 AND ${changed} = ?
        THEN (SELECT steps_version FROM gate)
      ELSE CAST(? || (SELECT count(*) FROM held) AS integer)
    END AS version`;
  const bindings = [
    ...parts.flatMap(part => part.bindings),
    changes.length,
    `${STALE_PLAN}: `,
  ] as Knex.RawBinding[];
  try {
    const result = await runPrepared<{ version: number | null }>(
      db,
      statement,
      bindings,
    );
    const version = result.rows[0]?.version;
    return version === null || version === undefined
      ? undefined
      : Number(version);
  } catch (error) {
    if (String((error as Error)?.message).includes(STALE_PLAN)) {
      return undefined;
    }
    throw error;
  }
}

/** PostgreSQL's `invalid_sql_statement_name`: no statement of that name. */
const INVALID_STATEMENT_NAME = '26000';

/** Databases whose server lost a statement prepared on a connection. */
const preparingRefused = new WeakSet<Knex>();

/**
 * Runs the statement prepared under a name of its own on each connection:
 * one per shape of plan (how many steps change, start and log), so that
 * the end of a step of a workflow seen before is neither parsed nor
 * planned again (most of a millisecond of the statement's time here).
 * Behind a pool that moves statements between server connections (such
 * as PgBouncer in transaction mode without prepared statement support)
 * the server does not know the name: the statement, which then did
 * nothing, runs again unnamed, as does every later one on this database.
 */
async function runPrepared<Row>(
  db: Knex,
  statement: string,
  bindings: Knex.RawBinding[],
): Promise<{ rows: Row[] }> {
  if (!preparingRefused.has(db)) {
    const name = `self-service-step-plan-${createHash('sha1')
      .update(statement)
      .digest('base64url')}`;
    try {
      return await db
        .raw<{ rows: Row[] }>(statement, bindings)
        .options({ name });
    } catch (error) {
      if ((error as { code?: string })?.code !== INVALID_STATEMENT_NAME) {
        throw error;
      }
      preparingRefused.add(db);
    }
  }
  return db.raw<{ rows: Row[] }>(statement, bindings);
}

/** `UPDATE ... WHERE ... AND EXISTS (gate)`: only if the gate passed. */
function updateIfGated(
  table: string,
  set: Record<string, unknown>,
  where: string,
  whereBindings: unknown[],
): { sql: string; bindings: unknown[] } {
  const columns = Object.keys(set);
  return {
    sql: `UPDATE ${table} SET ${columns
      .map(column => `"${column}" = ?`)
      .join(', ')}
      WHERE ${where} AND EXISTS (SELECT 1 FROM gate) RETURNING 1`,
    bindings: [...columns.map(column => set[column]), ...whereBindings],
  };
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

import {
  TERMINAL_RUN_STATUSES,
  type RunEvent,
  type RunEventType,
} from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import { onRunSucceededInTx } from './runSuccessWrites';
import type { NewRunEvent, RunTransition } from './SelfServiceStore';

/**
 * The writes to a run that every store does inside its own transactions: a
 * conditional status change with its events, and appending events. Shared
 * so that a delivery's record and the run's transition are one transaction.
 */

export type RunEventRow = {
  id: number | string;
  run_id: string;
  sequence: number;
  type: string;
  actor: string | null;
  step_id?: string | null;
  data: string;
  created_at: Date | string | number;
};

// PostgreSQL returns Date objects, SQLite returns epoch milliseconds.
export function toIsoString(value: Date | string | number): string {
  return new Date(value).toISOString();
}

export function toRunEvent(row: RunEventRow): RunEvent {
  return {
    id: String(row.id),
    runId: row.run_id,
    sequence: Number(row.sequence),
    type: row.type as RunEventType,
    ...(row.actor ? { actor: row.actor } : {}),
    ...(row.step_id ? { stepId: row.step_id } : {}),
    createdAt: toIsoString(row.created_at),
    data: JSON.parse(row.data),
  };
}

/**
 * Moves a run to its new status and appends the transition's events, if
 * the run is in one of the `from` statuses (and, with `deadlineBefore`,
 * its deadline passed before then); false if it is not. A run that leaves
 * a terminal status (a resend) has its finish time cleared.
 */
export async function transitionInTx(
  tx: Knex.Transaction,
  transition: Omit<RunTransition, 'delivery'>,
  now: Date,
): Promise<boolean> {
  const { runId, from, to, events, deadlineAt, deadlineBefore } = transition;
  const update = tx('runs')
    .where('id', runId)
    .whereIn('status', [...from]);
  if (deadlineBefore !== undefined) {
    update.where('deadline_at', '<', deadlineBefore);
  }
  const count = await bumpEventCount(tx, runId, update, events.length, {
    status: to,
    updated_at: now,
    finished_at: TERMINAL_RUN_STATUSES.includes(to) ? now : null,
    ...(deadlineAt !== undefined ? { deadline_at: deadlineAt } : {}),
    ...(transition.tokenHash ? { token_hash: transition.tokenHash } : {}),
  });
  if (count === undefined) {
    return false;
  }
  await insertEvents(tx, runId, events, now, count);
  if (to === 'success') {
    await onRunSucceededInTx(tx, runId, now);
  }
  return true;
}

/** Appends events to a run whatever its status; false if there is no run. */
export async function appendInTx(
  tx: Knex.Transaction,
  runId: string,
  events: NewRunEvent[],
  now: Date,
): Promise<RunEvent[] | undefined> {
  const count = await bumpEventCount(
    tx,
    runId,
    tx('runs').where('id', runId),
    events.length,
    { updated_at: now },
  );
  if (count === undefined) {
    return undefined;
  }
  return insertEvents(tx, runId, events, now, count);
}

/**
 * Applies `update` to run `runId` if `query` (of that run's row) selects
 * it, adding `added` to its event counter, and gives the counter
 * afterwards; undefined when the run was not updated. Where the database
 * can, the counter comes back with the update (`RETURNING`), saving a
 * round trip on every step, callback and attempt.
 */
export async function bumpEventCount(
  tx: Knex.Transaction,
  runId: string,
  query: Knex.QueryBuilder,
  added: number,
  update: Record<string, unknown>,
): Promise<number | undefined> {
  const values = {
    ...update,
    event_count: tx.raw('event_count + ?', [added]),
  };
  if (hasReturning(tx)) {
    const rows: Array<{ event_count: number }> = await query
      .update(values)
      .returning('event_count');
    return rows.length === 1 ? Number(rows[0].event_count) : undefined;
  }
  const changed = await query.update(values);
  if (changed !== 1) {
    return undefined;
  }
  const { event_count: count } = await tx('runs')
    .where('id', runId)
    .first<{ event_count: number }>('event_count');
  return Number(count);
}

/**
 * Whether writes can give back what they wrote (`RETURNING`): PostgreSQL,
 * and SQLite since 3.35 (both its Knex clients).
 */
function hasReturning(tx: Knex.Transaction): boolean {
  const client = tx.client.config.client;
  return client === 'pg' || client === 'better-sqlite3' || client === 'sqlite3';
}

/**
 * Inserts events after the run's counter was bumped by their number, to
 * `count`.
 */
export async function insertEvents(
  tx: Knex.Transaction,
  runId: string,
  events: NewRunEvent[],
  now: Date,
  count: number,
): Promise<RunEvent[]> {
  if (events.length === 0) {
    return [];
  }
  const first = count - events.length + 1;
  const rows = events.map((event, i) => ({
    run_id: runId,
    sequence: first + i,
    type: event.type,
    actor: event.actor ?? null,
    step_id: event.stepId ?? null,
    data: JSON.stringify(event.data),
    created_at: now,
  }));
  if (hasReturning(tx)) {
    const returned: RunEventRow[] = await tx('run_events')
      .insert(rows)
      .returning('*');
    return returned.map(toRunEvent).sort((a, b) => a.sequence - b.sequence);
  }
  await tx('run_events').insert(rows);
  const inserted = await tx<RunEventRow>('run_events')
    .where('run_id', runId)
    .where('sequence', '>=', first)
    .orderBy('sequence', 'asc');
  return inserted.map(toRunEvent);
}

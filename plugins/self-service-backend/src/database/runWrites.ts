import {
  TERMINAL_RUN_STATUSES,
  type RunEvent,
  type RunEventType,
} from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
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
  const changed = await update.update({
    status: to,
    updated_at: now,
    event_count: tx.raw('event_count + ?', [events.length]),
    finished_at: TERMINAL_RUN_STATUSES.includes(to) ? now : null,
    ...(deadlineAt !== undefined ? { deadline_at: deadlineAt } : {}),
    ...(transition.tokenHash ? { token_hash: transition.tokenHash } : {}),
  });
  if (changed !== 1) {
    return false;
  }
  await insertEvents(tx, runId, events, now);
  return true;
}

/** Appends events to a run whatever its status; false if there is no run. */
export async function appendInTx(
  tx: Knex.Transaction,
  runId: string,
  events: NewRunEvent[],
  now: Date,
): Promise<RunEvent[] | undefined> {
  const changed = await tx('runs')
    .where('id', runId)
    .update({
      updated_at: now,
      event_count: tx.raw('event_count + ?', [events.length]),
    });
  if (changed !== 1) {
    return undefined;
  }
  return insertEvents(tx, runId, events, now);
}

/** Inserts events after the run's counter was bumped by their number. */
export async function insertEvents(
  tx: Knex.Transaction,
  runId: string,
  events: NewRunEvent[],
  now: Date,
): Promise<RunEvent[]> {
  if (events.length === 0) {
    return [];
  }
  const { event_count: count } = await tx('runs')
    .where('id', runId)
    .first<{ event_count: number }>('event_count');
  const first = Number(count) - events.length + 1;
  const rows = events.map((event, i) => ({
    run_id: runId,
    sequence: first + i,
    type: event.type,
    actor: event.actor ?? null,
    step_id: event.stepId ?? null,
    data: JSON.stringify(event.data),
    created_at: now,
  }));
  await tx('run_events').insert(rows);
  const inserted = await tx<RunEventRow>('run_events')
    .where('run_id', runId)
    .where('sequence', '>=', first)
    .orderBy('sequence', 'asc');
  return inserted.map(toRunEvent);
}

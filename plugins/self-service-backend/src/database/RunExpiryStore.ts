import type { Knex } from 'knex';
import { appendInTx, toIsoString } from './runWrites';
import type { NewRunEvent } from './SelfServiceStore';

/** A successful run that expires and was not torn down yet. */
export interface ExpiringRun {
  runId: string;
  expiresAt: string;
  ttlSeconds: number;
}

type ExpiryRow = {
  id: string;
  expires_at: Date | string | number;
  ttl_seconds: number | string;
};

/**
 * The SQL of expiry: which successful runs expire when, the notice before,
 * and extensions. The teardown itself is claimed by the transaction that
 * creates the teardown run (see `NewRun.tearsDownRunId`).
 */
export class RunExpiryStore {
  constructor(private readonly db: Knex) {}

  private standing() {
    return this.db('runs')
      .where('status', 'success')
      .whereNotNull('expires_at')
      .whereNull('teardown_run_id');
  }

  /** Runs that expire before `before` whose requester was not told yet. */
  async listUnnoticed(before: Date, limit = 100): Promise<ExpiringRun[]> {
    const rows = await this.standing()
      .whereNull('expiry_notified_at')
      .where('expires_at', '<=', before)
      .orderBy('expires_at', 'asc')
      .limit(limit)
      .select('id', 'expires_at', 'ttl_seconds');
    return rows.map(toExpiringRun);
  }

  /** Records the notice; false when it was recorded already (elsewhere). */
  async markNoticed(runId: string, now: Date): Promise<boolean> {
    const changed = await this.standing()
      .where('id', runId)
      .whereNull('expiry_notified_at')
      .update({ expiry_notified_at: now });
    return changed === 1;
  }

  /** Runs whose time is up, oldest first. */
  async listExpired(now: Date, limit = 50): Promise<ExpiringRun[]> {
    const rows = await this.standing()
      .where('expires_at', '<=', now)
      .orderBy('expires_at', 'asc')
      .limit(limit)
      .select('id', 'expires_at', 'ttl_seconds');
    return rows.map(toExpiringRun);
  }

  /**
   * Moves a run's expiry to `expiresAt` while it stands (a success not torn
   * down), with its event; a new notice is due before the new time.
   * Resolves to false when the run no longer stands.
   */
  async extend(
    runId: string,
    expiresAt: Date,
    event: NewRunEvent,
  ): Promise<boolean> {
    const now = new Date();
    return this.db.transaction(async tx => {
      const changed = await tx('runs')
        .where({ id: runId, status: 'success' })
        .whereNotNull('expires_at')
        .whereNull('teardown_run_id')
        .update({ expires_at: expiresAt, expiry_notified_at: null });
      if (changed !== 1) {
        return false;
      }
      await appendInTx(tx, runId, [event], now);
      return true;
    });
  }
}

function toExpiringRun(row: ExpiryRow): ExpiringRun {
  return {
    runId: row.id,
    expiresAt: toIsoString(row.expires_at),
    ttlSeconds: Number(row.ttl_seconds),
  };
}

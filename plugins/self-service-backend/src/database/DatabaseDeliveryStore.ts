import { ConflictError, NotFoundError } from '@backstage/errors';
import type { RunStatus } from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import {
  type Delivery,
  type DeliveryClaim,
  type DeliveryEntity,
  type DeliveryRow,
  insertClaimedDelivery,
  newDeliveryIds,
  insertRunToken,
  toDelivery,
} from './deliveryRows';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStore,
  RecordedAttempt,
} from './DeliveryStore';
import { lockRunSteps, writeStepPlanInTx } from './runStepWrites';
import { appendInTx, transitionInTx } from './runWrites';
import { recordStepAttemptInOneStatement } from './stepPlanInOneStatement';
import type { NewRunEvent } from './SelfServiceStore';

/**
 * Knex implementation of {@link DeliveryStore}, for SQLite and PostgreSQL,
 * on the database of {@link DatabaseSelfServiceStore} (which runs the
 * migrations).
 *
 * Claims read the row under a lock (PostgreSQL: `FOR UPDATE`, or `FOR
 * UPDATE SKIP LOCKED` when taking whatever is due) and update it only in
 * the state they read, so concurrent claimers on any number of replicas
 * resolve to one; SQLite runs one writing transaction at a time. Records are
 * fenced by the claim (owner and attempt number): a replica whose lease
 * expired cannot overwrite what the replica that took over decided.
 */
export class DatabaseDeliveryStore implements DeliveryStore {
  private readonly isPostgres: boolean;

  constructor(private readonly db: Knex) {
    this.isPostgres = db.client.config.client === 'pg';
  }

  async getRunDelivery(runId: string): Promise<Delivery | undefined> {
    const row = await this.db<DeliveryRow>('deliveries')
      .where('run_id', runId)
      .orderBy('created_at', 'desc')
      .first();
    return row ? toDelivery(row) : undefined;
  }

  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    const row = await this.db<DeliveryRow>('deliveries')
      .where('id', deliveryId)
      .first();
    return row ? toDelivery(row) : undefined;
  }

  async claim(
    deliveryId: string,
    claim: DeliveryClaim,
    now = new Date(),
  ): Promise<ClaimedDelivery | undefined> {
    return this.db.transaction(async tx => {
      const query = this.due(tx, now).where('id', deliveryId);
      if (this.isPostgres) {
        query.forUpdate();
      }
      const row = await query.first();
      return row ? this.claimInTx(tx, row, claim, now) : undefined;
    });
  }

  async claimNextDue(
    claim: DeliveryClaim,
    now = new Date(),
  ): Promise<ClaimedDelivery | undefined> {
    return this.db.transaction(async tx => {
      const query = this.due(tx, now).orderBy('next_attempt_at', 'asc');
      if (this.isPostgres) {
        query.forUpdate().skipLocked();
      }
      const row = await query.first();
      return row ? this.claimInTx(tx, row, claim, now) : undefined;
    });
  }

  async renewLease(options: {
    deliveryId: string;
    owner: string;
    attempt: number;
    leaseMs: number;
  }): Promise<boolean> {
    const now = new Date();
    const changed = await this.db('deliveries')
      .where({
        id: options.deliveryId,
        status: 'sending',
        lease_owner: options.owner,
        attempts: options.attempt,
      })
      .update({
        lease_expires_at: new Date(now.getTime() + options.leaseMs),
        updated_at: now,
      });
    return changed === 1;
  }

  async abandon(options: {
    deliveryId: string;
    owner: string;
    attempt: number;
  }): Promise<boolean> {
    const changed = await this.db('deliveries')
      .where({
        id: options.deliveryId,
        status: 'sending',
        lease_owner: options.owner,
        attempts: options.attempt,
      })
      .update({
        status: 'failed',
        attempts: options.attempt - 1,
        next_attempt_at: null,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: new Date(),
      });
    return changed === 1;
  }

  async recordAttempt(record: AttemptRecord): Promise<RecordedAttempt> {
    const now = new Date();
    const recorded = {
      ...(record.attemptsMade !== undefined
        ? { attempts: record.attemptsMade }
        : {}),
      status: record.next.status,
      next_attempt_at:
        record.next.status === 'scheduled' ? record.next.nextAttemptAt : null,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
    };
    const { steps } = record;
    if (this.isPostgres && steps && !record.run) {
      const inOneStatement = await recordStepAttemptInOneStatement(
        this.db,
        { ...record, steps },
        recorded,
        now,
      );
      if (inOneStatement) {
        return inOneStatement;
      }
    }
    return this.db.transaction(async tx => {
      const held = await tx('deliveries')
        .where({
          id: record.deliveryId,
          status: 'sending',
          lease_owner: record.owner,
          attempts: record.attempt,
        })
        .update(recorded);
      if (held === 1 && record.run) {
        const changed = await transitionInTx(
          tx,
          {
            runId: record.runId,
            from: ['in_progress'],
            to: record.run.to,
            deadlineAt: record.run.deadlineAt,
            events: [record.event, ...record.run.events],
          },
          now,
        );
        if (changed) {
          return { held: true, runChanged: true };
        }
      }
      if (held === 1 && record.steps) {
        // The attempt first, then what its end starts, on the timeline:
        // written with the plan's own events, in one append.
        const state = await lockRunSteps(tx, record.runId);
        const plan = record.steps(state, now);
        if (!plan) {
          await appendInTx(tx, record.runId, [record.event], now);
          return { held: true, runChanged: false, steps: state };
        }
        const written = await writeStepPlanInTx(
          tx,
          record.runId,
          state,
          { ...plan, events: [record.event, ...(plan.events ?? [])] },
          now,
        );
        return {
          held: true,
          runChanged: plan.run !== undefined,
          steps: { ...written, plan },
        };
      }
      // Taken over, not ending the run, or the run ended meanwhile (a
      // callback came first, or it was canceled): what this attempt got is
      // still on the timeline, after whatever happened.
      if (!(await appendInTx(tx, record.runId, [record.event], now))) {
        throw new NotFoundError(`No run with id '${record.runId}'`);
      }
      return { held: held === 1, runChanged: false };
    });
  }

  async reopenForResend(options: {
    runId: string;
    from: ReadonlyArray<RunStatus>;
    claim: DeliveryClaim;
    entity?: DeliveryEntity;
    events: NewRunEvent[];
  }): Promise<ClaimedDelivery> {
    const { runId, claim } = options;
    const now = new Date();
    const id = await this.db.transaction(async tx => {
      const latest = tx<DeliveryRow>('deliveries')
        .where('run_id', runId)
        .orderBy('created_at', 'desc');
      if (this.isPostgres) {
        latest.forUpdate();
      }
      const existing = await latest.first();
      if (
        existing &&
        (existing.status === 'sending' || existing.status === 'scheduled')
      ) {
        throw new ConflictError(
          `Run ${runId} is still being delivered (attempt ${existing.attempts} of ${existing.max_attempts})`,
        );
      }
      const reopened = await transitionInTx(
        tx,
        {
          runId,
          from: options.from,
          to: 'in_progress',
          deadlineAt: null,
          events: options.events,
        },
        now,
      );
      if (!reopened) {
        const run = await tx('runs')
          .where('id', runId)
          .first<{ status: RunStatus } | undefined>('status');
        if (!run) {
          throw new NotFoundError(`No run with id '${runId}'`);
        }
        throw new ConflictError(
          `Run ${runId} is ${run.status}; only ${options.from.join(
            ' or ',
          )} runs can be resent`,
        );
      }
      if (!existing) {
        const ids = newDeliveryIds();
        await insertClaimedDelivery(
          tx,
          runId,
          { ...ids, maxAttempts: 1, entity: options.entity, claim },
          now,
        );
        return ids.id;
      }
      // One more attempt, whatever the policy allowed before: a resend is
      // a person's decision to try once again.
      await tx('deliveries')
        .where('id', existing.id)
        .update({
          status: 'sending',
          attempts: tx.raw('attempts + 1'),
          max_attempts: tx.raw('attempts + 1'),
          next_attempt_at: now,
          lease_owner: claim.owner,
          lease_expires_at: new Date(now.getTime() + claim.leaseMs),
          updated_at: now,
        });
      await insertRunToken(tx, runId, claim.tokenHash, now, existing.step_id);
      return existing.id;
    });
    const row = await this.db<DeliveryRow>('deliveries')
      .where('id', id)
      .first();
    return {
      ...toDelivery(row!),
      attempt: Number(row!.attempts),
      interrupted: false,
    };
  }

  /** Deliveries due for an attempt at `now`. */
  private due(tx: Knex.Transaction, now: Date) {
    return tx<DeliveryRow>('deliveries').where(function dueNow() {
      this.where(function scheduled() {
        this.where('status', 'scheduled').where('next_attempt_at', '<=', now);
      }).orWhere(function leaseExpired() {
        this.where('status', 'sending').where('lease_expires_at', '<', now);
      });
    });
  }

  private async claimInTx(
    tx: Knex.Transaction,
    row: DeliveryRow,
    claim: DeliveryClaim,
    now: Date,
  ): Promise<ClaimedDelivery | undefined> {
    // Only in the state it was read in: on SQLite nothing else writes
    // meanwhile, on PostgreSQL the row is locked; the condition is the
    // guarantee either way.
    const changed = await tx('deliveries')
      .where({ id: row.id, status: row.status, attempts: row.attempts })
      .update({
        status: 'sending',
        attempts: Number(row.attempts) + 1,
        lease_owner: claim.owner,
        lease_expires_at: new Date(now.getTime() + claim.leaseMs),
        updated_at: now,
      });
    if (changed !== 1) {
      return undefined;
    }
    await insertRunToken(tx, row.run_id, claim.tokenHash, now, row.step_id);
    const attempt = Number(row.attempts) + 1;
    return {
      ...toDelivery({
        ...row,
        status: 'sending',
        attempts: attempt,
        lease_owner: claim.owner,
        lease_expires_at: new Date(now.getTime() + claim.leaseMs),
      }),
      attempt,
      interrupted: row.status === 'sending',
    };
  }
}

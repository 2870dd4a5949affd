import type { Knex } from 'knex';
import { randomBytes, randomUUID } from 'node:crypto';
import { toIsoString } from './runWrites';

/** What a run's request is rendered with besides the run and its workflow. */
export interface DeliveryEntity {
  identifier: string;
  name: string;
  ref: string;
  kind: string;
  namespace: string;
}

export type DeliveryStatus = 'scheduled' | 'sending' | 'delivered' | 'failed';

/** A run's outgoing request as a unit of work. */
export interface Delivery {
  id: string;
  runId: string;
  /** Standard Webhooks `webhook-id`: the same on every attempt. */
  webhookId: string;
  status: DeliveryStatus;
  /** Attempts started, the one in flight included. */
  attempts: number;
  maxAttempts: number;
  nextAttemptAt?: string;
  leaseOwner?: string;
  leaseExpiresAt?: string;
  /** The entity variables, fixed when the run became due. */
  entity?: DeliveryEntity;
  /** The step of a multi-step run whose request this is. */
  stepId?: string;
}

/**
 * A delivery to write with the transition that makes its run due, claimed
 * at once by the replica that writes it: its first attempt starts now.
 */
export interface NewDelivery {
  id: string;
  webhookId: string;
  maxAttempts: number;
  entity?: DeliveryEntity;
  claim: DeliveryClaim;
}

/** Who takes an attempt, for how long, and the token it will carry. */
export interface DeliveryClaim {
  owner: string;
  leaseMs: number;
  /** SHA-256 of the callback token this attempt carries. */
  tokenHash: string;
}

export type DeliveryRow = {
  id: string;
  run_id: string;
  webhook_id: string;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date | string | number | null;
  lease_owner: string | null;
  lease_expires_at: Date | string | number | null;
  entity: string | null;
  step_id?: string | null;
};

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    runId: row.run_id,
    webhookId: row.webhook_id,
    status: row.status,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    ...(row.next_attempt_at
      ? { nextAttemptAt: toIsoString(row.next_attempt_at) }
      : {}),
    ...(row.lease_owner ? { leaseOwner: row.lease_owner } : {}),
    ...(row.lease_expires_at
      ? { leaseExpiresAt: toIsoString(row.lease_expires_at) }
      : {}),
    ...(row.entity ? { entity: JSON.parse(row.entity) } : {}),
    ...(row.step_id ? { stepId: row.step_id } : {}),
  };
}

/** A Standard Webhooks message id: `msg_` and 128 random bits. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The ids of a delivery about to be written. */
export function newDeliveryIds(): { id: string; webhookId: string } {
  return { id: randomUUID(), webhookId: newWebhookId() };
}

/**
 * Writes a delivery already claimed for its first attempt, with the hash of
 * the token that attempt carries; on PostgreSQL in one statement, as it is
 * on the path of every trigger.
 */
export async function insertClaimedDelivery(
  tx: Knex.Transaction,
  runId: string,
  delivery: NewDelivery,
  now: Date,
  stepId?: string,
): Promise<void> {
  const row = claimedDeliveryRow(runId, delivery, now, stepId);
  if (tx.client.config.client === 'pg') {
    const insertDelivery = tx('deliveries').insert(row).toSQL();
    await tx.raw(
      `WITH delivery AS (${insertDelivery.sql})
       INSERT INTO run_tokens (token_hash, run_id, step_id, created_at) VALUES (?, ?, ?, ?)`,
      [
        ...insertDelivery.bindings,
        delivery.claim.tokenHash,
        runId,
        stepId ?? null,
        now,
      ],
    );
    return;
  }
  await tx('deliveries').insert(row);
  await insertRunToken(tx, runId, delivery.claim.tokenHash, now, stepId);
}

/** The row of a delivery claimed for its first attempt, starting `now`. */
export function claimedDeliveryRow(
  runId: string,
  delivery: NewDelivery,
  now: Date,
  stepId?: string,
) {
  return {
    id: delivery.id,
    run_id: runId,
    ...(stepId !== undefined ? { step_id: stepId } : {}),
    webhook_id: delivery.webhookId,
    status: 'sending',
    attempts: 1,
    max_attempts: delivery.maxAttempts,
    next_attempt_at: now,
    lease_owner: delivery.claim.owner,
    lease_expires_at: new Date(now.getTime() + delivery.claim.leaseMs),
    entity: delivery.entity ? JSON.stringify(delivery.entity) : null,
    created_at: now,
    updated_at: now,
  };
}

export async function insertRunToken(
  tx: Knex.Transaction,
  runId: string,
  tokenHash: string,
  now: Date,
  /** The step whose request carries the token; it reports on that step only. */
  stepId?: string | null,
): Promise<void> {
  await tx('run_tokens').insert({
    token_hash: tokenHash,
    run_id: runId,
    step_id: stepId ?? null,
    created_at: now,
  });
}

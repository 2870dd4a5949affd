import type { RunEntityAction } from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';

/**
 * What a run's success changes besides its status, in the transaction
 * that records it: a run of a workflow with a lifecycle starts to expire,
 * and a teardown run's success removes the entities the run it tore down
 * created (the catalog module then drops them from the catalog).
 */
export async function onRunSucceededInTx(
  tx: Knex.Transaction,
  runId: string,
  now: Date,
): Promise<void> {
  const row = await tx('runs')
    .where('id', runId)
    .first<
      | { ttl_seconds: number | null; tears_down_run_id: string | null }
      | undefined
    >('ttl_seconds', 'tears_down_run_id');
  if (!row) {
    return;
  }
  if (row.ttl_seconds) {
    await tx('runs')
      .where('id', runId)
      .update({
        expires_at: new Date(now.getTime() + Number(row.ttl_seconds) * 1000),
      });
  }
  if (row.tears_down_run_id) {
    await removeEntitiesCreatedByInTx(tx, row.tears_down_run_id, runId, now);
  }
}

/**
 * Marks removed every entity `createdByRunId` created that still stands,
 * as removed by `runId`.
 */
export async function removeEntitiesCreatedByInTx(
  tx: Knex.Transaction,
  createdByRunId: string,
  runId: string,
  now: Date,
): Promise<string[]> {
  const refs: string[] = (
    await tx('run_entities')
      .where('created_by_run_id', createdByRunId)
      .whereNull('removed_at')
      .select('entity_ref')
  ).map((row: { entity_ref: string }) => row.entity_ref);
  if (refs.length === 0) {
    return refs;
  }
  await tx('run_entities')
    .whereIn('entity_ref', refs)
    .update({ run_id: runId, updated_at: now, removed_at: now });
  for (const ref of refs) {
    await recordEntityActionInTx(tx, runId, ref, 'removed', now);
  }
  return refs;
}

/** Records what a run did to an entity; the latest time of each kind. */
export async function recordEntityActionInTx(
  tx: Knex.Transaction,
  runId: string,
  entityRef: string,
  action: RunEntityAction,
  at: Date,
): Promise<void> {
  await tx('run_entity_actions')
    .insert({ run_id: runId, entity_ref: entityRef, action, at })
    .onConflict(['run_id', 'entity_ref', 'action'])
    .merge(['at']);
}

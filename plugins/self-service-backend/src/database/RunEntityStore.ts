import type { Entity } from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import type {
  RunEntityAction,
  RunEntityActionRecord,
} from '@backstage-self-service/plugin-self-service-common';
import type { Knex } from 'knex';
import { recordEntityActionInTx } from './runSuccessWrites';
import { toIsoString } from './runWrites';

/** An entity a run created, as stored and published to the catalog. */
export interface StoredRunEntity {
  entityRef: string;
  entity: Entity;
  createdByRunId: string;
  /** The workflow of the run that created it: only its runs change it. */
  workflowIdentifier: string;
  /** The run that wrote it last. */
  runId: string;
  createdAt: string;
  updatedAt: string;
  removedAt?: string;
}

/** What the catalog module reads: everything, or what changed since. */
export interface RunEntityFeed {
  entities: Entity[];
  /** Refs of entities removed since the cursor. */
  removed: string[];
  /** Pass back as `after` to read what changes next. */
  cursor: string;
  /** True when `entities` is every entity that stands. */
  full: boolean;
}

type RunEntityRow = {
  entity_ref: string;
  created_by_run_id: string;
  run_id: string;
  workflow_identifier: string;
  entity: string;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  removed_at: Date | string | number | null;
};

type RunEntityActionRow = {
  run_id: string;
  entity_ref: string;
  action: RunEntityAction;
  at: Date | string | number;
};

/**
 * How far back from its cursor a feed read looks again: a write is stamped
 * when its transaction runs and seen when it commits, so one stamped just
 * before a read may commit after it. Entities read twice are harmless.
 */
const FEED_OVERLAP_MS = 60_000;
const CURSOR_PREFIX = 'ssrc1:';

/**
 * The catalog entities runs create, change and remove, and what each run
 * did to which. Owns the `run_entities` and `run_entity_actions` tables.
 */
export class RunEntityStore {
  constructor(private readonly db: Knex) {}

  async getEntity(entityRef: string): Promise<StoredRunEntity | undefined> {
    const row = await this.db<RunEntityRow>('run_entities')
      .where('entity_ref', entityRef)
      .first();
    return row && toStoredRunEntity(row);
  }

  /**
   * Writes an entity a run posts: created when none stands under its ref
   * (again, after a removal), updated when one of the same workflow's runs
   * created it.
   * @throws ConflictError when a run of another workflow created it, or
   * another run creates it at the same moment.
   */
  async putEntity(input: {
    runId: string;
    workflowIdentifier: string;
    entityRef: string;
    entity: Entity;
  }): Promise<{ action: 'created' | 'updated'; entity: StoredRunEntity }> {
    const { runId, workflowIdentifier, entityRef } = input;
    const now = new Date();
    const entityJson = JSON.stringify(input.entity);
    return this.db.transaction(async tx => {
      const existing = await this.lockedRow(tx, entityRef);
      let action: 'created' | 'updated';
      if (!existing) {
        const inserted = await tx('run_entities')
          .insert({
            entity_ref: entityRef,
            created_by_run_id: runId,
            run_id: runId,
            workflow_identifier: workflowIdentifier,
            entity: entityJson,
            created_at: now,
            updated_at: now,
            removed_at: null,
          })
          .onConflict('entity_ref')
          .ignore()
          .returning('entity_ref');
        if (inserted.length === 0) {
          throw new ConflictError(
            `Entity ${entityRef} is being created by another run at the same time; try again`,
          );
        }
        action = 'created';
      } else {
        if (
          existing.removed_at === null &&
          existing.workflow_identifier !== workflowIdentifier
        ) {
          throw new ConflictError(
            `Entity ${entityRef} was created by a run of workflow '${existing.workflow_identifier}'; only its runs may change it`,
          );
        }
        const recreated = existing.removed_at !== null;
        await tx('run_entities')
          .where('entity_ref', entityRef)
          .update({
            run_id: runId,
            entity: entityJson,
            updated_at: now,
            removed_at: null,
            ...(recreated
              ? {
                  created_by_run_id: runId,
                  workflow_identifier: workflowIdentifier,
                  created_at: now,
                }
              : {}),
          });
        action = recreated ? 'created' : 'updated';
      }
      await recordEntityActionInTx(tx, runId, entityRef, action, now);
      const row = await tx<RunEntityRow>('run_entities')
        .where('entity_ref', entityRef)
        .first();
      return { action, entity: toStoredRunEntity(row!) };
    });
  }

  /**
   * Removes an entity a run of the same workflow created; undefined when
   * none stands under the ref.
   * @throws ConflictError when a run of another workflow created it.
   */
  async removeEntity(input: {
    runId: string;
    workflowIdentifier: string;
    entityRef: string;
  }): Promise<StoredRunEntity | undefined> {
    const { runId, workflowIdentifier, entityRef } = input;
    const now = new Date();
    return this.db.transaction(async tx => {
      const existing = await this.lockedRow(tx, entityRef);
      if (!existing || existing.removed_at !== null) {
        return undefined;
      }
      if (existing.workflow_identifier !== workflowIdentifier) {
        throw new ConflictError(
          `Entity ${entityRef} was created by a run of workflow '${existing.workflow_identifier}'; only its runs may remove it`,
        );
      }
      await tx('run_entities')
        .where('entity_ref', entityRef)
        .update({ run_id: runId, updated_at: now, removed_at: now });
      await recordEntityActionInTx(tx, runId, entityRef, 'removed', now);
      return toStoredRunEntity({
        ...existing,
        run_id: runId,
        updated_at: now,
        removed_at: now,
      });
    });
  }

  /** What a run did to which entities, in the order it did it. */
  async listRunActions(runId: string): Promise<RunEntityActionRecord[]> {
    const rows = await this.db<RunEntityActionRow>('run_entity_actions')
      .where('run_id', runId)
      .orderBy([
        { column: 'at', order: 'asc' },
        { column: 'entity_ref', order: 'asc' },
      ]);
    return rows.map(toActionRecord);
  }

  /** The runs that created, changed or removed an entity, latest first. */
  async listEntityActions(
    entityRef: string,
    limit = 100,
  ): Promise<RunEntityActionRecord[]> {
    const rows = await this.db<RunEntityActionRow>('run_entity_actions')
      .where('entity_ref', entityRef)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'run_id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(toActionRecord);
  }

  /**
   * Every entity that stands (no cursor, or one this store did not write),
   * or what changed since `after`, looking back a minute more.
   */
  async readFeed(after?: string): Promise<RunEntityFeed> {
    const readAt = Date.now();
    const cursor = `${CURSOR_PREFIX}${readAt}`;
    const since = parseCursor(after);
    if (since === undefined) {
      const rows = await this.db<RunEntityRow>('run_entities')
        .whereNull('removed_at')
        .orderBy('entity_ref', 'asc');
      return {
        entities: rows.map(row => JSON.parse(row.entity)),
        removed: [],
        cursor,
        full: true,
      };
    }
    const rows = await this.db<RunEntityRow>('run_entities')
      .where('updated_at', '>', new Date(since - FEED_OVERLAP_MS))
      .orderBy('updated_at', 'asc');
    return {
      entities: rows
        .filter(row => row.removed_at === null)
        .map(row => JSON.parse(row.entity)),
      removed: rows
        .filter(row => row.removed_at !== null)
        .map(row => row.entity_ref),
      cursor,
      full: false,
    };
  }

  private async lockedRow(
    tx: Knex.Transaction,
    entityRef: string,
  ): Promise<RunEntityRow | undefined> {
    const query = tx<RunEntityRow>('run_entities').where(
      'entity_ref',
      entityRef,
    );
    if (tx.client.config.client === 'pg') {
      query.forUpdate();
    }
    return query.first();
  }
}

function parseCursor(after: string | undefined): number | undefined {
  if (!after?.startsWith(CURSOR_PREFIX)) {
    return undefined;
  }
  const at = Number(after.slice(CURSOR_PREFIX.length));
  return Number.isSafeInteger(at) && at > 0 ? at : undefined;
}

function toStoredRunEntity(row: RunEntityRow): StoredRunEntity {
  return {
    entityRef: row.entity_ref,
    entity: JSON.parse(row.entity),
    createdByRunId: row.created_by_run_id,
    workflowIdentifier: row.workflow_identifier,
    runId: row.run_id,
    createdAt: toIsoString(row.created_at),
    updatedAt: toIsoString(row.updated_at),
    ...(row.removed_at !== null
      ? { removedAt: toIsoString(row.removed_at) }
      : {}),
  };
}

function toActionRecord(row: RunEntityActionRow): RunEntityActionRecord {
  return {
    runId: row.run_id,
    entityRef: row.entity_ref,
    action: row.action,
    at: toIsoString(row.at),
  };
}

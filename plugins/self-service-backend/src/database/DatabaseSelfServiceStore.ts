import {
  resolvePackagePath,
  type DatabaseService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Page,
  Run,
  RunStatus,
  Workflow,
  WorkflowDefinition,
} from '@internal/plugin-self-service-common';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { decodeRunCursor, encodeRunCursor } from './runCursor';
import type {
  NewRun,
  RunFilter,
  RunViewer,
  SelfServiceStore,
  WorkflowRevision,
} from './SelfServiceStore';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-self-service-backend',
  'migrations',
);

type WorkflowRow = {
  id: string;
  identifier: string | null;
  name: string;
  scope_type: string;
  latest_revision: number;
  created_by: string;
  created_at: Date | string | number;
  updated_by: string;
  updated_at: Date | string | number;
  deleted_at: Date | string | number | null;
};

type RevisionRow = {
  id: string;
  workflow_id: string;
  revision: number;
  definition: string;
  created_by: string;
  created_at: Date | string | number;
};

type RunRow = {
  id: string;
  workflow_id: string;
  workflow_identifier: string;
  revision_id: string;
  entity_ref: string | null;
  requested_by: string;
  status: string;
  inputs: string;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  finished_at: Date | string | number | null;
  /** Joined from workflow_revisions. */
  revision: number;
  definition: string;
};

// PostgreSQL returns Date objects, SQLite returns epoch milliseconds.
function toIsoString(value: Date | string | number): string {
  return new Date(value).toISOString();
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL unique_violation
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

/** Knex implementation of {@link SelfServiceStore}, for SQLite and PostgreSQL. */
export class DatabaseSelfServiceStore implements SelfServiceStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseSelfServiceStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseSelfServiceStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async listWorkflows(): Promise<Workflow[]> {
    const rows = await this.latestRevisions()
      .whereNull('w.deleted_at')
      .orderBy([
        { column: 'w.name', order: 'asc' },
        { column: 'w.id', order: 'asc' },
      ])
      .select<Array<WorkflowRow & { definition: string }>>(
        'w.*',
        'r.definition',
      );
    return rows.map(row => this.toWorkflow(row, row.definition));
  }

  async getWorkflow(identifier: string): Promise<Workflow | undefined> {
    const row = await this.latestRevisions()
      .where('w.identifier', identifier)
      .whereNull('w.deleted_at')
      .first<(WorkflowRow & { definition: string }) | undefined>(
        'w.*',
        'r.definition',
      );
    return row ? this.toWorkflow(row, row.definition) : undefined;
  }

  async getWorkflowRevision(
    workflowId: string,
    revision: number,
  ): Promise<WorkflowRevision | undefined> {
    const row = await this.db<RevisionRow>('workflow_revisions')
      .where({ workflow_id: workflowId, revision })
      .first();
    if (!row) {
      return undefined;
    }
    return {
      id: row.id,
      workflowId: row.workflow_id,
      revision: row.revision,
      definition: JSON.parse(row.definition),
      createdAt: toIsoString(row.created_at),
      createdBy: row.created_by,
    };
  }

  async createWorkflow(options: {
    definition: WorkflowDefinition;
    actor: string;
  }): Promise<Workflow> {
    const { definition, actor } = options;
    const now = new Date();
    const id = randomUUID();
    try {
      await this.db.transaction(async tx => {
        await tx('workflows').insert({
          id,
          identifier: definition.identifier,
          name: definition.name,
          scope_type: definition.scope.type,
          latest_revision: 1,
          created_by: actor,
          created_at: now,
          updated_by: actor,
          updated_at: now,
          deleted_at: null,
        });
        await tx('workflow_revisions').insert({
          id: randomUUID(),
          workflow_id: id,
          revision: 1,
          definition: JSON.stringify(definition),
          created_by: actor,
          created_at: now,
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `A workflow with identifier '${definition.identifier}' already exists`,
        );
      }
      throw error;
    }
    const created = await this.getWorkflow(definition.identifier);
    if (!created) {
      throw new Error(`Workflow '${definition.identifier}' vanished on create`);
    }
    return created;
  }

  async updateWorkflow(options: {
    identifier: string;
    definition: WorkflowDefinition;
    actor: string;
    expectedRevision?: number;
  }): Promise<Workflow> {
    const { identifier, definition, actor, expectedRevision } = options;
    if (definition.identifier !== identifier) {
      throw new InputError(
        `identifier: a workflow's identifier cannot change (was '${identifier}', got '${definition.identifier}')`,
      );
    }
    const now = new Date();
    try {
      await this.db.transaction(async tx => {
        const current = await tx<WorkflowRow>('workflows')
          .where({ identifier })
          .whereNull('deleted_at')
          .first();
        if (!current) {
          throw new NotFoundError(
            `No workflow with identifier '${identifier}'`,
          );
        }
        if (
          expectedRevision !== undefined &&
          expectedRevision !== current.latest_revision
        ) {
          throw new ConflictError(
            `Workflow '${identifier}' was edited meanwhile: it is at revision ${current.latest_revision}, not ${expectedRevision}`,
          );
        }
        const next = current.latest_revision + 1;
        await tx('workflow_revisions').insert({
          id: randomUUID(),
          workflow_id: current.id,
          revision: next,
          definition: JSON.stringify(definition),
          created_by: actor,
          created_at: now,
        });
        // Conditional on the revision we read, so two concurrent edits can
        // never both land: the loser fails here or on the unique index.
        const updated = await tx('workflows')
          .where({ id: current.id, latest_revision: current.latest_revision })
          .update({
            name: definition.name,
            scope_type: definition.scope.type,
            latest_revision: next,
            updated_by: actor,
            updated_at: now,
          });
        if (updated !== 1) {
          throw new ConflictError(
            `Workflow '${identifier}' was edited meanwhile; reload and try again`,
          );
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `Workflow '${identifier}' was edited meanwhile; reload and try again`,
        );
      }
      throw error;
    }
    const updated = await this.getWorkflow(identifier);
    if (!updated) {
      throw new NotFoundError(`No workflow with identifier '${identifier}'`);
    }
    return updated;
  }

  async deleteWorkflow(options: {
    identifier: string;
    actor: string;
  }): Promise<void> {
    const now = new Date();
    const deleted = await this.db('workflows')
      .where({ identifier: options.identifier })
      .whereNull('deleted_at')
      .update({
        identifier: null,
        deleted_at: now,
        updated_at: now,
        updated_by: options.actor,
      });
    if (deleted === 0) {
      throw new NotFoundError(
        `No workflow with identifier '${options.identifier}'`,
      );
    }
  }

  async createRun(run: NewRun): Promise<Run> {
    const now = new Date();
    const id = randomUUID();
    await this.db.transaction(async tx => {
      const revision = await tx<RevisionRow>('workflow_revisions')
        .where({ workflow_id: run.workflowId, revision: run.revision })
        .first();
      const workflow = await tx<WorkflowRow>('workflows')
        .where({ id: run.workflowId })
        .first();
      if (!revision || !workflow) {
        throw new NotFoundError(
          `Workflow ${run.workflowId} has no revision ${run.revision}`,
        );
      }
      const definition = JSON.parse(revision.definition) as WorkflowDefinition;
      await tx('runs').insert({
        id,
        workflow_id: run.workflowId,
        workflow_identifier: definition.identifier,
        revision_id: revision.id,
        entity_ref: run.entityRef ?? null,
        requested_by: run.requestedBy,
        status: run.status,
        inputs: JSON.stringify(run.inputs),
        token_hash: run.tokenHash ?? null,
        created_at: now,
        updated_at: now,
        finished_at: null,
        deadline_at: run.deadlineAt ?? null,
      });
      const approvers = [...new Set(run.approvers ?? [])];
      if (approvers.length > 0) {
        await tx('run_approvers').insert(
          approvers.map(approver_ref => ({ run_id: id, approver_ref })),
        );
      }
      await tx('run_events').insert({
        run_id: id,
        sequence: 1,
        type: 'triggered',
        actor: run.requestedBy,
        data: JSON.stringify({
          revision: run.revision,
          ...(run.entityRef ? { entityRef: run.entityRef } : {}),
        }),
        created_at: now,
      });
    });
    const created = await this.getRun(id);
    if (!created) {
      throw new Error(`Run ${id} vanished on create`);
    }
    return created;
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await this.runsWithRevision()
      .where('runs.id', id)
      .first<RunRow | undefined>();
    return row ? this.toRun(row) : undefined;
  }

  async listRuns(options: {
    filter?: RunFilter;
    viewer?: RunViewer;
    cursor?: string;
    limit: number;
  }): Promise<Page<Run>> {
    const { filter = {}, viewer, cursor, limit } = options;
    const query = this.runsWithRevision();
    if (filter.entityRef !== undefined) {
      query.where('runs.entity_ref', filter.entityRef);
    }
    if (filter.workflowIdentifier !== undefined) {
      query.where('runs.workflow_identifier', filter.workflowIdentifier);
    }
    if (filter.status !== undefined && filter.status.length > 0) {
      query.whereIn('runs.status', filter.status);
    }
    if (filter.requestedBy !== undefined) {
      query.where('runs.requested_by', filter.requestedBy);
    }
    if (viewer) {
      const db = this.db;
      query.where(function visibleToViewer() {
        this.where('runs.requested_by', viewer.userEntityRef).orWhereExists(
          db('run_approvers')
            .whereRaw('run_approvers.run_id = runs.id')
            .whereIn('run_approvers.approver_ref', viewer.ownershipEntityRefs),
        );
      });
    }
    if (cursor !== undefined) {
      const after = decodeRunCursor(cursor);
      const createdAt = new Date(after.createdAt);
      query.where(function olderThanCursor() {
        this.where('runs.created_at', '<', createdAt).orWhere(
          function sameTimeSmallerId() {
            this.where('runs.created_at', '=', createdAt).andWhere(
              'runs.id',
              '<',
              after.id,
            );
          },
        );
      });
    }
    const rows = await query
      .orderBy([
        { column: 'runs.created_at', order: 'desc' },
        { column: 'runs.id', order: 'desc' },
      ])
      .limit(limit + 1)
      .select<RunRow[]>();
    const items = rows.slice(0, limit).map(row => this.toRun(row));
    const last = items[items.length - 1];
    return rows.length > limit && last
      ? {
          items,
          nextCursor: encodeRunCursor({
            createdAt: last.createdAt,
            id: last.id,
          }),
        }
      : { items };
  }

  /** Runs joined with the revision they were triggered with. */
  private runsWithRevision() {
    return this.db('runs')
      .join('workflow_revisions', 'workflow_revisions.id', 'runs.revision_id')
      .select(
        'runs.*',
        'workflow_revisions.revision as revision',
        'workflow_revisions.definition as definition',
      );
  }

  private toRun(row: RunRow): Run {
    const definition = JSON.parse(row.definition) as WorkflowDefinition;
    return {
      id: row.id,
      workflowId: row.workflow_id,
      workflowIdentifier: row.workflow_identifier,
      workflowName: definition.name,
      workflowRevision: row.revision,
      ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
      requestedBy: row.requested_by,
      status: row.status as RunStatus,
      inputs: JSON.parse(row.inputs),
      createdAt: toIsoString(row.created_at),
      updatedAt: toIsoString(row.updated_at),
      ...(row.finished_at ? { finishedAt: toIsoString(row.finished_at) } : {}),
    };
  }

  /** Workflows joined with the definition of their newest revision. */
  private latestRevisions() {
    return this.db('workflows as w').join(
      'workflow_revisions as r',
      function joinLatest() {
        this.on('r.workflow_id', '=', 'w.id').andOn(
          'r.revision',
          '=',
          'w.latest_revision',
        );
      },
    );
  }

  private toWorkflow(row: WorkflowRow, definitionJson: string): Workflow {
    const definition = JSON.parse(definitionJson) as WorkflowDefinition;
    return {
      ...definition,
      id: row.id,
      revision: row.latest_revision,
      createdAt: toIsoString(row.created_at),
      createdBy: row.created_by,
      updatedAt: toIsoString(row.updated_at),
      updatedBy: row.updated_by,
    };
  }
}

import {
  resolvePackagePath,
  type DatabaseService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  TERMINAL_RUN_STATUSES,
  type Page,
  type Run,
  type RunEvent,
  type RunEventType,
  type RunStatus,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowManager,
  workflowSearchWords,
} from '@backstage-self-service/plugin-self-service-common';
import type { SelfServiceFilter } from '@backstage-self-service/plugin-self-service-node';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  managedWorkflowMessage,
  type WorkflowSource,
} from '../workflows/managedWorkflows';
import {
  applyRunFilter,
  applyWorkflowFilter,
  whereRunOfLiveWorkflow,
} from './filterToSql';
import { decodeRunCursor, encodeRunCursor } from './runCursor';
import { decodeWorkflowCursor, encodeWorkflowCursor } from './workflowCursor';
import { listCase, workflowListColumns } from './workflowListColumns';
import { insertClaimedDelivery } from './deliveryRows';
import { applyStepPlanInTx, writeStepPlanInTx } from './runStepWrites';
import {
  bumpEventCount,
  insertEvents,
  type RunEventRow,
  toIsoString,
  toRunEvent,
  transitionInTx,
} from './runWrites';
import type {
  AppendRunEventsOptions,
  NewRun,
  NewRunEvent,
  RunFilter,
  RunTransition,
  RunVisibility,
  SelfServiceStore,
  WorkflowListPage,
  WorkflowListQuery,
  WorkflowRevision,
} from './SelfServiceStore';

const migrationsDir = resolvePackagePath(
  '@backstage-self-service/plugin-self-service-backend',
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
  managed_by: WorkflowManager | null;
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
  expires_at?: Date | string | number | null;
  teardown_run_id?: string | null;
  tears_down_run_id?: string | null;
  /** Joined from workflow_revisions. */
  revision: number;
  definition: string;
};

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL unique_violation
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

/** Makes a LIKE pattern match `value` literally (with ESCAPE '\\'). */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, c => `\\${c}`);
}

/**
 * The order of every workflow list, and of its cursor: by name, then id, so
 * workflows of the same name keep a stable place across pages.
 */
const WORKFLOWS_BY_NAME: Array<{ column: string; order: 'asc' }> = [
  { column: 'w.name', order: 'asc' },
  { column: 'w.id', order: 'asc' },
];

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

  private readonly isPostgres: boolean;

  private constructor(private readonly db: Knex) {
    this.isPostgres = db.client.config.client === 'pg';
  }

  async listWorkflows(options?: {
    filter?: SelfServiceFilter;
  }): Promise<Workflow[]> {
    const query = this.latestRevisions().whereNull('w.deleted_at');
    if (options?.filter) {
      applyWorkflowFilter(this.db, query, options.filter);
    }
    const rows = await query
      .orderBy(WORKFLOWS_BY_NAME)
      .select<Array<WorkflowRow & { definition: string }>>(
        'w.*',
        'r.definition',
      );
    return rows.map(row => this.toWorkflow(row, row.definition));
  }

  async listWorkflowPage(query: WorkflowListQuery): Promise<WorkflowListPage> {
    const { cursor, limit } = query;
    const after =
      cursor === undefined ? undefined : decodeWorkflowCursor(cursor);
    const matching = this.db('workflows as w').whereNull('w.deleted_at');
    this.applyWorkflowListFilters(matching, query);

    const page = matching.clone();
    if (after) {
      page.where(function afterCursor() {
        this.where('w.name', '>', after.name).orWhere(
          function sameNameLargerId() {
            this.where('w.name', '=', after.name).andWhere(
              'w.id',
              '>',
              after.id,
            );
          },
        );
      });
    }
    // The page's ids first, through the name index, and only then their
    // definitions: the JSON of workflows off the page is never read.
    const pageIds = page
      .orderBy(WORKFLOWS_BY_NAME)
      .limit(limit + 1)
      .select('w.id');
    const [rows, [{ count }]] = await Promise.all([
      this.latestRevisions()
        .whereIn('w.id', pageIds)
        .orderBy(WORKFLOWS_BY_NAME)
        .select<Array<WorkflowRow & { definition: string }>>(
          'w.*',
          'r.definition',
        ),
      matching.count<Array<{ count: number | string }>>({ count: '*' }),
    ]);
    const items = rows
      .slice(0, limit)
      .map(row => this.toWorkflow(row, row.definition));
    const last = items[items.length - 1];
    return {
      items,
      ...(rows.length > limit && last
        ? { nextCursor: encodeWorkflowCursor({ name: last.name, id: last.id }) }
        : {}),
      totalCount: Number(count),
    };
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
    managedBy?: WorkflowManager;
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
          ...workflowListColumns(definition),
          latest_revision: 1,
          created_by: actor,
          created_at: now,
          updated_by: actor,
          updated_at: now,
          deleted_at: null,
          managed_by: options.managedBy ?? null,
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
          `identifier: a workflow with identifier '${definition.identifier}' already exists`,
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
    source?: WorkflowSource;
  }): Promise<Workflow> {
    const { identifier, definition, actor, expectedRevision } = options;
    const source = options.source ?? 'api';
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
        if (source === 'api' && current.managed_by) {
          throw new ConflictError(
            managedWorkflowMessage(identifier, current.managed_by),
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
            ...workflowListColumns(definition),
            latest_revision: next,
            updated_by: actor,
            updated_at: now,
            ...(source !== 'api' ? { managed_by: source } : {}),
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

  async setWorkflowManager(
    identifier: string,
    managedBy: WorkflowManager | null,
  ): Promise<void> {
    const changed = await this.db('workflows')
      .where({ identifier })
      .whereNull('deleted_at')
      .update({ managed_by: managedBy });
    if (changed === 0) {
      throw new NotFoundError(`No workflow with identifier '${identifier}'`);
    }
  }

  async deleteWorkflow(options: {
    identifier: string;
    actor: string;
  }): Promise<{ canceledRuns: Run[] }> {
    const { identifier, actor } = options;
    const now = new Date();
    const canceledIds = await this.db.transaction(async tx => {
      const current = await tx<WorkflowRow>('workflows')
        .where({ identifier })
        .whereNull('deleted_at')
        .first();
      if (!current) {
        throw new NotFoundError(`No workflow with identifier '${identifier}'`);
      }
      if (current.managed_by) {
        throw new ConflictError(
          managedWorkflowMessage(identifier, current.managed_by),
        );
      }
      // Conditional on what was read: a concurrent take-over by a manager,
      // or a concurrent delete, makes this one change nothing.
      const deleted = await tx('workflows')
        .where({ id: current.id })
        .whereNull('deleted_at')
        .whereNull('managed_by')
        .update({
          identifier: null,
          deleted_at: now,
          updated_at: now,
          updated_by: actor,
        });
      if (deleted !== 1) {
        throw new ConflictError(
          `Workflow '${identifier}' changed meanwhile; reload and try again`,
        );
      }
      // The row lock taken above orders this after any run being created
      // for the workflow (createRun locks the row for share), so no pending
      // run is missed.
      const pending = await tx('runs')
        .where({ workflow_id: current.id, status: 'pending_approval' })
        .orderBy('created_at', 'asc')
        .select<Array<{ id: string }>>('id');
      const events: NewRunEvent[] = [
        {
          type: 'status_changed',
          actor,
          data: {
            from: 'pending_approval',
            to: 'canceled',
            message: 'The workflow was deleted',
          },
        },
      ];
      const ids: string[] = [];
      for (const { id } of pending) {
        const canceled = await transitionInTx(
          tx,
          { runId: id, from: ['pending_approval'], to: 'canceled', events },
          now,
        );
        if (canceled) {
          ids.push(id);
        }
      }
      return ids;
    });
    const canceledRuns: Run[] = [];
    for (const id of canceledIds) {
      const run = await this.getRun(id);
      if (run) {
        canceledRuns.push(run);
      }
    }
    return { canceledRuns };
  }

  async isWorkflowDeleted(workflowId: string): Promise<boolean> {
    const row = await this.db<WorkflowRow>('workflows')
      .where({ id: workflowId })
      .first('deleted_at');
    return !row || row.deleted_at !== null;
  }

  async createRun(run: NewRun): Promise<Run> {
    const now = new Date();
    const id = run.id ?? randomUUID();
    const row = await this.db.transaction(async tx => {
      // The revision and its workflow in one read; the workflow row is
      // locked for share until the run is written, so a concurrent delete
      // either waits for this run (and cancels it if it is pending) or is
      // seen here.
      const query = tx('workflow_revisions as r')
        .join('workflows as w', 'w.id', 'r.workflow_id')
        .where({ 'r.workflow_id': run.workflowId, 'r.revision': run.revision })
        .select<Array<RevisionRow & { deleted_at: WorkflowRow['deleted_at'] }>>(
          'r.*',
          'w.deleted_at',
        );
      if (this.isPostgres) {
        query.forShare('w');
      }
      const [found] = await query;
      const revision = found;
      const workflow = found && { deleted_at: found.deleted_at };
      if (!revision || !workflow) {
        throw new NotFoundError(
          `Workflow ${run.workflowId} has no revision ${run.revision}`,
        );
      }
      const definition = JSON.parse(revision.definition) as WorkflowDefinition;
      if (workflow.deleted_at !== null) {
        throw new ConflictError(
          `Workflow '${definition.identifier}' was deleted; nothing was run`,
        );
      }
      const inserted = {
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
        event_count: 1 + (run.events?.length ?? 0),
        ttl_seconds: run.ttlSeconds ?? null,
        tears_down_run_id: run.tearsDownRunId ?? null,
      };
      if (run.tearsDownRunId !== undefined) {
        // Exactly one teardown: whoever sets this first creates it.
        const claimed = await tx('runs')
          .where('id', run.tearsDownRunId)
          .where('status', 'success')
          .whereNull('teardown_run_id')
          .update({ teardown_run_id: id, updated_at: now });
        if (claimed !== 1) {
          throw new ConflictError(
            `Run ${run.tearsDownRunId} is already torn down, or not a success`,
          );
        }
      }
      await tx('runs').insert(inserted);
      const owners = [...new Set(run.entityOwners ?? [])];
      if (owners.length > 0) {
        await tx('run_entity_owners').insert(
          owners.map(owner_ref => ({ run_id: id, owner_ref })),
        );
      }
      const approvers = [...new Set(run.approvers ?? [])];
      if (approvers.length > 0) {
        await tx('run_approvers').insert(
          approvers.map(approver_ref => ({ run_id: id, approver_ref })),
        );
      }
      const events: NewRunEvent[] = [
        {
          type: 'triggered',
          actor: run.requestedBy,
          data: {
            revision: run.revision,
            ...(run.entityRef ? { entityRef: run.entityRef } : {}),
          },
        },
        ...(run.events ?? []),
      ];
      await tx('run_events').insert(
        events.map((event, i) => ({
          run_id: id,
          sequence: i + 1,
          type: event.type,
          actor: event.actor ?? null,
          step_id: event.stepId ?? null,
          data: JSON.stringify(event.data),
          created_at: now,
        })),
      );
      if (run.delivery) {
        await insertClaimedDelivery(tx, id, run.delivery, now);
      }
      if (run.steps) {
        // A new run's steps are at their first version, as the column's
        // default says.
        const created = { runStatus: run.status, steps: [], version: 0 };
        const applied = await writeStepPlanInTx(
          tx,
          id,
          created,
          run.steps(created, now),
          now,
        );
        // Steps that all finish at once (zero-second waits) end the run.
        inserted.status = applied.runStatus;
      }
      return {
        ...inserted,
        revision: revision.revision,
        definition: revision.definition,
      };
    });
    if (row.status !== run.status) {
      // Its steps ended it at once: read back with its finish time.
      return (await this.getRun(id))!;
    }
    // Built from what was written rather than read back: a trigger is the
    // path users wait on, and nothing else can have changed the new run.
    return this.toRun(row);
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await this.runsWithRevision()
      .where('runs.id', id)
      .first<RunRow | undefined>();
    return row ? this.toRun(row) : undefined;
  }

  async listRuns(options: {
    filter?: RunFilter;
    visibility?: RunVisibility;
    cursor?: string;
    limit: number;
  }): Promise<Page<Run>> {
    const { filter = {}, visibility, cursor, limit } = options;
    const query = this.runsWithRevision();
    if (filter.entityRef !== undefined) {
      query.where('runs.entity_ref', filter.entityRef);
    }
    if (filter.touching !== undefined) {
      const ref = filter.touching;
      const db = this.db;
      query.where(function onOrTouched() {
        this.where('runs.entity_ref', ref).orWhereIn(
          'runs.id',
          db('run_entity_actions').where('entity_ref', ref).select('run_id'),
        );
      });
    }
    if (filter.expiring) {
      query
        .where('runs.status', 'success')
        .whereNotNull('runs.expires_at')
        .whereNull('runs.teardown_run_id');
    }
    if (filter.workflowIdentifier !== undefined) {
      whereRunOfLiveWorkflow(this.db, query, [filter.workflowIdentifier]);
    }
    if (filter.status !== undefined && filter.status.length > 0) {
      query.whereIn('runs.status', filter.status);
    }
    if (filter.requestedBy !== undefined) {
      query.where('runs.requested_by', filter.requestedBy);
    }
    if (filter.approvableBy !== undefined) {
      const { userEntityRef, ownershipEntityRefs } = filter.approvableBy;
      query.where('runs.status', 'pending_approval');
      applyRunFilter(this.db, query, {
        property: 'approver',
        values: ownershipEntityRefs,
      });
      // Their own runs only where the revision lets requesters approve.
      const selfApproval = this.isPostgres
        ? "(workflow_revisions.definition::json -> 'access' ->> 'allowSelfApproval') = 'true'"
        : "json_extract(workflow_revisions.definition, '$.access.allowSelfApproval') = 1";
      query.where(function notOwnUnlessAllowed() {
        this.where('runs.requested_by', '<>', userEntityRef).orWhereRaw(
          selfApproval,
        );
      });
    }
    if (visibility) {
      this.applyVisibility(query, visibility);
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

  async isRunVisible(id: string, visibility: RunVisibility): Promise<boolean> {
    const query = this.db('runs').where('runs.id', id);
    this.applyVisibility(query, visibility);
    const row = await query.first('runs.id');
    return row !== undefined;
  }

  async transitionRun(transition: RunTransition): Promise<Run> {
    const { runId, to, deadlineBefore } = transition;
    const now = new Date();
    await this.db.transaction(async tx => {
      if (!(await transitionInTx(tx, transition, now))) {
        throw await this.notFoundOrConflict(tx, runId, to, deadlineBefore);
      }
      if (transition.delivery) {
        await insertClaimedDelivery(tx, runId, transition.delivery, now);
      }
      if (transition.steps) {
        await applyStepPlanInTx(tx, runId, transition.steps, now);
      }
    });
    const run = await this.getRun(runId);
    if (!run) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    return run;
  }

  async appendRunEvents(
    runId: string,
    events: NewRunEvent[],
    options: AppendRunEventsOptions = {},
  ): Promise<RunEvent[]> {
    const now = new Date();
    if (this.isPostgres && events.length === 1) {
      return this.appendOneEventInOneStatement(runId, events[0], now, options);
    }
    const { whileStatusIn, callbackEventLimit } = options;
    return this.db.transaction(async tx => {
      const update = tx('runs').where('id', runId);
      if (whileStatusIn) {
        update.whereIn('status', [...whileStatusIn]);
      }
      if (callbackEventLimit !== undefined) {
        update.where(
          'callback_event_count',
          '<=',
          callbackEventLimit - events.length,
        );
      }
      // The row lock this takes orders concurrent appends to one run, and
      // PostgreSQL checks the conditions again on the row as the append
      // before left it (SQLite writes one transaction at a time).
      const count = await bumpEventCount(tx, runId, update, events.length, {
        updated_at: now,
        ...(callbackEventLimit !== undefined
          ? {
              callback_event_count: tx.raw('callback_event_count + ?', [
                events.length,
              ]),
            }
          : {}),
      });
      if (count === undefined) {
        throw await this.appendRefused(tx, runId, events.length, options);
      }
      return insertEvents(tx, runId, events, now, count);
    });
  }

  async listRunEvents(
    runId: string,
    options?: { types?: ReadonlyArray<RunEventType> },
  ): Promise<RunEvent[]> {
    const query = this.db<RunEventRow>('run_events').where('run_id', runId);
    if (options?.types) {
      query.whereIn('type', [...options.types]);
    }
    const rows = await query.orderBy('sequence', 'asc');
    return rows.map(toRunEvent);
  }

  async listRunTokenHashes(runId: string, stepId?: string): Promise<string[]> {
    const tokens = this.db('run_tokens')
      .where('run_id', runId)
      .select<Array<{ token_hash: string }>>('token_hash');
    if (stepId !== undefined) {
      return (await tokens.where('step_id', stepId)).map(t => t.token_hash);
    }
    // Runs dispatched before deliveries existed kept their one hash on the run.
    const [run, own] = await Promise.all([
      this.db('runs')
        .where('id', runId)
        .first<{ token_hash: string | null } | undefined>('token_hash'),
      tokens.whereNull('step_id'),
    ]);
    return [
      ...(run?.token_hash ? [run.token_hash] : []),
      ...own.map(t => t.token_hash),
    ];
  }

  async listRunApprovers(runId: string): Promise<string[]> {
    const rows = await this.db('run_approvers')
      .where('run_id', runId)
      .orderBy('approver_ref')
      .select<Array<{ approver_ref: string }>>('approver_ref');
    return rows.map(r => r.approver_ref);
  }

  async listRunEntityOwners(runId: string): Promise<string[]> {
    const rows = await this.db('run_entity_owners')
      .where('run_id', runId)
      .orderBy('owner_ref')
      .select<Array<{ owner_ref: string }>>('owner_ref');
    return rows.map(r => r.owner_ref);
  }

  async listOverdueRuns(
    now: Date,
    limit: number,
    excludeIds: ReadonlyArray<string> = [],
  ): Promise<Run[]> {
    const query = this.runsWithRevision();
    if (excludeIds.length > 0) {
      query.whereNotIn('runs.id', [...excludeIds]);
    }
    const rows = await query
      .whereNotIn('runs.status', [...TERMINAL_RUN_STATUSES])
      .where('runs.deadline_at', '<', now)
      .orderBy('runs.deadline_at', 'asc')
      .limit(limit)
      .select<RunRow[]>();
    return rows.map(row => this.toRun(row));
  }

  /**
   * The callback hot path on PostgreSQL: checks the run's status and
   * callback limit, bumps its counters and inserts the event in one
   * statement, so one round trip and one commit per message. A concurrent
   * append waits for the row lock, and PostgreSQL checks the conditions
   * again on the row as that append left it, so the limit holds.
   */
  private async appendOneEventInOneStatement(
    runId: string,
    event: NewRunEvent,
    now: Date,
    options: AppendRunEventsOptions,
  ): Promise<RunEvent[]> {
    const { whileStatusIn, callbackEventLimit } = options;
    const counted = callbackEventLimit !== undefined;
    const statusClause = whileStatusIn
      ? `AND status IN (${whileStatusIn.map(() => '?').join(', ')})`
      : '';
    const countSet = counted
      ? ', callback_event_count = callback_event_count + 1'
      : '';
    const limitClause = counted ? 'AND callback_event_count < ?' : '';
    const result = await this.db.raw<{ rows: RunEventRow[] }>(
      `WITH bumped AS (
         UPDATE runs SET event_count = event_count + 1, updated_at = ?${countSet}
         WHERE id = ? ${statusClause} ${limitClause}
         RETURNING event_count
       )
       INSERT INTO run_events (run_id, sequence, type, actor, step_id, data, created_at)
       SELECT ?, event_count, ?, ?, ?, ?, ? FROM bumped
       RETURNING *`,
      [
        now,
        runId,
        ...(whileStatusIn ?? []),
        ...(counted ? [callbackEventLimit] : []),
        runId,
        event.type,
        event.actor ?? null,
        event.stepId ?? null,
        JSON.stringify(event.data),
        now,
      ],
    );
    if (result.rows.length !== 1) {
      throw await this.appendRefused(this.db, runId, 1, options);
    }
    return result.rows.map(toRunEvent);
  }

  /**
   * Why an append changed nothing: no such run, a status that takes no
   * more events, or the run's callback limit.
   */
  private async appendRefused(
    db: Knex,
    runId: string,
    count: number,
    options: AppendRunEventsOptions,
  ): Promise<Error> {
    const { whileStatusIn, callbackEventLimit } = options;
    if (callbackEventLimit !== undefined) {
      const current = await db('runs')
        .where('id', runId)
        .first<{ status: RunStatus; callback_event_count: number } | undefined>(
          'status',
          'callback_event_count',
        );
      if (
        current &&
        (!whileStatusIn || whileStatusIn.includes(current.status)) &&
        Number(current.callback_event_count) + count > callbackEventLimit
      ) {
        return new ConflictError(
          `Run ${runId} has reached its limit of ${callbackEventLimit} messages and links (selfService.callbacks.maxEventsPerRun); post its final status instead`,
        );
      }
    }
    return this.notFoundOrConflict(db, runId);
  }

  private async notFoundOrConflict(
    tx: Knex,
    runId: string,
    to?: RunStatus,
    deadlineBefore?: Date,
  ): Promise<Error> {
    const current = await tx('runs')
      .where('id', runId)
      .first<
        | { status: RunStatus; deadline_at: Date | string | number | null }
        | undefined
      >('status', 'deadline_at');
    if (!current) {
      return new NotFoundError(`No run with id '${runId}'`);
    }
    if (
      deadlineBefore !== undefined &&
      !TERMINAL_RUN_STATUSES.includes(current.status) &&
      (current.deadline_at === null ||
        new Date(current.deadline_at) >= deadlineBefore)
    ) {
      return new ConflictError(
        `Run ${runId} is ${current.status} and not overdue: its deadline moved`,
      );
    }
    return new ConflictError(
      to
        ? `Run ${runId} is ${current.status} and cannot become ${to}`
        : `Run ${runId} is ${current.status} and accepts no more updates`,
    );
  }

  /** The filters of a workflow list, on `workflows as w`, in SQL. */
  private applyWorkflowListFilters(
    query: Knex.QueryBuilder,
    list: WorkflowListQuery,
  ): void {
    if (list.filter) {
      applyWorkflowFilter(this.db, query, list.filter);
    }
    if (list.scope) {
      query.where('w.scope_type', list.scope);
    }
    if (list.approval) {
      query.where('w.access_type', 'approval');
    }
    for (const word of workflowSearchWords(list.search)) {
      query.whereRaw("w.search_text LIKE ? ESCAPE '\\'", [
        `%${escapeLike(word)}%`,
      ]);
    }
    if (list.appliesTo) {
      const { kind, type } = list.appliesTo;
      query.where(function appliesToEntity() {
        this.where('w.scope_type', 'global').orWhere(function entityScoped() {
          this.where('w.scope_type', 'entity').whereRaw(
            "w.scope_kinds LIKE ? ESCAPE '\\'",
            [`%|${escapeLike(listCase(kind))}|%`],
          );
          this.where(function ofType() {
            this.whereNull('w.scope_types');
            if (type !== undefined) {
              this.orWhereRaw("w.scope_types LIKE ? ESCAPE '\\'", [
                `%|${escapeLike(listCase(type))}|%`,
              ]);
            }
          });
        });
      });
    }
  }

  private applyVisibility(
    query: Knex.QueryBuilder,
    visibility: RunVisibility,
  ): void {
    const builtIn: SelfServiceFilter = {
      anyOf: [
        { property: 'requestedBy', values: [visibility.userEntityRef] },
        { property: 'approver', values: visibility.ownershipEntityRefs },
        { property: 'entityOwner', values: visibility.ownershipEntityRefs },
      ],
    };
    applyRunFilter(
      this.db,
      query,
      visibility.policyFilter
        ? { anyOf: [builtIn, visibility.policyFilter] }
        : builtIn,
    );
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
      ...(row.expires_at ? { expiresAt: toIsoString(row.expires_at) } : {}),
      ...(row.teardown_run_id ? { teardownRunId: row.teardown_run_id } : {}),
      ...(row.tears_down_run_id
        ? { tearsDownRunId: row.tears_down_run_id }
        : {}),
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
      ...(row.managed_by ? { managedBy: row.managed_by } : {}),
    };
  }
}

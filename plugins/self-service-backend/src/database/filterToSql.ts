import type { SelfServiceFilter } from '@backstage-self-service/plugin-self-service-node';
import type { Knex } from 'knex';

/**
 * Runs of the live workflows that have one of `identifiers`, by workflow id:
 * a deleted workflow's runs keep the identifier it had, which a newer
 * workflow may have taken since, so the identifier recorded on a run is not
 * enough.
 */
export function whereRunOfLiveWorkflow(
  db: Knex,
  query: Knex.QueryBuilder,
  identifiers: string[],
): void {
  query.whereIn(
    'runs.workflow_id',
    db('workflows')
      .whereIn('workflows.identifier', identifiers)
      .whereNull('workflows.deleted_at')
      .select('workflows.id'),
  );
}

/**
 * Run properties that permission rules can filter on, and how each becomes
 * SQL over the `runs` table.
 */
const runProperties: Record<
  string,
  (db: Knex, query: Knex.QueryBuilder, values: string[]) => void
> = {
  requestedBy: (_db, query, values) =>
    query.whereIn('runs.requested_by', values),
  entityRef: (_db, query, values) => query.whereIn('runs.entity_ref', values),
  workflowIdentifier: (db, query, values) =>
    whereRunOfLiveWorkflow(db, query, values),
  entityOwner: (db, query, values) =>
    query.whereExists(
      db('run_entity_owners')
        .whereRaw('run_entity_owners.run_id = runs.id')
        .whereIn('run_entity_owners.owner_ref', values),
    ),
  approver: (db, query, values) =>
    query.whereExists(
      db('run_approvers')
        .whereRaw('run_approvers.run_id = runs.id')
        .whereIn('run_approvers.approver_ref', values),
    ),
};

/** Workflow properties that permission rules can filter on (table `w`). */
const workflowProperties: typeof runProperties = {
  identifier: (_db, query, values) => query.whereIn('w.identifier', values),
  scopeType: (_db, query, values) => query.whereIn('w.scope_type', values),
  createdBy: (_db, query, values) => query.whereIn('w.created_by', values),
};

/**
 * Adds a permission filter to a query over `runs` as one parenthesised
 * WHERE group. An empty `anyOf` matches nothing; an empty `allOf` matches
 * everything, as in the permission framework.
 */
export function applyRunFilter(
  db: Knex,
  query: Knex.QueryBuilder,
  filter: SelfServiceFilter,
): void {
  applyFilter(runProperties, db, query, filter);
}

/** Adds a permission filter to a query over `workflows as w`. */
export function applyWorkflowFilter(
  db: Knex,
  query: Knex.QueryBuilder,
  filter: SelfServiceFilter,
): void {
  applyFilter(workflowProperties, db, query, filter);
}

function applyFilter(
  properties: typeof runProperties,
  db: Knex,
  query: Knex.QueryBuilder,
  filter: SelfServiceFilter,
): void {
  if ('allOf' in filter) {
    query.where(function allOf() {
      for (const sub of filter.allOf) {
        this.andWhere(function each() {
          applyFilter(properties, db, this, sub);
        });
      }
    });
  } else if ('anyOf' in filter) {
    query.where(function anyOf() {
      if (filter.anyOf.length === 0) {
        this.whereRaw('1 = 0');
      }
      for (const sub of filter.anyOf) {
        this.orWhere(function each() {
          applyFilter(properties, db, this, sub);
        });
      }
    });
  } else if ('not' in filter) {
    query.whereNot(function not() {
      applyFilter(properties, db, this, filter.not);
    });
  } else {
    const apply = properties[filter.property];
    if (!apply) {
      throw new Error(`Unknown filter property '${filter.property}'`);
    }
    if (filter.values.length === 0) {
      query.whereRaw('1 = 0');
    } else {
      apply(db, query, filter.values);
    }
  }
}

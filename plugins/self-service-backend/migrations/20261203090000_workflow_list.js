// @ts-check

/**
 * Lists that stay fast for large organisations.
 *
 * `GET /workflows` filters, counts and pages in SQL, so what it filters on is
 * copied from the latest revision's JSON definition onto the `workflows` row,
 * where it can be compared and indexed on SQLite and PostgreSQL alike:
 *
 * - `scope_kinds` / `scope_types`: an entity-scoped workflow's kinds and
 *   types, lowercased, each between bars (`|component|resource|`), so that
 *   "applies to kind k" is `LIKE '%|k|%'`; NULL when there are none;
 * - `access_type`: everyone, approval, selected or owners;
 * - `search_text`: name, description and identifier, lowercased, which every
 *   searched word must appear in.
 *
 * The store writes them with every revision. Existing rows are backfilled
 * here from their latest revision. The encoding is repeated here rather than
 * imported because a migration must keep doing what it did when it shipped.
 *
 * Runs get the indexes their lists' first pages need at a million runs.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('workflows', table => {
    table
      .text('scope_kinds')
      .nullable()
      .comment(
        "Entity kinds of an entity-scoped workflow, lowercased, as '|kind|kind|'; NULL for global ones",
      );
    table
      .text('scope_types')
      .nullable()
      .comment(
        "spec.type values of an entity-scoped workflow, lowercased, as '|type|type|'; NULL for every type",
      );
    table
      .string('access_type', 20)
      .nullable()
      .comment(
        'everyone, approval, selected or owners, from the latest revision',
      );
    table
      .text('search_text')
      .nullable()
      .comment(
        'Name, description and identifier of the latest revision, lowercased, for search',
      );
    // Lists are ordered by name, then id, and paged by that pair.
    table.index(['name', 'id'], 'workflows_name_idx');
    table.index(['access_type'], 'workflows_access_idx');
    table.index(['scope_type'], 'workflows_scope_idx');
  });

  const rows = await knex('workflows as w')
    .join('workflow_revisions as r', function joinLatest() {
      this.on('r.workflow_id', '=', 'w.id').andOn(
        'r.revision',
        '=',
        'w.latest_revision',
      );
    })
    .select('w.id', 'w.identifier', 'w.name', 'r.definition');
  for (const row of rows) {
    await knex('workflows')
      .where('id', row.id)
      .update(listColumns(row.definition, row));
  }

  await knex.schema.alterTable('runs', table => {
    // "Pending my approval" walks pending runs newest first.
    table.index(['status', 'created_at', 'id'], 'runs_status_created_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('runs', table => {
    table.dropIndex([], 'runs_status_created_idx');
  });
  await knex.schema.alterTable('workflows', table => {
    table.dropIndex([], 'workflows_name_idx');
    table.dropIndex([], 'workflows_access_idx');
    table.dropIndex([], 'workflows_scope_idx');
  });
  const columns = ['scope_kinds', 'scope_types', 'access_type', 'search_text'];
  if (knex.client.config.client.includes('sqlite')) {
    // As in 20261201120000: SQLite drops columns in place, not by copying
    // the table, which the foreign key of workflow_revisions forbids.
    for (const column of columns) {
      await knex.raw(`ALTER TABLE workflows DROP COLUMN ${column}`);
    }
    return;
  }
  await knex.schema.alterTable('workflows', table => {
    table.dropColumns(...columns);
  });
};

/**
 * The list columns of a stored definition. Rows whose definition is not what
 * the API writes get what can be read of it: they stay listable.
 *
 * @param {string} json
 * @param {{ identifier: string | null, name: string }} row
 */
function listColumns(json, row) {
  /** @type {any} */
  let definition = {};
  try {
    definition = JSON.parse(json) ?? {};
  } catch {
    // Listed by its row's name and identifier only.
  }
  const scope = definition.scope ?? {};
  const bars = (/** @type {unknown} */ values) =>
    Array.isArray(values) && values.length > 0
      ? `|${values.map(v => String(v).toLocaleLowerCase('en-US')).join('|')}|`
      : null;
  const entity = scope.type === 'entity';
  return {
    scope_kinds: entity ? bars(scope.kinds) : null,
    scope_types: entity ? bars(scope.types) : null,
    access_type:
      typeof definition.access?.type === 'string'
        ? definition.access.type
        : 'everyone',
    search_text: [
      row.name,
      typeof definition.description === 'string' ? definition.description : '',
      row.identifier ?? '',
    ]
      .join('\n')
      .toLocaleLowerCase('en-US'),
  };
}

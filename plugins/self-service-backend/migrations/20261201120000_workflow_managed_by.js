// @ts-check

/**
 * Records where a workflow is published from, so that workflows published
 * from app-config (`selfService.workflows`) or by a backend module
 * (`selfServiceWorkflowsExtensionPoint`) are not edited or deleted through
 * the API, only to be overwritten or brought back at the next start-up.
 *
 * Existing rows stay NULL: at start-up the plugin adopts the ones it
 * published from code before (created by `plugin:self-service`).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('workflows', table => {
    table
      .string('managed_by', 20)
      .nullable()
      .comment(
        "'config' (selfService.workflows), 'extension' (selfServiceWorkflowsExtensionPoint), or NULL for workflows published through the API",
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (knex.client.config.client.includes('sqlite')) {
    // Knex drops a column on SQLite by copying the table, which the foreign
    // key of workflow_revisions forbids; SQLite (3.35 and later) can drop the
    // column in place.
    await knex.raw('ALTER TABLE workflows DROP COLUMN managed_by');
    return;
  }
  await knex.schema.alterTable('workflows', table => {
    table.dropColumn('managed_by');
  });
};

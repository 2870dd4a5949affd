// @ts-check

/**
 * Catalog entities that runs create, change and remove.
 *
 * `run_entities` holds each entity a run created, as the catalog module
 * publishes it (`entity` JSON), by its ref; a removed one stays, with
 * `removed_at`, so the catalog learns of the removal and the entity's
 * history stays. `updated_at` orders the feed the catalog module reads.
 *
 * `run_entity_actions` lists what each run did to which entity (created,
 * updated, removed), for the run page and the entity's runs.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('run_entities', table => {
    table
      .string('entity_ref', 512)
      .primary()
      .comment('kind:namespace/name, lower-case');
    table
      .string('created_by_run_id', 64)
      .notNullable()
      .comment('The run that created the entity');
    table
      .string('run_id', 64)
      .notNullable()
      .comment('The run that wrote it last');
    table
      .string('workflow_identifier', 255)
      .notNullable()
      .comment(
        'The workflow of the run that created it: only its runs change it',
      );
    table.text('entity').notNullable().comment('The entity as published');
    table.dateTime('created_at').notNullable();
    table.dateTime('updated_at').notNullable();
    table.dateTime('removed_at').nullable();
    table.index(['updated_at'], 'run_entities_updated_at_idx');
    table.index(['created_by_run_id'], 'run_entities_created_by_idx');
  });
  await knex.schema.createTable('run_entity_actions', table => {
    table.string('run_id', 64).notNullable();
    table.string('entity_ref', 512).notNullable();
    table
      .string('action', 16)
      .notNullable()
      .comment('created, updated or removed');
    table.dateTime('at').notNullable();
    table.primary(['run_id', 'entity_ref', 'action']);
    table.index(['entity_ref', 'at'], 'run_entity_actions_entity_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('run_entity_actions');
  await knex.schema.dropTable('run_entities');
};

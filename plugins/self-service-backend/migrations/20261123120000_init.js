// @ts-check

/**
 * The tables of workflows, their revisions, runs and run events.
 *
 * A workflow row is the stable identity and the pointer to its newest
 * revision; every edit appends a revision whose `definition` is the whole
 * definition as JSON, so a run can always show exactly what it was triggered
 * with. Workflows are soft-deleted, so runs and revisions outlive them.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('workflows', table => {
    table.comment('Published self-service workflows');
    table.string('id', 36).primary().comment('Stable id (uuid)');
    table
      .string('identifier', 100)
      .nullable()
      .unique()
      .comment(
        'Machine-readable, URL-safe identifier used by the API; NULL once deleted, so it can be reused',
      );
    table.string('name', 255).notNullable();
    table
      .string('scope_type', 20)
      .notNullable()
      .comment('global or entity, copied from the latest revision');
    table
      .integer('latest_revision')
      .notNullable()
      .comment('Number of the newest row in workflow_revisions');
    table.string('created_by', 255).notNullable();
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.string('updated_by', 255).notNullable();
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable();
    table
      .timestamp('deleted_at', { useTz: true, precision: 3 })
      .nullable()
      .comment('Workflows are soft-deleted: their runs keep their history');
  });

  await knex.schema.createTable('workflow_revisions', table => {
    table.comment('Immutable history of every edit of a workflow');
    table.string('id', 36).primary();
    table
      .string('workflow_id', 36)
      .notNullable()
      .references('id')
      .inTable('workflows');
    table.integer('revision').notNullable().comment('1, 2, 3 ... per workflow');
    table
      .text('definition')
      .notNullable()
      .comment('The whole workflow definition as JSON');
    table.string('created_by', 255).notNullable();
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.unique(['workflow_id', 'revision']);
  });

  await knex.schema.createTable('runs', table => {
    table.comment('Executions of workflows');
    table.string('id', 36).primary();
    table
      .string('workflow_id', 36)
      .notNullable()
      .comment('Not a foreign key: run history outlives its workflow');
    table.string('workflow_identifier', 100).notNullable();
    table
      .string('revision_id', 36)
      .notNullable()
      .comment('workflow_revisions.id the run was triggered with');
    table.string('entity_ref', 255).nullable();
    table.string('requested_by', 255).notNullable();
    table.string('status', 32).notNullable();
    table.text('inputs').notNullable().comment('Input values as JSON');
    table
      .string('token_hash', 128)
      .nullable()
      .comment('SHA-256 of the run callback token; never the token itself');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable();
    table.timestamp('finished_at', { useTz: true, precision: 3 }).nullable();
    table
      .timestamp('deadline_at', { useTz: true, precision: 3 })
      .nullable()
      .comment('An unfinished event-driven run times out after this');
    table
      .integer('event_count')
      .notNullable()
      .defaultTo(0)
      .comment(
        'Events recorded so far; bumped in the same transaction as each insert, so sequences never collide',
      );
    // Lists are newest first and paginated by (created_at, id).
    table.index(['entity_ref', 'created_at', 'id'], 'runs_entity_idx');
    table.index(['requested_by', 'created_at', 'id'], 'runs_requester_idx');
    table.index(['workflow_id', 'created_at', 'id'], 'runs_workflow_idx');
    table.index(['created_at', 'id'], 'runs_created_idx');
    table.index(['status', 'deadline_at'], 'runs_deadline_idx');
  });

  await knex.schema.createTable('run_approvers', table => {
    table.comment(
      'Who may approve a pending run (user or group refs), so that "pending my approval" filters in SQL',
    );
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.string('approver_ref', 255).notNullable();
    table.primary(['run_id', 'approver_ref']);
    table.index(['approver_ref'], 'run_approvers_ref_idx');
  });

  await knex.schema.createTable('run_entity_owners', table => {
    table.comment(
      'Owners of the entity of a run when it was triggered, so that owner visibility filters in SQL',
    );
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.string('owner_ref', 255).notNullable();
    table.primary(['run_id', 'owner_ref']);
    table.index(['owner_ref'], 'run_entity_owners_ref_idx');
  });

  await knex.schema.createTable('run_events', table => {
    table.comment('Ordered, immutable timeline of a run');
    table.bigIncrements('id').primary();
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.integer('sequence').notNullable();
    table.string('type', 32).notNullable();
    table.string('actor', 255).nullable();
    table.text('data').notNullable().comment('Event payload as JSON');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.unique(['run_id', 'sequence']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('run_events');
  await knex.schema.dropTable('run_entity_owners');
  await knex.schema.dropTable('run_approvers');
  await knex.schema.dropTable('runs');
  await knex.schema.dropTable('workflow_revisions');
  await knex.schema.dropTable('workflows');
};

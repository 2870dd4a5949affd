// @ts-check

/**
 * Workflows of several steps.
 *
 * `run_steps` holds where each step of a run stands, with the outputs later
 * steps render with. Every change to a run's steps happens in a transaction
 * that first locks the run's row, so two steps finishing at once on two
 * replicas cannot both miss (or both start) the step that depends on them.
 *
 * `run_step_decisions` records approval decisions on approval steps, one
 * per approver listed (a group is decided by whichever member acts first),
 * so concurrent decisions resolve to one outcome by the primary key.
 *
 * A delivery and an event may belong to a step (`step_id`); both are null
 * for a workflow of one request, whose runs are unchanged.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('run_steps', table => {
    table.comment('Where each step of a multi-step run stands');
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.string('step_id', 64).notNullable();
    table
      .integer('position')
      .notNullable()
      .comment('The step’s place in the workflow’s list, for ordering');
    table
      .string('status', 20)
      .notNullable()
      .comment(
        "'pending', 'waiting_approval', 'running', 'success', 'failed', 'skipped', 'canceled' or 'timed_out'",
      );
    table
      .text('outputs')
      .nullable()
      .comment('Output values by name as JSON, once the step succeeded');
    table.text('message').nullable().comment('Why it failed or was skipped');
    table
      .timestamp('deadline_at', { useTz: true, precision: 3 })
      .nullable()
      .comment(
        'When an approval or event-driven step times out, or a wait step is over',
      );
    table.timestamp('started_at', { useTz: true, precision: 3 }).nullable();
    table.timestamp('finished_at', { useTz: true, precision: 3 }).nullable();
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable();
    table.primary(['run_id', 'step_id']);
    table.index(['status', 'deadline_at'], 'run_steps_deadline_idx');
  });

  await knex.schema.createTable('run_step_decisions', table => {
    table.comment('Approval decisions on approval steps');
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.string('step_id', 64).notNullable();
    table
      .string('approver_ref', 255)
      .notNullable()
      .comment('The approver listed on the step whom this decision stands for');
    table.string('decided_by', 255).notNullable();
    table
      .string('decision', 20)
      .notNullable()
      .comment("'approved' or 'rejected'");
    table.text('comment').nullable();
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.primary(['run_id', 'step_id', 'approver_ref']);
  });

  await knex.schema.alterTable('deliveries', table => {
    table
      .string('step_id', 64)
      .nullable()
      .comment(
        'The step whose request this is; null for a one-request workflow',
      );
  });
  await knex.schema.alterTable('run_events', table => {
    table
      .string('step_id', 64)
      .nullable()
      .comment('The step the event belongs to, if any');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('run_events', table => {
    table.dropColumn('step_id');
  });
  await knex.schema.alterTable('deliveries', table => {
    table.dropColumn('step_id');
  });
  await knex.schema.dropTable('run_step_decisions');
  await knex.schema.dropTable('run_steps');
};

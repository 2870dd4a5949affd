// @ts-check

/**
 * Step callback tokens.
 *
 * A token handed out with a step's request reports on that step only
 * (`POST /runs/{id}/steps/{stepId}/status`), and a run-level token never
 * reports on a step: `step_id` says which a token belongs to, null for the
 * tokens of a one-request run, which are unchanged.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('run_tokens', table => {
    table
      .string('step_id', 64)
      .nullable()
      .comment('The step whose request carried the token; null for the run');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('run_tokens', table => {
    table.dropColumn('step_id');
  });
};

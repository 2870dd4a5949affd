// @ts-check

/**
 * Runs that expire (a workflow's `lifecycle`).
 *
 * `ttl_seconds` is chosen when the run is triggered (the requester's TTL
 * input, or the workflow's default); `expires_at` is set when the run
 * succeeds and moved by extensions; `expiry_notified_at` marks the notice
 * sent before expiry; `teardown_run_id` is set once, in the transaction
 * that creates the teardown run, which makes the teardown happen exactly
 * once whichever replica gets there; `tears_down_run_id` says, on a
 * teardown run, which run it tears down.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('runs', table => {
    table.integer('ttl_seconds').nullable();
    table.dateTime('expires_at').nullable();
    table.dateTime('expiry_notified_at').nullable();
    table.string('teardown_run_id', 64).nullable();
    table.string('tears_down_run_id', 64).nullable();
    table.index(['expires_at'], 'runs_expires_at_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('runs', table => {
    table.dropIndex(['expires_at'], 'runs_expires_at_idx');
    table.dropColumn('ttl_seconds');
    table.dropColumn('expires_at');
    table.dropColumn('expiry_notified_at');
    table.dropColumn('teardown_run_id');
    table.dropColumn('tears_down_run_id');
  });
};

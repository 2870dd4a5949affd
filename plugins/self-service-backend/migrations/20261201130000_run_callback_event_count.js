// @ts-check

/**
 * Counts the messages and links external systems posted to each run
 * (`/runs/{id}/messages`, `/links`), so that the store can refuse more than
 * `selfService.callbacks.maxEventsPerRun` in the same conditional statement
 * that appends one: the count and the limit hold on any number of replicas.
 *
 * A NOT NULL column with a constant default is a metadata-only change on
 * PostgreSQL (11 and later), so this is quick on a large `runs` table. Runs
 * still in progress get the count of what was posted to them so far; the
 * count of a finished run is never read, as it takes no more callbacks.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('runs', table => {
    table
      .integer('callback_event_count')
      .notNullable()
      .defaultTo(0)
      .comment(
        'Messages and links posted by callbacks; bumped in the same statement as each insert, only while below selfService.callbacks.maxEventsPerRun',
      );
  });
  await knex('runs')
    .where('status', 'in_progress')
    .update({
      callback_event_count: knex('run_events')
        .count('*')
        .whereRaw('run_events.run_id = runs.id')
        .whereIn('run_events.type', ['message', 'link']),
    });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (knex.client.config.client.includes('sqlite')) {
    // Knex drops a column on SQLite by copying the table, which the foreign
    // keys of the run tables forbid; SQLite (3.35 and later) can drop the
    // column in place.
    await knex.raw('ALTER TABLE runs DROP COLUMN callback_event_count');
    return;
  }
  await knex.schema.alterTable('runs', table => {
    table.dropColumn('callback_event_count');
  });
};

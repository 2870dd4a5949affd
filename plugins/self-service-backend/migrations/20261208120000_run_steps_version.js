// @ts-check

/**
 * A version of a run's steps, bumped by every transaction that plans them
 * (under the run's lock). On PostgreSQL it lets a step's end be recorded,
 * and its dependents started, in one statement: planned from an unlocked
 * read, written only if the version is still the one read (see
 * src/database/stepPlanInOneStatement.ts).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('runs', table => {
    table.integer('steps_version').notNullable().defaultTo(0);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('runs', table => {
    table.dropColumn('steps_version');
  });
};

// @ts-check

/**
 * Durable delivery of run requests.
 *
 * A `deliveries` row is the outgoing request of a run as a unit of work that
 * any replica can claim: it is written in the same transaction as the
 * transition that makes the run due, leased to the replica that wrote it (so
 * the common case sends at once), and picked up by another replica's worker
 * when that lease expires. `webhook_id` is the Standard Webhooks message id:
 * every attempt of the delivery, resends included, carries it, so receivers
 * can deduplicate.
 *
 * `run_tokens` holds the hash of the callback token each attempt carried.
 * Tokens are never stored, so an attempt sent by another replica (or a
 * resend) carries a token of its own; every token a run handed out stays
 * valid for its callbacks, so a receiver that deduplicates on `webhook-id`
 * and keeps the first attempt's token is still heard.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('deliveries', table => {
    table.comment(
      'Outgoing requests of runs, claimed by replicas under a lease',
    );
    table.string('id', 36).primary();
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table
      .string('webhook_id', 64)
      .notNullable()
      .unique()
      .comment('Standard Webhooks message id, the same on every attempt');
    table
      .string('status', 20)
      .notNullable()
      .comment(
        "'scheduled' (due at next_attempt_at), 'sending' (leased), 'delivered', 'failed'",
      );
    table
      .integer('attempts')
      .notNullable()
      .defaultTo(0)
      .comment('Attempts started, the one in flight included');
    table.integer('max_attempts').notNullable();
    table
      .timestamp('next_attempt_at', { useTz: true, precision: 3 })
      .nullable();
    table
      .string('lease_owner', 100)
      .nullable()
      .comment('The replica sending the current attempt');
    table
      .timestamp('lease_expires_at', { useTz: true, precision: 3 })
      .nullable()
      .comment(
        'Renewed while the attempt runs; past it, another replica takes over',
      );
    table
      .text('entity')
      .nullable()
      .comment(
        'The entity variables the request is rendered with, fixed when the run became due',
      );
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable();
    table.index(['status', 'next_attempt_at'], 'deliveries_due_idx');
    table.index(['status', 'lease_expires_at'], 'deliveries_lease_idx');
    table.index(['run_id'], 'deliveries_run_idx');
  });

  await knex.schema.createTable('run_tokens', table => {
    table.comment('Hashes of every callback token a run handed out');
    table.string('token_hash', 128).primary();
    table
      .string('run_id', 36)
      .notNullable()
      .references('id')
      .inTable('runs')
      .onDelete('CASCADE');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.index(['run_id'], 'run_tokens_run_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('run_tokens');
  await knex.schema.dropTable('deliveries');
};

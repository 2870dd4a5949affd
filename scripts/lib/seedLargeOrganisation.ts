/*
 * A large organisation's worth of self-service data, for measuring lists at
 * scale: workflows published through the API (so they are exactly what the
 * plugin writes), and runs written straight into the plugin's PostgreSQL
 * database with INSERT ... SELECT generate_series, since a million runs
 * through the API would take hours.
 */

/**
 * What the seeding needs of a `pg` client. pg ships no types, and the
 * scripts are type-checked (e2e/ imports this file), so this names just that.
 */
export interface SqlClient {
  query<Row = unknown>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: Row[] }>;
}

/** The example users of examples/org.yaml. */
export const EXAMPLE_USERS = ['ada', 'grace', 'alan', 'margaret', 'linus'];

/** Entities of examples/entities.yaml that runs are spread over, with owners. */
export const EXAMPLE_ENTITIES: ReadonlyArray<[string, string]> = [
  ['component:default/payments-api', 'group:default/payments-team'],
  ['component:default/storefront-web', 'group:default/web-team'],
  ['resource:default/payments-db', 'group:default/payments-team'],
  ['component:default/ledger-worker', 'group:default/payments-team'],
];

/**
 * The definition of the i-th workflow of a large organisation: half are
 * entity-scoped, a third need an approval, every seventh has a long unbroken
 * word in its description (what a pasted URL or hash looks like to a card).
 */
export function largeOrganisationWorkflow(i: number, requestUrl: string) {
  const n = String(i).padStart(5, '0');
  const entity = i % 2 === 0;
  const approval = i % 3 === 0;
  const words = ['deploy', 'restart', 'scale', 'rotate', 'provision', 'audit'];
  const word = words[i % words.length];
  return {
    identifier: `wf-${n}`,
    name: `${word[0].toUpperCase()}${word.slice(1)} ${n}`,
    description:
      i % 7 === 0
        ? `Runs ${word} with ${'x'.repeat(40)}${'0123456789abcdef'.repeat(12)}`
        : `Runs ${word} for team ${i % 40} in region eu-${i % 3}`,
    scope: entity
      ? i % 4 === 0
        ? { type: 'entity', kinds: ['Component'], types: ['service'] }
        : { type: 'entity', kinds: ['Component', 'Resource'] }
      : { type: 'global' },
    execution: { type: 'simple' },
    access: approval
      ? {
          type: 'approval',
          approvers:
            i % 2 === 0
              ? ['group:default/platform-team']
              : ['group:default/platform-team', 'group:default/payments-team'],
          allowSelfApproval: i % 9 === 0,
        }
      : i % 5 === 1
      ? { type: 'selected', members: ['group:default/payments-team'] }
      : i % 5 === 2 && entity
      ? { type: 'owners' }
      : { type: 'everyone' },
    parameters: [
      {
        identifier: 'reason',
        name: 'Reason',
        type: 'string',
        required: i % 2 === 0,
      },
    ],
    request: {
      method: 'POST',
      url: `${requestUrl}/${n}/{{run.id}}`,
      headers: { 'content-type': 'application/json' },
      body: '{"reason": "{{data.reason}}"}',
    },
  };
}

/**
 * Publishes `count` workflows through the API, a few at a time; `publish`
 * POSTs one definition to /api/self-service/workflows. Returns their
 * identifiers.
 */
export async function publishWorkflows(
  publish: (definition: object) => Promise<unknown>,
  count: number,
  requestUrl: string,
  concurrency = 8,
): Promise<string[]> {
  const identifiers: string[] = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const definition = largeOrganisationWorkflow(next++, requestUrl);
      await publish(definition);
      identifiers.push(definition.identifier);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return identifiers.sort();
}

/**
 * Inserts `count` runs of the given workflows into the plugin's database,
 * with the rows lists filter on: a `triggered` event each, the approvers of
 * runs of approval workflows, and the owners of runs on an entity. Runs are
 * spread over the example users and entities (a quarter on no entity), two
 * seconds apart going back from now, in mixed statuses; three in ten runs of
 * an approval workflow wait for approval. Written in batches, one statement
 * per batch; ANALYZEs the tables at the end, as autovacuum would.
 */
export async function seedRuns(
  client: SqlClient,
  options: {
    workflowIdentifiers: string[];
    count: number;
    batchSize?: number;
    onProgress?: (done: number) => void;
  },
): Promise<void> {
  const { workflowIdentifiers, count, batchSize = 250_000 } = options;
  await client.query(
    `CREATE TEMPORARY TABLE seed_workflows ON COMMIT PRESERVE ROWS AS
     SELECT (row_number() OVER (ORDER BY w.identifier) - 1)::int AS n,
            w.id, w.identifier, r.id AS revision_id,
            w.access_type = 'approval' AS approval,
            ARRAY(SELECT json_array_elements_text(r.definition::json -> 'access' -> 'approvers')) AS approvers
     FROM workflows w
     JOIN workflow_revisions r ON r.workflow_id = w.id AND r.revision = w.latest_revision
     WHERE w.identifier = ANY($1) AND w.deleted_at IS NULL`,
    [workflowIdentifiers],
  );
  const { rows } = await client.query<{ count: string }>(
    'SELECT count(*) FROM seed_workflows',
  );
  const workflows = Number(rows[0].count);
  if (workflows === 0) {
    throw new Error('seedRuns: none of the workflows exist');
  }
  const users = EXAMPLE_USERS.map(u => `user:default/${u}`);
  const entities = EXAMPLE_ENTITIES.map(([ref]) => ref);
  const owners = EXAMPLE_ENTITIES.map(([, owner]) => owner);
  const statuses = [
    'success',
    'success',
    'success',
    'failed',
    'in_progress',
    'timed_out',
    'canceled',
    'success',
    'rejected',
  ];
  for (let from = 1; from <= count; from += batchSize) {
    const to = Math.min(count, from + batchSize - 1);
    // One statement per batch: the runs, then their events, approvers and
    // entity owners from what the insert returned (PostgreSQL checks the
    // foreign keys at the end of the statement).
    await client.query(
      `WITH base AS (
         SELECT g, wf.*,
                CASE WHEN g % 4 = 0 THEN NULL
                     ELSE 1 + (g / 4) % cardinality($4::text[]) END AS entity_i,
                (now() - g * interval '2 seconds') AS at,
                CASE WHEN wf.approval AND g % 10 < 3 THEN 'pending_approval'
                     ELSE ($6::text[])[1 + (g / 3) % cardinality($6::text[])] END AS status
         FROM generate_series($1::int, $2::int) AS g
         JOIN seed_workflows wf ON wf.n = g % $3::int
       ),
       runs_in AS (
         INSERT INTO runs (id, workflow_id, workflow_identifier, revision_id,
                           entity_ref, requested_by, status, inputs,
                           created_at, updated_at, finished_at, event_count)
         SELECT gen_random_uuid()::text, id, identifier, revision_id,
                ($4::text[])[entity_i],
                ($7::text[])[1 + g % cardinality($7::text[])],
                status, '{"reason":"seeded"}', at, at,
                CASE WHEN status IN ('pending_approval', 'in_progress') THEN NULL ELSE at END,
                1
         FROM base
         RETURNING id, status, requested_by, entity_ref, created_at, workflow_id
       ),
       events_in AS (
         INSERT INTO run_events (run_id, sequence, type, actor, data, created_at)
         SELECT id, 1, 'triggered', requested_by, '{"revision":1}', created_at
         FROM runs_in
       ),
       approvers_in AS (
         INSERT INTO run_approvers (run_id, approver_ref)
         SELECT r.id, a.ref
         FROM runs_in r
         JOIN seed_workflows wf ON wf.id = r.workflow_id AND wf.approval
         CROSS JOIN LATERAL unnest(wf.approvers) AS a(ref)
       )
       INSERT INTO run_entity_owners (run_id, owner_ref)
       SELECT r.id, ($5::text[])[array_position($4::text[], r.entity_ref)]
       FROM runs_in r
       WHERE r.entity_ref IS NOT NULL`,
      [from, to, workflows, entities, owners, statuses, users],
    );
    options.onProgress?.(to);
  }
  await client.query('DROP TABLE seed_workflows');
  for (const table of [
    'runs',
    'run_events',
    'run_approvers',
    'run_entity_owners',
  ]) {
    await client.query(`ANALYZE ${table}`);
  }
}

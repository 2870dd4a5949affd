import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';

jest.setTimeout(60_000);

const migrationsDir = resolvePackagePath(
  '@backstage-self-service/plugin-self-service-backend',
  'migrations',
);

// SQLite's error class comes from a native module, outside Jest's realm, so
// match the error code rather than the class.
const uniqueViolation = {
  code: expect.stringMatching(/^(23505|SQLITE_CONSTRAINT_UNIQUE)$/),
};

async function migrateUpOnce(knex: Knex) {
  await knex.migrate.up({ directory: migrationsDir });
}

async function migrateDownOnce(knex: Knex) {
  await knex.migrate.down({ directory: migrationsDir });
}

describe('migrations', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    '20261123120000_init creates the tables and indexes and rolls back on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);

      await migrateUpOnce(knex);

      const now = new Date();
      await knex('workflows').insert({
        id: 'w1',
        identifier: 'restart',
        name: 'Restart',
        scope_type: 'global',
        latest_revision: 1,
        created_by: 'user:default/ada',
        created_at: now,
        updated_by: 'user:default/ada',
        updated_at: now,
      });
      await knex('workflow_revisions').insert({
        id: 'r1',
        workflow_id: 'w1',
        revision: 1,
        definition: '{}',
        created_by: 'user:default/ada',
        created_at: now,
      });
      await knex('runs').insert({
        id: 'run1',
        workflow_id: 'w1',
        workflow_identifier: 'restart',
        revision_id: 'r1',
        entity_ref: 'component:default/payments',
        requested_by: 'user:default/ada',
        status: 'pending_approval',
        inputs: '{}',
        created_at: now,
        updated_at: now,
      });
      await knex('run_approvers').insert({
        run_id: 'run1',
        approver_ref: 'group:default/platform',
      });
      await knex('run_entity_owners').insert({
        run_id: 'run1',
        owner_ref: 'group:default/payments-team',
      });
      await knex('run_events').insert({
        run_id: 'run1',
        sequence: 1,
        type: 'triggered',
        actor: 'user:default/ada',
        data: '{}',
        created_at: now,
      });

      // Unique constraints that the store relies on for correctness.
      await expect(
        knex('workflow_revisions').insert({
          id: 'r1b',
          workflow_id: 'w1',
          revision: 1,
          definition: '{}',
          created_by: 'user:default/ada',
          created_at: now,
        }),
      ).rejects.toMatchObject(uniqueViolation);
      await expect(
        knex('run_events').insert({
          run_id: 'run1',
          sequence: 1,
          type: 'message',
          data: '{}',
          created_at: now,
        }),
      ).rejects.toMatchObject(uniqueViolation);
      await expect(
        knex('workflows').insert({
          id: 'w2',
          identifier: 'restart',
          name: 'Duplicate',
          scope_type: 'global',
          latest_revision: 1,
          created_by: 'user:default/ada',
          created_at: now,
          updated_by: 'user:default/ada',
          updated_at: now,
        }),
      ).rejects.toMatchObject(uniqueViolation);

      await migrateDownOnce(knex);

      for (const table of [
        'workflows',
        'workflow_revisions',
        'runs',
        'run_approvers',
        'run_entity_owners',
        'run_events',
      ]) {
        await expect(knex.schema.hasTable(table)).resolves.toBe(false);
      }
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    '20261201120000_workflow_managed_by adds a nullable managed_by and rolls back, keeping workflows, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await migrateUpOnce(knex);
      const now = new Date();
      const workflow = {
        id: 'w1',
        identifier: 'restart',
        name: 'Restart',
        scope_type: 'global',
        latest_revision: 1,
        created_by: 'plugin:self-service',
        created_at: now,
        updated_by: 'plugin:self-service',
        updated_at: now,
      };
      await knex('workflows').insert(workflow);
      await knex('workflow_revisions').insert({
        id: 'r1',
        workflow_id: 'w1',
        revision: 1,
        definition: '{}',
        created_by: 'plugin:self-service',
        created_at: now,
      });

      await migrateUpOnce(knex);
      await expect(
        knex.schema.hasColumn('workflows', 'managed_by'),
      ).resolves.toBe(true);
      // Existing rows stay NULL; the plugin adopts them at start-up.
      await expect(
        knex('workflows').where({ id: 'w1' }).first('managed_by'),
      ).resolves.toEqual({ managed_by: null });
      await knex('workflows').insert({
        ...workflow,
        id: 'w2',
        identifier: 'freeze',
        managed_by: 'config',
      });

      await migrateDownOnce(knex);
      await expect(
        knex.schema.hasColumn('workflows', 'managed_by'),
      ).resolves.toBe(false);
      const identifiers = await knex('workflows')
        .orderBy('id')
        .pluck('identifier');
      expect(identifiers).toEqual(['restart', 'freeze']);
      await expect(
        knex('workflow_revisions').where({ workflow_id: 'w1' }).first('id'),
      ).resolves.toEqual({ id: 'r1' });
      // The identifier stays unique.
      await expect(
        knex('workflows').insert({ ...workflow, id: 'w3' }),
      ).rejects.toMatchObject(uniqueViolation);
      await knex.destroy();
    },
  );
  it.each(databases.eachSupportedId())(
    '20261201130000_run_callback_event_count counts what was posted to runs in progress, and rolls back keeping runs and events, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await migrateUpOnce(knex);
      await migrateUpOnce(knex);
      const now = new Date();
      await knex('workflows').insert({
        id: 'w1',
        identifier: 'provision',
        name: 'Provision',
        scope_type: 'global',
        latest_revision: 1,
        created_by: 'user:default/ada',
        created_at: now,
        updated_by: 'user:default/ada',
        updated_at: now,
      });
      await knex('workflow_revisions').insert({
        id: 'r1',
        workflow_id: 'w1',
        revision: 1,
        definition: '{}',
        created_by: 'user:default/ada',
        created_at: now,
      });
      const run = {
        workflow_id: 'w1',
        workflow_identifier: 'provision',
        revision_id: 'r1',
        requested_by: 'user:default/ada',
        inputs: '{}',
        created_at: now,
        updated_at: now,
      };
      const timeline = ['triggered', 'request_sent', 'message', 'link'];
      await knex('runs').insert([
        { ...run, id: 'busy', status: 'in_progress', event_count: 5 },
        { ...run, id: 'done', status: 'success', event_count: 5 },
        { ...run, id: 'quiet', status: 'in_progress', event_count: 2 },
      ]);
      await knex('run_events').insert(
        [
          ...['busy', 'done'].flatMap(runId =>
            [...timeline, 'message'].map((type, i) => ({
              run_id: runId,
              sequence: i + 1,
              type,
            })),
          ),
          ...timeline.slice(0, 2).map((type, i) => ({
            run_id: 'quiet',
            sequence: i + 1,
            type,
          })),
        ].map(event => ({ ...event, data: '{}', created_at: now })),
      );

      await migrateUpOnce(knex);
      const counts = await knex('runs')
        .orderBy('id')
        .select('id', 'callback_event_count');
      expect(counts.map(r => [r.id, Number(r.callback_event_count)])).toEqual([
        ['busy', 3],
        // Finished: it takes no more callbacks, so it is not counted.
        ['done', 0],
        ['quiet', 0],
      ]);
      await knex('runs').insert({ ...run, id: 'new', status: 'in_progress' });
      await expect(
        knex('runs').where('id', 'new').first('callback_event_count'),
      ).resolves.toEqual({ callback_event_count: 0 });

      await migrateDownOnce(knex);
      await expect(
        knex.schema.hasColumn('runs', 'callback_event_count'),
      ).resolves.toBe(false);
      await expect(knex('runs').orderBy('id').pluck('id')).resolves.toEqual([
        'busy',
        'done',
        'new',
        'quiet',
      ]);
      expect(
        Number((await knex('run_events').count({ n: '*' }).first())?.n),
      ).toBe(12);
      await knex.destroy();
    },
  );
  it.each(databases.eachSupportedId())(
    '20261203090000_workflow_list backfills the list columns of existing workflows, and rolls back keeping them, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      for (let i = 0; i < 4; i++) {
        await migrateUpOnce(knex);
      }
      const now = new Date();
      const row = {
        latest_revision: 2,
        created_by: 'user:default/ada',
        created_at: now,
        updated_by: 'user:default/ada',
        updated_at: now,
      };
      await knex('workflows').insert([
        {
          ...row,
          id: 'w1',
          identifier: 'restart',
          name: 'Restart',
          scope_type: 'entity',
        },
        {
          ...row,
          id: 'w2',
          identifier: 'broken',
          name: 'Broken',
          scope_type: 'global',
          latest_revision: 1,
        },
      ]);
      const revision = { created_by: 'user:default/ada', created_at: now };
      await knex('workflow_revisions').insert([
        {
          ...revision,
          id: 'r1',
          workflow_id: 'w1',
          revision: 1,
          definition: JSON.stringify({ scope: { type: 'global' } }),
        },
        {
          ...revision,
          id: 'r2',
          workflow_id: 'w1',
          revision: 2,
          definition: JSON.stringify({
            description: 'Rolling RESTART',
            scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
            access: { type: 'approval', approvers: [] },
          }),
        },
        {
          ...revision,
          id: 'r3',
          workflow_id: 'w2',
          revision: 1,
          definition: '{',
        },
      ]);

      await migrateUpOnce(knex);
      const columns = [
        'id',
        'scope_kinds',
        'scope_types',
        'access_type',
        'search_text',
      ];
      await expect(
        knex('workflows').orderBy('id').select(columns),
      ).resolves.toEqual([
        {
          id: 'w1',
          scope_kinds: '|component|',
          scope_types: '|service|',
          access_type: 'approval',
          search_text: 'restart\nrolling restart\nrestart',
        },
        {
          id: 'w2',
          scope_kinds: null,
          scope_types: null,
          access_type: 'everyone',
          search_text: 'broken\n\nbroken',
        },
      ]);

      await migrateDownOnce(knex);
      await expect(
        knex.schema.hasColumn('workflows', 'search_text'),
      ).resolves.toBe(false);
      await expect(
        knex('workflows').orderBy('id').pluck('id'),
      ).resolves.toEqual(['w1', 'w2']);
      await knex.destroy();
    },
  );
  it.each(databases.eachSupportedId())(
    '20261208120000_run_steps_version starts existing runs at version 0, and rolls back keeping them, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({ directory: migrationsDir });
      await migrateDownOnce(knex);
      const now = new Date();
      await knex('workflows').insert({
        id: 'w1',
        identifier: 'provision',
        name: 'Provision',
        scope_type: 'global',
        latest_revision: 1,
        created_by: 'user:default/ada',
        created_at: now,
        updated_by: 'user:default/ada',
        updated_at: now,
      });
      await knex('workflow_revisions').insert({
        id: 'r1',
        workflow_id: 'w1',
        revision: 1,
        definition: '{}',
        created_by: 'user:default/ada',
        created_at: now,
      });
      await knex('runs').insert({
        id: 'run1',
        workflow_id: 'w1',
        workflow_identifier: 'provision',
        revision_id: 'r1',
        requested_by: 'user:default/ada',
        status: 'in_progress',
        inputs: '{}',
        created_at: now,
        updated_at: now,
      });

      await migrateUpOnce(knex);
      await expect(
        knex('runs').where('id', 'run1').first('steps_version'),
      ).resolves.toEqual({ steps_version: 0 });

      await migrateDownOnce(knex);
      await expect(
        knex.schema.hasColumn('runs', 'steps_version'),
      ).resolves.toBe(false);
      await expect(knex('runs').pluck('id')).resolves.toEqual(['run1']);
      await knex.destroy();
    },
  );
});

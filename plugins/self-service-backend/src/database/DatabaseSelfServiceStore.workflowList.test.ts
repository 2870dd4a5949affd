import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import type {
  RequestWorkflowDefinition,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { DatabaseSelfServiceStore } from './DatabaseSelfServiceStore';
import type { WorkflowListQuery } from './SelfServiceStore';

jest.setTimeout(60_000);

function workflow(
  identifier: string,
  name: string,
  more: Partial<RequestWorkflowDefinition> = {},
): RequestWorkflowDefinition {
  return {
    identifier,
    name,
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    request: { method: 'POST', url: 'https://deploy.example.com/' },
    ...more,
  };
}

const restart = workflow('restart-service', 'Restart service', {
  description: 'Rolling restart of every pod',
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  access: { type: 'owners' },
});
const rollback = workflow('rollback', 'Roll back', {
  description: 'Back to the previous release_candidate, 100% safe',
  scope: { type: 'entity', kinds: ['component', 'Resource'] },
  access: { type: 'approval', approvers: ['group:default/platform-team'] },
});
const freeze = workflow('freeze-deploys', 'Freeze deployments', {
  access: { type: 'approval', approvers: ['group:default/platform-team'] },
});
const onboard = workflow('onboard', 'Onboard a team', {
  description: 'Creates the GROUP and its repositories',
});

describe('DatabaseSelfServiceStore workflow lists', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function createStore(
    databaseId: any,
    definitions: WorkflowDefinition[],
  ) {
    const knex = await databases.init(databaseId);
    const store = await DatabaseSelfServiceStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    for (const definition of definitions) {
      await store.createWorkflow({ definition, actor: 'user:default/ada' });
    }
    return { knex, store };
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    const all = [restart, rollback, freeze, onboard];

    async function identifiers(
      store: DatabaseSelfServiceStore,
      query: Partial<WorkflowListQuery>,
    ) {
      const page = await store.listWorkflowPage({ limit: 24, ...query });
      return {
        identifiers: page.items.map(w => w.identifier),
        totalCount: page.totalCount,
      };
    }

    it('pages by name with a stable cursor, counting every match', async () => {
      const { store } = await createStore(databaseId, all);
      const first = await store.listWorkflowPage({ limit: 3 });
      expect(first.items.map(w => w.name)).toEqual([
        'Freeze deployments',
        'Onboard a team',
        'Restart service',
      ]);
      expect(first.totalCount).toBe(4);
      expect(first.nextCursor).toEqual(expect.any(String));
      // Whole definitions of the page only, as the router needs them.
      expect(first.items[2]).toMatchObject(restart);

      // A workflow published meanwhile before the cursor does not shift the
      // next page.
      await store.createWorkflow({
        definition: workflow('audit', 'Audit'),
        actor: 'user:default/ada',
      });
      const second = await store.listWorkflowPage({
        limit: 3,
        cursor: first.nextCursor,
      });
      expect(second.items.map(w => w.name)).toEqual(['Roll back']);
      expect(second.nextCursor).toBeUndefined();
      expect(second.totalCount).toBe(5);
    });

    it('orders workflows of the same name by id, across pages', async () => {
      const twins = ['a', 'b', 'c', 'd', 'e'].map(s =>
        workflow(`twin-${s}`, 'Twin'),
      );
      const { store } = await createStore(databaseId, twins);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listWorkflowPage({ limit: 2, cursor });
        seen.push(...page.items.map(w => w.id));
        cursor = page.nextCursor;
      } while (cursor);
      const ids = (await store.listWorkflows()).map(w => w.id).sort();
      expect(seen).toEqual(ids);
    });

    it('searches every word in name, description and identifier, case-insensitively', async () => {
      const { store } = await createStore(databaseId, all);
      await expect(identifiers(store, { search: 'RESTART' })).resolves.toEqual({
        identifiers: ['restart-service'],
        totalCount: 1,
      });
      await expect(
        identifiers(store, { search: '  roll   pod ' }),
      ).resolves.toEqual({ identifiers: ['restart-service'], totalCount: 1 });
      await expect(identifiers(store, { search: 'group' })).resolves.toEqual({
        identifiers: ['onboard'],
        totalCount: 1,
      });
      await expect(
        identifiers(store, { search: 'freeze-deploys' }),
      ).resolves.toEqual({ identifiers: ['freeze-deploys'], totalCount: 1 });
      // LIKE wildcards are matched literally.
      await expect(identifiers(store, { search: '100%' })).resolves.toEqual({
        identifiers: ['rollback'],
        totalCount: 1,
      });
      await expect(identifiers(store, { search: 'e_c' })).resolves.toEqual({
        identifiers: ['rollback'],
        totalCount: 1,
      });
      await expect(identifiers(store, { search: '%' })).resolves.toEqual({
        identifiers: ['rollback'],
        totalCount: 1,
      });
      await expect(
        identifiers(store, { search: 'restart nothing' }),
      ).resolves.toEqual({ identifiers: [], totalCount: 0 });
    });

    it('filters by scope, approval and the entity a workflow applies to', async () => {
      const { store } = await createStore(databaseId, all);
      await expect(identifiers(store, { scope: 'entity' })).resolves.toEqual({
        identifiers: ['restart-service', 'rollback'],
        totalCount: 2,
      });
      await expect(identifiers(store, { scope: 'global' })).resolves.toEqual({
        identifiers: ['freeze-deploys', 'onboard'],
        totalCount: 2,
      });
      await expect(identifiers(store, { approval: true })).resolves.toEqual({
        identifiers: ['freeze-deploys', 'rollback'],
        totalCount: 2,
      });
      await expect(
        identifiers(store, {
          appliesTo: { kind: 'Component', type: 'service' },
        }),
      ).resolves.toEqual({
        identifiers: [
          'freeze-deploys',
          'onboard',
          'restart-service',
          'rollback',
        ],
        totalCount: 4,
      });
      await expect(
        identifiers(store, {
          appliesTo: { kind: 'component', type: 'Website' },
        }),
      ).resolves.toEqual({
        identifiers: ['freeze-deploys', 'onboard', 'rollback'],
        totalCount: 3,
      });
      await expect(
        identifiers(store, { appliesTo: { kind: 'Resource' } }),
      ).resolves.toEqual({
        identifiers: ['freeze-deploys', 'onboard', 'rollback'],
        totalCount: 3,
      });
      await expect(
        identifiers(store, { appliesTo: { kind: 'Comp' } }),
      ).resolves.toEqual({
        identifiers: ['freeze-deploys', 'onboard'],
        totalCount: 2,
      });
      await expect(
        identifiers(store, {
          scope: 'entity',
          approval: true,
          search: 'back',
          appliesTo: { kind: 'Resource', type: 'database' },
        }),
      ).resolves.toEqual({ identifiers: ['rollback'], totalCount: 1 });
    });

    it('counts only what the policy filter lets through', async () => {
      const { store } = await createStore(databaseId, all);
      await expect(
        identifiers(store, {
          filter: { property: 'scopeType', values: ['global'] },
          limit: 1,
        }),
      ).resolves.toEqual({ identifiers: ['freeze-deploys'], totalCount: 2 });
      await expect(
        identifiers(store, { filter: { anyOf: [] } }),
      ).resolves.toEqual({ identifiers: [], totalCount: 0 });
    });

    it('keeps the list columns in line with edits, and leaves deleted workflows out', async () => {
      const { store } = await createStore(databaseId, all);
      await store.updateWorkflow({
        identifier: 'onboard',
        definition: {
          ...onboard,
          name: 'Zebra onboarding',
          scope: { type: 'entity', kinds: ['Group'] },
          access: { type: 'approval', approvers: ['user:default/ada'] },
        },
        actor: 'user:default/ada',
      });
      await store.deleteWorkflow({
        identifier: 'freeze-deploys',
        actor: 'user:default/ada',
      });
      await expect(identifiers(store, { approval: true })).resolves.toEqual({
        identifiers: ['rollback', 'onboard'],
        totalCount: 2,
      });
      await expect(
        identifiers(store, { search: 'zebra', appliesTo: { kind: 'group' } }),
      ).resolves.toEqual({ identifiers: ['onboard'], totalCount: 1 });
    });

    it('refuses a cursor it did not hand out, naming the parameter', async () => {
      const { store } = await createStore(databaseId, all);
      await expect(
        store.listWorkflowPage({ limit: 2, cursor: 'not-a-cursor' }),
      ).rejects.toThrow(
        new InputError('cursor: not a cursor returned by this API'),
      );
    });
  });
});

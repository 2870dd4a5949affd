import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import { DatabaseSelfServiceStore } from './DatabaseSelfServiceStore';
import { RunEntityStore } from './RunEntityStore';

jest.setTimeout(60_000);

const preview = (
  name: string,
  extra: Record<string, unknown> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name, namespace: 'default', ...extra },
  spec: { type: 'environment', owner: 'group:default/team-a' },
});

describe('RunEntityStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      // Creates the tables through the plugin's migrations.
      await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      return new RunEntityStore(knex);
    }

    it('creates an entity, then updates it from a run of the same workflow', async () => {
      const store = await setup();
      const created = await store.putEntity({
        runId: 'run-1',
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-1',
        entity: preview('preview-1'),
      });
      expect(created.action).toBe('created');
      expect(created.entity).toMatchObject({
        entityRef: 'resource:default/preview-1',
        createdByRunId: 'run-1',
        runId: 'run-1',
        workflowIdentifier: 'provision-preview',
      });

      const updated = await store.putEntity({
        runId: 'run-2',
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-1',
        entity: preview('preview-1', { title: 'Preview one' }),
      });
      expect(updated.action).toBe('updated');
      expect(updated.entity.createdByRunId).toBe('run-1');
      expect(updated.entity.runId).toBe('run-2');
      expect(updated.entity.entity.metadata.title).toBe('Preview one');

      expect(await store.listRunActions('run-1')).toEqual([
        expect.objectContaining({
          entityRef: 'resource:default/preview-1',
          action: 'created',
        }),
      ]);
      expect(
        (await store.listEntityActions('resource:default/preview-1')).map(a => [
          a.runId,
          a.action,
        ]),
      ).toEqual(
        expect.arrayContaining([
          ['run-1', 'created'],
          ['run-2', 'updated'],
        ]),
      );
    });

    it('refuses a run of another workflow changing or removing an entity, and leaves it as it was', async () => {
      const store = await setup();
      await store.putEntity({
        runId: 'run-1',
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-1',
        entity: preview('preview-1'),
      });
      await expect(
        store.putEntity({
          runId: 'run-9',
          workflowIdentifier: 'other-workflow',
          entityRef: 'resource:default/preview-1',
          entity: preview('preview-1', { title: 'Taken over' }),
        }),
      ).rejects.toThrow(ConflictError);
      await expect(
        store.removeEntity({
          runId: 'run-9',
          workflowIdentifier: 'other-workflow',
          entityRef: 'resource:default/preview-1',
        }),
      ).rejects.toThrow(/only its runs may remove it/);
      const stored = await store.getEntity('resource:default/preview-1');
      expect(stored?.entity.metadata.title).toBeUndefined();
      expect(stored?.removedAt).toBeUndefined();
      expect(await store.listRunActions('run-9')).toEqual([]);
    });

    it('removes an entity, and creates it anew afterwards', async () => {
      const store = await setup();
      await store.putEntity({
        runId: 'run-1',
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-1',
        entity: preview('preview-1'),
      });
      const removed = await store.removeEntity({
        runId: 'run-2',
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-1',
      });
      expect(removed?.removedAt).toEqual(expect.any(String));
      // Removing again finds nothing that stands.
      expect(
        await store.removeEntity({
          runId: 'run-2',
          workflowIdentifier: 'provision-preview',
          entityRef: 'resource:default/preview-1',
        }),
      ).toBeUndefined();

      // Once removed, any workflow's run may create it.
      const again = await store.putEntity({
        runId: 'run-3',
        workflowIdentifier: 'other-workflow',
        entityRef: 'resource:default/preview-1',
        entity: preview('preview-1'),
      });
      expect(again.action).toBe('created');
      expect(again.entity).toMatchObject({
        createdByRunId: 'run-3',
        workflowIdentifier: 'other-workflow',
      });
      expect(again.entity.removedAt).toBeUndefined();
    });

    it('feeds every standing entity, then what was added, changed and removed since', async () => {
      const store = await setup();
      for (const name of ['a', 'b']) {
        await store.putEntity({
          runId: 'run-1',
          workflowIdentifier: 'w',
          entityRef: `resource:default/${name}`,
          entity: preview(name),
        });
      }
      const first = await store.readFeed();
      expect(first.full).toBe(true);
      expect(first.entities.map(e => e.metadata.name)).toEqual(['a', 'b']);
      expect(first.removed).toEqual([]);

      await store.removeEntity({
        runId: 'run-2',
        workflowIdentifier: 'w',
        entityRef: 'resource:default/a',
      });
      await store.putEntity({
        runId: 'run-2',
        workflowIdentifier: 'w',
        entityRef: 'resource:default/c',
        entity: preview('c'),
      });
      const next = await store.readFeed(first.cursor);
      expect(next.full).toBe(false);
      expect(next.removed).toEqual(['resource:default/a']);
      expect(next.entities.map(e => e.metadata.name)).toEqual(
        expect.arrayContaining(['c']),
      );
      expect(next.entities.map(e => e.metadata.name)).not.toContain('a');

      // A full read no longer holds the removed one.
      const full = await store.readFeed();
      expect(full.entities.map(e => e.metadata.name)).toEqual(['b', 'c']);
      // A cursor this store did not give is read as no cursor.
      expect((await store.readFeed('garbage')).full).toBe(true);
    });

    it('lets one of many runs creating the same entity at once win', async () => {
      const store = await setup();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.putEntity({
            runId: `run-${i}`,
            workflowIdentifier: `w-${i}`,
            entityRef: 'resource:default/contested',
            entity: preview('contested'),
          }),
        ),
      );
      const won = results.filter(r => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const lost of results.filter(r => r.status === 'rejected')) {
        expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(
          ConflictError,
        );
      }
      const stored = await store.getEntity('resource:default/contested');
      const winner = (won[0] as PromiseFulfilledResult<any>).value;
      expect(stored?.createdByRunId).toBe(winner.entity.createdByRunId);
      expect(
        await store.listEntityActions('resource:default/contested'),
      ).toHaveLength(1);
    });
  });
});

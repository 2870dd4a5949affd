import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  as,
  eventually,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';
import { startExternalSystem } from './__testUtils__/startExternalSystem';

jest.setTimeout(60_000);

type Api = Awaited<ReturnType<typeof startSelfServiceBackend>>['api'];

const preview = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name, description: 'A preview environment' },
  spec: { type: 'preview-environment', ...spec },
});

describe('entities that runs create, end to end', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let external: Awaited<ReturnType<typeof startExternalSystem>>;

  beforeEach(async () => {
    external = await startExternalSystem();
  });

  afterEach(async () => {
    await external.close();
  });

  /** Grace's run of an event-driven workflow, and the token it carried. */
  async function startRun(api: Api, extra: Record<string, unknown> = {}) {
    const published = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({
        identifier: 'provision-preview',
        name: 'Provision preview environment',
        scope: { type: 'global' },
        execution: { type: 'event-driven' },
        access: { type: 'everyone' },
        parameters: [],
        request: {
          method: 'POST',
          url: `${external.baseUrl}/previews`,
          headers: { 'content-type': 'application/json' },
          body: '{"token": "{{run.token}}"}',
        },
        ...extra,
      });
    expect(published.status).toBe(201);
    const triggered = await api()
      .post('/api/self-service/workflows/provision-preview/runs')
      .set('authorization', as('grace'))
      .send({});
    expect(triggered.status).toBe(201);
    const dispatched = await eventually(
      async () => external.received[0],
      'the dispatch',
    );
    const runId: string = triggered.body.id;
    return { runId, bearer: `Bearer ${JSON.parse(dispatched.body).token}` };
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    const startBackend = async () =>
      startSelfServiceBackend({ database: await databases.init(databaseId) });

    it('creates, changes and removes an entity with the run token, and feeds the catalog', async () => {
      const { api, audits } = await startBackend();
      const { runId, bearer } = await startRun(api);
      const feed = (after?: string) =>
        api()
          .get('/api/self-service/catalog/entities')
          .query(after ? { after } : {})
          .set('authorization', mockCredentials.service.header());

      const created = await api()
        .post(`/api/self-service/runs/${runId}/entities`)
        .set('authorization', bearer)
        .send(preview('preview-grace'));
      expect(created.status).toBe(201);
      expect(created.body.action).toBe('created');
      expect(created.body.entityRef).toBe('resource:default/preview-grace');
      // Owned by the requester's group by default, annotated with the run.
      expect(created.body.entity.spec.owner).toBe(
        'group:default/payments-team',
      );
      expect(created.body.entity.metadata.annotations).toMatchObject({
        'self-service.backstage.io/run-id': runId,
        'self-service.backstage.io/workflow': 'provision-preview',
      });

      // The entity's runs: the one that created it, though none ran on it.
      const touching = await api()
        .get('/api/self-service/runs')
        .query({ touching: 'resource:default/preview-grace' })
        .set('authorization', as('grace'));
      expect(touching.body.items.map((r: any) => r.id)).toEqual([runId]);
      const onIt = await api()
        .get('/api/self-service/runs')
        .query({ entityRef: 'resource:default/preview-grace' })
        .set('authorization', as('grace'));
      expect(onIt.body.items).toEqual([]);

      const first = await feed();
      expect(first.status).toBe(200);
      expect(first.body.full).toBe(true);
      expect(first.body.entities.map((e: any) => e.metadata.name)).toEqual([
        'preview-grace',
      ]);

      const changed = await api()
        .post(`/api/self-service/runs/${runId}/entities`)
        .set('authorization', bearer)
        .send(
          preview('preview-grace', {
            owner: 'group:default/payments-team',
            lifecycle: 'x',
          }),
        );
      expect(changed.status).toBe(200);
      expect(changed.body.action).toBe('updated');

      const removed = await api()
        .delete(
          `/api/self-service/runs/${runId}/entities/resource/default/preview-grace`,
        )
        .set('authorization', bearer);
      expect(removed.status).toBe(204);
      const again = await api()
        .delete(
          `/api/self-service/runs/${runId}/entities/resource/default/preview-grace`,
        )
        .set('authorization', bearer);
      expect(again.status).toBe(404);

      const next = await feed(first.body.cursor);
      expect(next.body.full).toBe(false);
      expect(next.body.removed).toEqual(['resource:default/preview-grace']);

      const listed = await api()
        .get(`/api/self-service/runs/${runId}/entities`)
        .set('authorization', as('grace'));
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: any) => i.action).sort()).toEqual([
        'created',
        'removed',
        'updated',
      ]);
      expect(
        audits
          .filter(a => a.eventId.startsWith('run-entity-'))
          .map(a => [a.eventId, a.outcome]),
      ).toEqual([
        ['run-entity-write', 'success'],
        ['run-entity-write', 'success'],
        ['run-entity-remove', 'success'],
        ['run-entity-remove', 'fail'],
      ]);
    });

    it("lets a workflow's runs give entities any owner when it says so", async () => {
      const { api } = await startBackend();
      const { runId, bearer } = await startRun(api, {
        catalog: { anyOwner: true },
      });
      const created = await api()
        .post(`/api/self-service/runs/${runId}/entities`)
        .set('authorization', bearer)
        .send(preview('shared-env', { owner: 'group:default/platform-team' }));
      expect(created.status).toBe(201);
      expect(created.body.entity.spec.owner).toBe(
        'group:default/platform-team',
      );

      const invalid = await api()
        .post('/api/self-service/workflows')
        .set('authorization', as('ada'))
        .send({
          identifier: 'bad-catalog',
          name: 'Bad',
          scope: { type: 'global' },
          execution: { type: 'simple' },
          access: { type: 'everyone' },
          parameters: [],
          request: { method: 'POST', url: `${external.baseUrl}/x` },
          catalog: { anyOwner: 'yes' },
        });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.message).toMatch(
        /catalog\/anyOwner|catalog\.anyOwner/,
      );
    });

    it('refuses bad entities naming the field, takeovers with 409, and stores nothing', async () => {
      const { api } = await startBackend();
      const { runId, bearer } = await startRun(api);
      const post = (body: unknown, authorization = bearer) =>
        api()
          .post(`/api/self-service/runs/${runId}/entities`)
          .set('authorization', authorization)
          .send(body as object);

      const kind = await post({ ...preview('x'), kind: 'Group' });
      expect(kind.status).toBe(400);
      expect(kind.body.error.message).toMatch(
        /^kind: 'Group' may not be created/,
      );

      const owner = await post(
        preview('x', { owner: 'group:default/platform-team' }),
      );
      expect(owner.status).toBe(400);
      expect(owner.body.error.message).toMatch(/^spec\.owner: /);

      const malformed = await post(preview('Not A Name!'));
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toMatch(/^entity: .*metadata\.name/);

      // payments-api is in the catalog from elsewhere.
      const takeover = await post({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'payments-api' },
        spec: { type: 'service', lifecycle: 'production' },
      });
      expect(takeover.status).toBe(409);
      expect(takeover.body.error.message).toMatch(/not created by a run/);

      // Users cannot post entities, nor read the feed.
      expect((await post(preview('x'), as('grace'))).status).toBe(403);
      const feed = await api()
        .get('/api/self-service/catalog/entities')
        .set('authorization', as('ada'));
      expect(feed.status).toBe(403);

      const stored = await api()
        .get('/api/self-service/catalog/entities')
        .set('authorization', mockCredentials.service.header());
      expect(stored.body.entities).toEqual([]);

      // Once the run has ended, it posts no more entities.
      await api()
        .post(`/api/self-service/runs/${runId}/status`)
        .set('authorization', bearer)
        .send({ status: 'success' });
      const late = await post(preview('late'));
      expect(late.status).toBe(409);
      expect(late.body.error.message).toMatch(
        /entities are posted while it is in progress/,
      );
    });
  });
});

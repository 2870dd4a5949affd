import {
  as,
  eventually,
  denyingRunUpdate,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';
import { startExternalSystem } from './__testUtils__/startExternalSystem';

jest.setTimeout(60_000);

type Api = Awaited<ReturnType<typeof startSelfServiceBackend>>['api'];

describe('runs that expire, end to end', () => {
  let external: Awaited<ReturnType<typeof startExternalSystem>>;

  beforeEach(async () => {
    external = await startExternalSystem();
  });

  afterEach(async () => {
    await external.close();
  });

  const workflow = (body: Record<string, unknown>) => ({
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    ...body,
  });

  async function publishPair(api: Api) {
    const teardown = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(
        workflow({
          identifier: 'teardown-preview',
          name: 'Tear down preview environment',
          parameters: [
            {
              identifier: 'branch',
              name: 'Branch',
              type: 'string',
              required: true,
            },
          ],
          request: {
            method: 'POST',
            url: `${external.baseUrl}/teardown`,
            headers: { 'content-type': 'application/json' },
            body: '{"branch": "{{data.branch}}"}',
          },
        }),
      );
    expect(teardown.status).toBe(201);
    const provision = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(
        workflow({
          identifier: 'provision-preview',
          name: 'Provision preview environment',
          parameters: [
            {
              identifier: 'branch',
              name: 'Branch',
              type: 'string',
              required: true,
            },
            {
              identifier: 'ttl',
              name: 'Lifetime',
              type: 'string',
              required: false,
            },
          ],
          request: { method: 'POST', url: `${external.baseUrl}/provision` },
          lifecycle: {
            ttl: { default: 'PT2H', max: 'P5D', parameter: 'ttl' },
            teardown: {
              workflow: 'teardown-preview',
              inputs: { branch: '{{data.branch}}' },
            },
          },
        }),
      );
    expect(provision.status).toBe(201);
    expect(
      provision.body.definition?.lifecycle ?? provision.body.lifecycle,
    ).toBeDefined();
  }

  async function succeededRun(api: Api, inputs: Record<string, unknown>) {
    const triggered = await api()
      .post('/api/self-service/workflows/provision-preview/runs')
      .set('authorization', as('grace'))
      .send({ inputs });
    expect(triggered.status).toBe(201);
    return eventually(async () => {
      const res = await api()
        .get(`/api/self-service/runs/${triggered.body.id}`)
        .set('authorization', as('grace'));
      return res.body.run?.status === 'success' ? res.body.run : undefined;
    }, 'the run to succeed');
  }

  it('refuses a lifecycle whose teardown workflow is missing, and a TTL past max, naming the field', async () => {
    const { api } = await startSelfServiceBackend();
    const missing = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(
        workflow({
          identifier: 'orphan',
          name: 'Orphan',
          parameters: [],
          request: { method: 'POST', url: `${external.baseUrl}/x` },
          lifecycle: {
            ttl: { default: 'PT1H', max: 'P1D' },
            teardown: { workflow: 'no-such-workflow' },
          },
        }),
      );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(
      /^lifecycle\.teardown\.workflow: no workflow 'no-such-workflow'/,
    );

    await publishPair(api);
    const tooLong = await api()
      .post('/api/self-service/workflows/provision-preview/runs')
      .set('authorization', as('grace'))
      .send({ inputs: { branch: 'main', ttl: 'P6D' } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/^inputs\.ttl: 'P6D' is longer/);
  });

  it('extends a run as its requester up to max, and tears it down now, once', async () => {
    const { api, audits } = await startSelfServiceBackend({
      permissions: denyingRunUpdate(),
    });
    await publishPair(api);
    const run = await succeededRun(api, { branch: 'feature/a', ttl: 'PT1H' });
    const expiresAt = Date.parse(run.expiresAt);
    expect(expiresAt - Date.parse(run.finishedAt)).toBe(3600_000);

    const permissionOf = async (user: string) =>
      (
        await api()
          .get(`/api/self-service/runs/${run.id}`)
          .set('authorization', as(user))
      ).body.permissions.expiry;
    expect(await permissionOf('grace')).toEqual({
      allowed: true,
      latestExpiresAt: new Date(
        Date.parse(run.finishedAt) + 5 * 86400_000,
      ).toISOString(),
    });
    expect(await permissionOf('linus')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/^Only the run's requester/),
    });

    const extend = (user: string, by: unknown) =>
      api()
        .post(`/api/self-service/runs/${run.id}/extend`)
        .set('authorization', as(user))
        .send({ by });
    // Someone who is not the requester nor an owner of its entity.
    const stranger = await extend('linus', 'PT1H');
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toMatch(/Only the run's requester/);
    const extended = await extend('grace', 'P1D');
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.expiresAt)).toBe(expiresAt + 86400_000);
    const past = await extend('grace', 'P5D');
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/^by: extending by P5D/);
    // The OpenAPI validation names the field first.
    const garbage = await extend('grace', 5);
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.message).toMatch(/body\/by must be string/);
    const missing = await extend('grace', undefined);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^by: required/);

    const expiring = async () =>
      (
        await api()
          .get('/api/self-service/runs')
          .query({ expiring: true, mine: true })
          .set('authorization', as('grace'))
      ).body.items.map((r: any) => r.id);
    expect(await expiring()).toEqual([run.id]);

    const teardown = await api()
      .post(`/api/self-service/runs/${run.id}/teardown`)
      .set('authorization', as('grace'));
    expect(teardown.status).toBe(201);
    expect(teardown.body.tearsDownRunId).toBe(run.id);
    const again = await api()
      .post(`/api/self-service/runs/${run.id}/teardown`)
      .set('authorization', as('grace'));
    expect(again.status).toBe(409);
    expect(await expiring()).toEqual([]);
    expect(await permissionOf('grace')).toEqual({
      allowed: false,
      reason: 'The run is being torn down',
    });
    await eventually(
      async () => external.received.find(r => r.url === '/teardown'),
      'the teardown request',
    );
    expect(
      JSON.parse(external.received.find(r => r.url === '/teardown')!.body),
    ).toEqual({
      branch: 'feature/a',
    });
    expect(
      audits
        .filter(a => ['run-extend', 'run-teardown'].includes(a.eventId))
        .map(a => [a.eventId, a.outcome]),
    ).toEqual([
      ['run-extend', 'fail'],
      ['run-extend', 'success'],
      ['run-extend', 'fail'],
      ['run-extend', 'fail'],
      ['run-teardown', 'success'],
      ['run-teardown', 'fail'],
    ]);
  });
});

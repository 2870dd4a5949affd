import {
  as,
  eventually,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';
import {
  type ReceivedRequest,
  startExternalSystem,
} from './__testUtils__/startExternalSystem';

jest.setTimeout(60_000);

type Api = Awaited<ReturnType<typeof startSelfServiceBackend>>['api'];

/**
 * Workflows of steps through the real backend: the API saves them, a run
 * creates its steps, the delivery engine sends each step's request to a
 * real HTTP server on loopback, and event-driven steps report back with
 * their own tokens.
 */
describe('workflows of steps, end to end with a real external system', () => {
  let external: Awaited<ReturnType<typeof startExternalSystem>>;

  beforeEach(async () => {
    external = await startExternalSystem();
  });

  afterEach(async () => {
    await external.close();
  });

  /** Seed 003's environment, as a diamond: network → database and cluster → service. */
  function environment(base: string) {
    return {
      identifier: 'provision-environment',
      name: 'Provision environment',
      scope: { type: 'global' },
      access: { type: 'everyone' },
      parameters: [
        {
          identifier: 'env',
          name: 'Environment',
          type: 'string',
          required: true,
        },
      ],
      steps: [
        {
          id: 'network',
          name: 'Network',
          kind: 'request',
          dependsOn: [],
          execution: { type: 'simple' },
          request: {
            method: 'POST',
            url: `${base}/network`,
            body: '{"env": "{{data.env}}"}',
          },
          outputs: { vpcId: '/vpc/id' },
        },
        {
          id: 'database',
          name: 'Database',
          kind: 'request',
          dependsOn: ['network'],
          execution: { type: 'event-driven' },
          request: {
            method: 'POST',
            url: `${base}/database`,
            headers: { authorization: 'Bearer {{step.token}}' },
            body: '{"vpc": "{{steps.network.outputs.vpcId}}", "callback": "{{step.callbackUrl}}"}',
          },
          outputs: { host: '/host' },
        },
        {
          id: 'cluster',
          name: 'Cluster',
          kind: 'request',
          dependsOn: ['network'],
          execution: { type: 'simple' },
          request: {
            method: 'POST',
            url: `${base}/cluster`,
            body: '{"vpc": "{{steps.network.outputs.vpcId}}"}',
          },
          outputs: { name: '/cluster/name' },
        },
        {
          id: 'service',
          name: 'Service',
          kind: 'request',
          dependsOn: ['database', 'cluster'],
          execution: { type: 'simple' },
          request: {
            method: 'PUT',
            url: `${base}/services/{{steps.cluster.outputs.name}}`,
            body: '{"db": "{{steps.database.outputs.host}}", "vpc": "{{steps.network.outputs.vpcId}}"}',
          },
        },
      ],
    };
  }

  async function publish(api: Api, body: Record<string, unknown>) {
    return api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(body);
  }

  async function trigger(api: Api, identifier: string, inputs: object) {
    const res = await api()
      .post(`/api/self-service/workflows/${identifier}/runs`)
      .set('authorization', as('ada'))
      .send({ inputs });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function details(api: Api, runId: string) {
    return (
      await api()
        .get(`/api/self-service/runs/${runId}`)
        .set('authorization', as('ada'))
    ).body;
  }

  async function stepStatuses(api: Api, runId: string) {
    const body = await details(api, runId);
    return Object.fromEntries(
      (body.steps ?? []).map((s: { stepId: string; status: string }) => [
        s.stepId,
        s.status,
      ]),
    );
  }

  async function finished(api: Api, runId: string) {
    return eventually(async () => {
      const body = await details(api, runId);
      return ['success', 'failed', 'timed_out', 'canceled'].includes(
        body.run?.status,
      )
        ? body
        : undefined;
    }, `run ${runId} to finish`);
  }

  function received(path: string): ReceivedRequest | undefined {
    return external.received.find(r => r.url === path);
  }

  it('runs a diamond in dependency order, passing outputs on as typed values that never change a request', async () => {
    const { api } = await startSelfServiceBackend();
    // A hostile output: quotes, braces and a template in a value.
    const hostileVpc = 'vpc-1", "admin": true, "x": "{{secrets.DEPLOY_TOKEN}}';
    external.replyWith(req => {
      switch (req.url) {
        case '/network':
          return {
            status: 200,
            body: JSON.stringify({ vpc: { id: hostileVpc } }),
          };
        case '/cluster':
          return {
            status: 201,
            body: JSON.stringify({ cluster: { name: 'blue' } }),
          };
        default:
          return { status: 202, body: '{}' };
      }
    });
    expect((await publish(api, environment(external.baseUrl))).status).toBe(
      201,
    );

    const runId = await trigger(api, 'provision-environment', {
      env: 'staging',
    });

    // The database step is event-driven: it runs until its system reports.
    const databaseRequest = await eventually(
      async () => received('/database'),
      'the database request',
    );
    expect(received('/cluster')).toBeDefined();
    expect(received('/services/blue')).toBeUndefined();
    expect(await stepStatuses(api, runId)).toEqual({
      network: 'success',
      database: 'running',
      cluster: 'success',
      service: 'pending',
    });

    // Later requests get the output as one JSON string: the structure of
    // their bodies is the template's, whatever the value holds.
    expect(JSON.parse(received('/cluster')!.body)).toEqual({ vpc: hostileVpc });
    const databaseBody = JSON.parse(databaseRequest.body);
    expect(databaseBody.vpc).toBe(hostileVpc);
    expect(databaseBody.callback).toMatch(
      new RegExp(`/api/self-service/runs/${runId}/steps/database$`),
    );
    expect(databaseRequest.body).not.toContain('deploy-token-0123456789');

    const stepToken = /^Bearer (\S+)$/.exec(
      String(databaseRequest.headers.authorization),
    )![1];

    // The step's token reports on its step only.
    const elsewhere = await api()
      .post(`/api/self-service/runs/${runId}/steps/network/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success' });
    expect(elsewhere.status).toBe(401);
    const onTheRun = await api()
      .post(`/api/self-service/runs/${runId}/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success' });
    expect(onTheRun.status).toBe(401);

    // Outputs are checked against what the step declares.
    const undeclared = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({
        status: 'success',
        outputs: { host: 'db.internal', port: 5432 },
      });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error.message).toMatch(/^outputs\.port: /);
    const missing = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^outputs\.host: missing/);

    const message = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/messages`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ markdown: `Creating with ${stepToken}` });
    expect(message.status).toBe(201);
    expect(message.body).toMatchObject({
      type: 'message',
      stepId: 'database',
      data: { markdown: 'Creating with [REDACTED]' },
    });

    const reported = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success', outputs: { host: 'db-7.internal' } });
    expect(reported.status).toBe(200);
    expect(reported.body).toMatchObject({
      stepId: 'database',
      status: 'success',
      outputs: { host: 'db-7.internal' },
    });

    const done = await finished(api, runId);
    expect(done.run.status).toBe('success');
    const service = received('/services/blue')!;
    expect(service.method).toBe('PUT');
    expect(JSON.parse(service.body)).toEqual({
      db: 'db-7.internal',
      vpc: hostileVpc,
    });
    expect(
      Object.fromEntries(
        done.steps.map(
          (s: { stepId: string; status: string; outputs: object }) => [
            s.stepId,
            [s.status, s.outputs],
          ],
        ),
      ),
    ).toEqual({
      network: ['success', { vpcId: hostileVpc }],
      database: ['success', { host: 'db-7.internal' }],
      cluster: ['success', { name: 'blue' }],
      service: ['success', {}],
    });
    // Every step's request went out once, each with its own webhook-id.
    const ids = external.received.map(r => r.headers['webhook-id']);
    expect(external.received).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);

    // A second report is refused: the step ended.
    const again = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'failed' });
    expect(again.status).toBe(409);
  });

  it('fails the run when a step fails: steps not started are skipped, running ones finish', async () => {
    const { api } = await startSelfServiceBackend();
    external.replyWith(req => {
      switch (req.url) {
        case '/network':
          return { status: 200, body: '{"vpc": {"id": "vpc-2"}}' };
        case '/cluster':
          return { status: 500, body: '{"error": "quota exceeded"}' };
        default:
          return { status: 202, body: '{}' };
      }
    });
    await publish(api, environment(external.baseUrl));
    const runId = await trigger(api, 'provision-environment', { env: 'prod' });

    const databaseRequest = await eventually(
      async () => received('/database'),
      'the database request',
    );
    await eventually(async () => {
      const statuses = await stepStatuses(api, runId);
      return statuses.cluster === 'failed' ? statuses : undefined;
    }, 'the cluster step to fail');
    expect(await stepStatuses(api, runId)).toEqual({
      network: 'success',
      database: 'running',
      cluster: 'failed',
      service: 'skipped',
    });
    expect((await details(api, runId)).run.status).toBe('in_progress');

    const stepToken = /^Bearer (\S+)$/.exec(
      String(databaseRequest.headers.authorization),
    )![1];
    const reported = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success', outputs: { host: 'db-8.internal' } });
    expect(reported.status).toBe(200);

    const done = await finished(api, runId);
    expect(done.run.status).toBe('failed');
    expect(received('/services/blue')).toBeUndefined();
    const skipped = done.steps.find(
      (s: { stepId: string }) => s.stepId === 'service',
    );
    expect(skipped.message).toBe("Not started: step 'cluster' failed");
    const end = done.events.filter(
      (e: { type: string; stepId?: string }) =>
        e.type === 'status_changed' && e.stepId === undefined,
    );
    expect(end[end.length - 1].data).toEqual({
      from: 'in_progress',
      to: 'failed',
      message: "Step 'cluster' failed",
    });
  });

  it('refuses a cycle, an unknown dependency and a step that is not upstream when saving, naming the field', async () => {
    const { api } = await startSelfServiceBackend();
    const base = environment(external.baseUrl);

    const cycle = await publish(api, {
      ...base,
      steps: base.steps.map(step =>
        step.id === 'network' ? { ...step, dependsOn: ['service'] } : step,
      ),
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toMatch(/^steps\[\d\]\.dependsOn: .*→.*→/);

    const unknown = await publish(api, {
      ...base,
      steps: base.steps.map(step =>
        step.id === 'service'
          ? { ...step, dependsOn: ['cluster', 'dns'] }
          : step,
      ),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^steps\[3\]\.dependsOn/);

    const notUpstream = await publish(api, {
      ...base,
      steps: base.steps.map(step =>
        step.id === 'cluster'
          ? {
              ...step,
              request: {
                ...step.request,
                body: '{"db": "{{steps.database.outputs.host}}"}',
              },
            }
          : step,
      ),
    });
    expect(notUpstream.status).toBe(400);
    expect(notUpstream.body.error.message).toMatch(
      /^steps\[2\]\.request\.body/,
    );

    const both = await publish(api, {
      ...base,
      request: { method: 'POST', url: `${external.baseUrl}/x` },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/^request: /);

    // Nothing was stored.
    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('ada'));
    expect(list.body.items).toEqual([]);
  });

  it('lists a workflow of steps with its step count and no execution', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, environment(external.baseUrl));
    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].stepCount).toBe(4);
    expect(list.body.items[0].execution).toBeUndefined();
    expect(JSON.stringify(list.body.items[0])).not.toContain(external.baseUrl);
  });
});

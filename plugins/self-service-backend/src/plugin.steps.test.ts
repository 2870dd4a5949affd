import { TestDatabases } from '@backstage/backend-test-utils';
import {
  as,
  eventually,
  denyingRunUpdate,
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
  // The paths that matter most also on PostgreSQL, where a step's end and
  // its dependents' start are one statement.
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
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

  it.each(databases.eachSupportedId())(
    'runs a diamond in dependency order, passing outputs on as typed values that never change a request, on %s',
    async databaseId => {
      const { api } = await startSelfServiceBackend({
        database: await databases.init(databaseId),
      });
      // A hostile output: quotes, braces and a template in a value.
      const hostileVpc =
        'vpc-1", "admin": true, "x": "{{secrets.DEPLOY_TOKEN}}';
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
      expect(JSON.parse(received('/cluster')!.body)).toEqual({
        vpc: hostileVpc,
      });
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
    },
  );

  it.each(databases.eachSupportedId())(
    'fails a step whose request an upstream output cannot be rendered into, naming the field, on %s',
    async databaseId => {
      const { api } = await startSelfServiceBackend({
        database: await databases.init(databaseId),
      });
      external.replyWith(req =>
        req.url === '/network'
          ? // A line break would start a header of the system's choosing.
            { status: 200, body: '{"vpc": {"id": "vpc-3\\r\\nx-admin: true"}}' }
          : { status: 202, body: '{}' },
      );
      const definition = environment(external.baseUrl);
      // Every other step ends on its own, so that the run ends.
      Object.assign(definition.steps.find(s => s.id === 'database')!, {
        execution: { type: 'simple' },
      });
      const cluster = definition.steps.find(s => s.id === 'cluster')!;
      Object.assign(cluster.request, {
        headers: { 'x-vpc': '{{steps.network.outputs.vpcId}}' },
      });
      expect((await publish(api, definition)).status).toBe(201);

      const runId = await trigger(api, 'provision-environment', {
        env: 'staging',
      });

      const done = await finished(api, runId);
      expect(done.run.status).toBe('failed');
      expect(external.received.map(r => r.url).sort()).toEqual([
        '/database',
        '/network',
      ]);
      const sent = done.events.find(
        (e: { type: string; stepId?: string }) =>
          e.type === 'request_sent' && e.stepId === 'cluster',
      );
      expect(sent.data.error).toEqual({
        kind: 'invalid-request',
        message:
          'request.headers.x-vpc: the value may not contain line breaks or NUL characters',
      });
      expect(
        done.steps.find((s: { stepId: string }) => s.stepId === 'cluster')
          .status,
      ).toBe('failed');
    },
  );

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

  /** A build, a gate before production, a short wait, and the deploy. */
  function gated(base: string, gate: Record<string, unknown>) {
    return {
      identifier: 'ship',
      name: 'Ship',
      scope: { type: 'global' },
      access: { type: 'everyone' },
      parameters: [],
      steps: [
        {
          id: 'build',
          name: 'Build',
          kind: 'request',
          dependsOn: [],
          execution: { type: 'simple' },
          request: { method: 'POST', url: `${base}/build` },
          outputs: { image: '/image' },
        },
        {
          id: 'gate',
          name: 'Production gate',
          kind: 'approval',
          dependsOn: ['build'],
          ...gate,
        },
        {
          id: 'settle',
          name: 'Let it settle',
          kind: 'wait',
          dependsOn: ['gate'],
          seconds: 1,
        },
        {
          id: 'deploy',
          name: 'Deploy',
          kind: 'request',
          dependsOn: ['settle'],
          execution: { type: 'simple' },
          request: {
            method: 'POST',
            url: `${base}/deploy`,
            body: '{"image": "{{steps.build.outputs.image}}"}',
          },
        },
      ],
    };
  }

  async function decide(
    api: Api,
    runId: string,
    user: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ) {
    return api()
      .post(`/api/self-service/runs/${runId}/steps/gate/${decision}`)
      .set('authorization', as(user))
      .send(comment ? { comment } : {});
  }

  async function waitingAtGate(api: Api, runId: string) {
    return eventually(async () => {
      const statuses = await stepStatuses(api, runId);
      return statuses.gate === 'waiting_approval' ? statuses : undefined;
    }, 'the gate to wait for approval');
  }

  it('pauses at a gate, asks its approvers, and goes on through a wait once another approver approves', async () => {
    const { api, notifications } = await startSelfServiceBackend();
    external.replyWith(req =>
      req.url === '/build'
        ? { status: 200, body: '{"image": "shop:42"}' }
        : { status: 204 },
    );
    await publish(
      api,
      gated(external.baseUrl, {
        approvers: ['group:default/platform-team'],
        mode: 'any',
      }),
    );
    const runId = await trigger(api, 'ship', {});
    expect(await waitingAtGate(api, runId)).toEqual({
      build: 'success',
      gate: 'waiting_approval',
      settle: 'pending',
      deploy: 'pending',
    });
    const asked = await eventually(
      async () =>
        notifications.find(n =>
          n.payload.scope?.endsWith(`:step:gate:approval`),
        ),
      'the approvers to be asked',
    );
    expect(asked.recipients).toEqual({
      type: 'entity',
      entityRef: ['group:default/platform-team'],
      excludeEntityRef: 'user:default/ada',
    });
    expect(asked.payload.title).toBe(
      'Approval requested: Ship, Production gate',
    );
    const gateFor = async (user: string) =>
      (
        await api()
          .get(`/api/self-service/runs/${runId}`)
          .set('authorization', as(user))
      ).body.permissions.steps;
    expect(await gateFor('alan')).toEqual({ gate: { allowed: true } });
    expect(await gateFor('ada')).toEqual({
      gate: {
        allowed: false,
        reason:
          'You requested this run, so another approver has to approve this step',
      },
    });

    // The requester may not approve their own run's gate; someone the
    // gate does not list (who may see the run) may not decide it.
    const own = await decide(api, runId, 'ada', 'approve');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/another approver/);
    const stranger = await decide(api, runId, 'linus', 'approve');
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toBe(
      "Only the approvers of step 'Production gate' can decide it",
    );
    expect(received('/deploy')).toBeUndefined();

    const approved = await decide(api, runId, 'alan', 'approve', 'Go');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ stepId: 'gate', status: 'success' });
    expect((await decide(api, runId, 'alan', 'reject')).status).toBe(409);

    // The wait ends at the next sweep after its second, then the deploy goes.
    const done = await eventually(
      async () => {
        const body = await details(api, runId);
        return body.run.status === 'success' ? body : undefined;
      },
      'the run to succeed',
      20_000,
    );
    expect(JSON.parse(received('/deploy')!.body)).toEqual({ image: 'shop:42' });
    expect(
      done.events.find(
        (e: { type: string; stepId?: string }) =>
          e.type === 'approved' && e.stepId === 'gate',
      ),
    ).toMatchObject({ actor: 'user:default/alan', data: { comment: 'Go' } });
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
  });

  it('with mode all waits for every approver listed, and one rejection fails the run', async () => {
    const { api } = await startSelfServiceBackend();
    external.replyWith(() => ({ status: 200, body: '{"image": "shop:43"}' }));
    await publish(
      api,
      gated(external.baseUrl, {
        approvers: ['group:default/platform-team', 'user:default/grace'],
        mode: 'all',
      }),
    );

    const first = await trigger(api, 'ship', {});
    await waitingAtGate(api, first);
    expect((await decide(api, first, 'alan', 'approve')).body.status).toBe(
      'waiting_approval',
    );
    // Ada's group already decided; Ada stands for nobody else on the gate.
    expect((await decide(api, first, 'ada', 'reject')).status).toBe(409);
    expect((await decide(api, first, 'grace', 'approve')).body.status).toBe(
      'success',
    );

    const second = await trigger(api, 'ship', {});
    await waitingAtGate(api, second);
    const rejected = await decide(api, second, 'grace', 'reject', 'Not today');
    expect(rejected.body).toMatchObject({
      status: 'failed',
      message: 'Rejected by user:default/grace',
    });
    const done = await finished(api, second);
    expect(done.run.status).toBe('failed');
    expect(
      Object.fromEntries(
        done.steps.map((s: { stepId: string; status: string }) => [
          s.stepId,
          s.status,
        ]),
      ),
    ).toEqual({
      build: 'success',
      gate: 'failed',
      settle: 'skipped',
      deploy: 'skipped',
    });
  });

  function count(path: string): number {
    return external.received.filter(r => r.url === path).length;
  }

  it('cancels a run in progress, telling the event-driven step through its cancelRequest', async () => {
    const { api } = await startSelfServiceBackend();
    external.replyWith(req => {
      switch (req.url) {
        case '/network':
          return { status: 200, body: '{"vpc": {"id": "vpc-9"}}' };
        case '/cluster':
          return { status: 200, body: '{"cluster": {"name": "blue"}}' };
        default:
          return { status: 202, body: '{}' };
      }
    });
    const base = environment(external.baseUrl);
    await publish(api, {
      ...base,
      steps: base.steps.map(step =>
        step.id === 'database'
          ? {
              ...step,
              cancelRequest: {
                method: 'POST',
                url: `${external.baseUrl}/database/cancel`,
                body: '{"vpc": "{{steps.network.outputs.vpcId}}"}',
              },
            }
          : step,
      ),
    });
    const runId = await trigger(api, 'provision-environment', { env: 'dev' });
    const databaseRequest = await eventually(
      async () => received('/database'),
      'the database request',
    );
    await eventually(async () => {
      const statuses = await stepStatuses(api, runId);
      return statuses.cluster === 'success' ? statuses : undefined;
    }, 'the cluster step');
    expect((await details(api, runId)).permissions.cancel).toEqual({
      allowed: true,
    });

    const canceled = await api()
      .post(`/api/self-service/runs/${runId}/cancel`)
      .set('authorization', as('ada'));
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(await stepStatuses(api, runId)).toEqual({
      network: 'success',
      database: 'canceled',
      cluster: 'success',
      service: 'canceled',
    });
    const cancelRequest = await eventually(
      async () => received('/database/cancel'),
      'the cancel request',
    );
    expect(JSON.parse(cancelRequest.body)).toEqual({ vpc: 'vpc-9' });

    // What the step's system reports afterwards changes nothing.
    const stepToken = /^Bearer (\S+)$/.exec(
      String(databaseRequest.headers.authorization),
    )![1];
    const late = await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success', outputs: { host: 'db.internal' } });
    expect(late.status).toBe(409);
    const again = await api()
      .post(`/api/self-service/runs/${runId}/cancel`)
      .set('authorization', as('ada'));
    expect(again.status).toBe(409);
    expect((await details(api, runId)).run.status).toBe('canceled');
    expect(received('/services/blue')).toBeUndefined();
  });

  it('retries a failed run from its failed step: succeeded steps keep their outputs and are not sent again', async () => {
    const { api } = await startSelfServiceBackend();
    let clusterUp = false;
    external.replyWith(req => {
      switch (req.url) {
        case '/network':
          return { status: 200, body: '{"vpc": {"id": "vpc-3"}}' };
        case '/cluster':
          return clusterUp
            ? { status: 200, body: '{"cluster": {"name": "blue"}}' }
            : { status: 503, body: '{}' };
        default:
          return { status: 202, body: '{}' };
      }
    });
    await publish(api, environment(external.baseUrl));
    const runId = await trigger(api, 'provision-environment', { env: 'qa' });
    const databaseRequest = await eventually(
      async () => received('/database'),
      'the database request',
    );
    const stepToken = /^Bearer (\S+)$/.exec(
      String(databaseRequest.headers.authorization),
    )![1];
    await eventually(async () => {
      const statuses = await stepStatuses(api, runId);
      return statuses.cluster === 'failed' ? statuses : undefined;
    }, 'the cluster step to fail');
    await api()
      .post(`/api/self-service/runs/${runId}/steps/database/status`)
      .set('authorization', `Bearer ${stepToken}`)
      .send({ status: 'success', outputs: { host: 'db-3.internal' } });
    const failed = await finished(api, runId);
    expect(failed.run.status).toBe('failed');
    expect(failed.permissions.retry).toEqual({ allowed: true });
    expect(failed.permissions.cancel.allowed).toBe(false);

    clusterUp = true;
    const retried = await api()
      .post(`/api/self-service/runs/${runId}/retry`)
      .set('authorization', as('ada'));
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('in_progress');

    const done = await finished(api, runId);
    expect(done.run.status).toBe('success');
    expect(count('/network')).toBe(1);
    expect(count('/database')).toBe(1);
    expect(count('/cluster')).toBe(2);
    expect(count('/services/blue')).toBe(1);
    expect(JSON.parse(received('/services/blue')!.body)).toEqual({
      db: 'db-3.internal',
      vpc: 'vpc-3',
    });
    const again = await api()
      .post(`/api/self-service/runs/${runId}/retry`)
      .set('authorization', as('ada'));
    expect(again.status).toBe(409);
  });

  it('lets only the requester, approvers and whom the policy allows cancel; a run of one request too', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: denyingRunUpdate(),
    });
    external.replyWith(() => ({ status: 202, body: '{}' }));
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      scope: { type: 'global' },
      access: { type: 'everyone' },
      parameters: [],
      execution: { type: 'event-driven' },
      request: { method: 'POST', url: `${external.baseUrl}/pipelines` },
    });
    const runId = await trigger(api, 'provision-db', {});
    await eventually(async () => received('/pipelines'), 'the request');

    const byGrace = await api()
      .get(`/api/self-service/runs/${runId}`)
      .set('authorization', as('grace'));
    expect(byGrace.body.permissions.cancel).toEqual({
      allowed: false,
      reason:
        'Only the requester, the approvers and those allowed to update runs can cancel this run',
    });
    const refused = await api()
      .post(`/api/self-service/runs/${runId}/cancel`)
      .set('authorization', as('grace'));
    expect(refused.status).toBe(403);
    expect((await details(api, runId)).run.status).toBe('in_progress');

    const canceled = await api()
      .post(`/api/self-service/runs/${runId}/cancel`)
      .set('authorization', as('ada'));
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
  });

  it('re-runs with the same inputs as a new run that asks its gate again', async () => {
    const { api } = await startSelfServiceBackend();
    external.replyWith(() => ({ status: 200, body: '{"image": "shop:44"}' }));
    await publish(api, {
      ...gated(external.baseUrl, {
        approvers: ['group:default/platform-team'],
        mode: 'any',
      }),
      parameters: [
        {
          identifier: 'env',
          name: 'Environment',
          type: 'string',
          required: true,
        },
      ],
    });
    const first = await trigger(api, 'ship', { env: 'prod' });
    await waitingAtGate(api, first);
    await decide(api, first, 'alan', 'reject');
    expect((await finished(api, first)).run.status).toBe('failed');

    const rerun = await api()
      .post(`/api/self-service/runs/${first}/rerun`)
      .set('authorization', as('alan'));
    expect(rerun.status).toBe(201);
    expect(rerun.body.id).not.toBe(first);
    expect(rerun.body).toMatchObject({
      requestedBy: 'user:default/alan',
      inputs: { env: 'prod' },
      workflowIdentifier: 'ship',
    });
    expect(await waitingAtGate(api, rerun.body.id)).toEqual({
      build: 'success',
      gate: 'waiting_approval',
      settle: 'pending',
      deploy: 'pending',
    });

    // Once the workflow is deleted, there is nothing to run again.
    const deleted = await api()
      .delete('/api/self-service/workflows/ship')
      .set('authorization', as('ada'));
    expect(deleted.status).toBe(204);
    const gone = await api()
      .post(`/api/self-service/runs/${first}/rerun`)
      .set('authorization', as('alan'));
    expect(gone.status).toBe(404);
  });
});

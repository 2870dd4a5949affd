import {
  createBackendModule,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { selfServiceRunReadPermission } from '@backstage-self-service/plugin-self-service-common';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { selfServiceWorkflowsExtensionPoint } from '@backstage-self-service/plugin-self-service-node';
import {
  as,
  eventually,
  denyingRunUpdate,
  startSelfServiceBackend,
} from './__testUtils__/startSelfServiceBackend';
import { startExternalSystem } from './__testUtils__/startExternalSystem';

jest.setTimeout(60_000);

type Api = Awaited<ReturnType<typeof startSelfServiceBackend>>['api'];

describe('selfServicePlugin, end to end with a real external system', () => {
  let external: Awaited<ReturnType<typeof startExternalSystem>>;

  beforeEach(async () => {
    external = await startExternalSystem();
  });

  afterEach(async () => {
    await external.close();
  });

  async function publish(api: Api, body: Record<string, unknown>) {
    const res = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({
        scope: { type: 'global' },
        execution: { type: 'simple' },
        access: { type: 'everyone' },
        parameters: [],
        ...body,
      });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function trigger(
    api: Api,
    identifier: string,
    user: string,
    body: Record<string, unknown> = {},
  ) {
    return api()
      .post(`/api/self-service/workflows/${identifier}/runs`)
      .set('authorization', as(user))
      .send(body);
  }

  async function runDetails(api: Api, runId: string, user = 'ada') {
    const res = await api()
      .get(`/api/self-service/runs/${runId}`)
      .set('authorization', as(user));
    return res;
  }

  async function finished(api: Api, runId: string, user: string) {
    return eventually(async () => {
      const res = await runDetails(api, runId, user);
      return ['success', 'failed', 'timed_out'].includes(res.body.run?.status)
        ? res.body
        : undefined;
    }, `run ${runId} to finish`);
  }

  it('runs a simple entity workflow: renders the request, records it redacted, succeeds', async () => {
    const { api, notifications } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'restart-service',
      name: 'Restart service',
      scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
      access: { type: 'owners' },
      parameters: [
        {
          identifier: 'reason',
          name: 'Reason',
          type: 'string',
          required: true,
        },
        {
          identifier: 'replicas',
          name: 'Replicas',
          type: 'integer',
          required: false,
          default: 2,
        },
        {
          identifier: 'force',
          name: 'Force',
          type: 'boolean',
          required: false,
        },
      ],
      request: {
        method: 'POST',
        url: `${external.baseUrl}/services/{{entity.identifier}}/restart?run={{run.id}}`,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
          'x-requested-by': '{{user.ref}}',
        },
        body: JSON.stringify({
          workflow: '{{workflow.identifier}}',
          title: '{{entity.name}}',
          reason: '{{data.reason}}',
          replicas: '{{data.replicas}}',
          force: '{{data.force}}',
          callback: '{{run.callbackUrl}}',
        }),
      },
    });

    const triggered = await trigger(api, 'restart-service', 'grace', {
      entityRef: 'component:default/payments-api',
      inputs: { reason: 'leak "quoted" }', force: 'true' },
    });
    expect(triggered.status).toBe(201);
    const runId = triggered.body.id;
    const details = await finished(api, runId, 'grace');

    expect(details.run.status).toBe('success');
    const [sent] = external.received;
    expect(sent.url).toBe(`/services/payments-api/restart?run=${runId}`);
    expect(sent.headers.authorization).toBe('Bearer deploy-token-0123456789');
    expect(sent.headers['x-requested-by']).toBe('user:default/grace');
    expect(JSON.parse(sent.body)).toEqual({
      workflow: 'restart-service',
      title: 'Payments API',
      reason: 'leak "quoted" }',
      replicas: 2,
      force: true,
      callback: expect.stringMatching(
        new RegExp(`/api/self-service/runs/${runId}$`),
      ),
    });

    expect(details.events.map((e: any) => e.type)).toEqual([
      'triggered',
      'request_sent',
      'status_changed',
    ]);
    const record = details.events[1].data;
    expect(record.request.headers.authorization).toBe('[REDACTED]');
    expect(record.response.status).toBe(200);
    expect(JSON.stringify(details)).not.toContain('deploy-token-0123456789');
    expect(notifications).toContainEqual(
      expect.objectContaining({
        recipients: { type: 'entity', entityRef: 'user:default/grace' },
        payload: expect.objectContaining({
          title: 'Restart service succeeded',
          link: `/self-service/runs/${runId}`,
        }),
      }),
    );
  });

  it('fails a simple run on a non-2xx answer and on a timeout, saying why', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'toggle-flag',
      name: 'Toggle flag',
      request: { method: 'POST', url: `${external.baseUrl}/flags` },
    });

    external.replyWith(() => ({ status: 503, body: 'maintenance' }));
    const refused = await trigger(api, 'toggle-flag', 'grace');
    const refusedRun = await finished(api, refused.body.id, 'grace');
    expect(refusedRun.run.status).toBe('failed');
    expect(refusedRun.events[2].data.message).toMatch(/503/);
    expect(refusedRun.events[1].data.response.body).toBe('maintenance');

    external.replyWith(() => ({ status: 200, delayMs: 3000 }));
    const slow = await trigger(api, 'toggle-flag', 'grace');
    const slowRun = await finished(api, slow.body.id, 'grace');
    expect(slowRun.run.status).toBe('failed');
    expect(slowRun.events[1].data.error.kind).toBe('timeout');
  });

  it('never lets input break out of the URL path, query, headers or JSON body', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'deploy',
      name: 'Deploy',
      parameters: [
        {
          identifier: 'service',
          name: 'Service',
          type: 'string',
          required: true,
        },
        { identifier: 'note', name: 'Note', type: 'string', required: true },
      ],
      request: {
        method: 'POST',
        url: `${external.baseUrl}/deploy/{{data.service}}?note={{data.note}}`,
        headers: {
          'content-type': 'application/json',
          'x-note': '{{data.note}}',
        },
        body: '{"service": "{{data.service}}", "admin": false}',
      },
    });

    // Refused before anything is stored, naming the input to change.
    const traversal = await trigger(api, 'deploy', 'grace', {
      inputs: { service: '../admin', note: 'ok' },
    });
    expect(traversal.status).toBe(400);
    expect(traversal.body.error.message).toMatch(
      /^inputs\.service: this value cannot be sent in the workflow's request \(request\.url: .*"\.\."/,
    );

    const headerInjection = await trigger(api, 'deploy', 'grace', {
      inputs: { service: 'web', note: 'x\r\nx-admin: true' },
    });
    expect(headerInjection.status).toBe(400);
    expect(headerInjection.body.error.message).toMatch(/^inputs\.note: /);
    expect(external.received).toHaveLength(0);
    const stored = await api()
      .get('/api/self-service/runs?mine=true')
      .set('authorization', as('grace'));
    expect(stored.body.items).toEqual([]);

    const smuggled = await trigger(api, 'deploy', 'grace', {
      inputs: { service: 'web", "admin": true, "x": "', note: 'a&admin=true' },
    });
    await finished(api, smuggled.body.id, 'grace');
    const [sent] = external.received;
    expect(sent.url).toBe(
      '/deploy/web%22%2C%20%22admin%22%3A%20true%2C%20%22x%22%3A%20%22?note=a%26admin%3Dtrue',
    );
    expect(JSON.parse(sent.body)).toEqual({
      service: 'web", "admin": true, "x": "',
      admin: false,
    });
  });

  it('refuses at save time a JSON body that only text substitution could render, and literal credentials', async () => {
    const { api } = await startSelfServiceBackend();
    const base = {
      identifier: 'deploy',
      name: 'Deploy',
      scope: { type: 'global' },
      execution: { type: 'simple' },
      access: { type: 'everyone' },
      parameters: [{ identifier: 'service', name: 'Service', type: 'string' }],
    };
    const trailingComma = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({
        ...base,
        request: {
          method: 'POST',
          url: `${external.baseUrl}/deploy`,
          body: '{"service": "{{data.service}}", "admin": false,}',
        },
      });
    expect(trailingComma.status).toBe(400);
    expect(trailingComma.body.error.message).toMatch(
      /^request\.body: a JSON body must be valid JSON/,
    );

    const literalToken = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({
        ...base,
        request: {
          method: 'POST',
          url: `${external.baseUrl}/deploy`,
          headers: { Authorization: 'Bearer 0123456789abcdef' },
        },
      });
    expect(literalToken.status).toBe(400);
    expect(literalToken.body.error.message).toMatch(
      /^request\.headers\.Authorization: .*selfService\.secrets/,
    );

    // The optional parameter, given nothing, renders as "" and the body
    // keeps exactly its keys whatever a value holds.
    const published = await publish(api, {
      ...base,
      request: {
        method: 'POST',
        url: `${external.baseUrl}/deploy`,
        headers: { 'content-type': 'application/json' },
        body: '{"service": "{{data.service}}", "admin": false}',
      },
    });
    expect(published.identifier).toBe('deploy');
    const empty = (await trigger(api, 'deploy', 'grace')).body.id;
    await finished(api, empty, 'grace');
    const smuggled = (
      await trigger(api, 'deploy', 'grace', {
        inputs: { service: '", "admin": true, "x": "' },
      })
    ).body.id;
    await finished(api, smuggled, 'grace');
    expect(external.received.map(r => JSON.parse(r.body))).toEqual([
      { service: '', admin: false },
      { service: '", "admin": true, "x": "', admin: false },
    ]);
  });

  it('runs an event-driven workflow that reports back with its run token', async () => {
    const { api, notifications, signals } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: {
        method: 'POST',
        url: `${external.baseUrl}/pipelines`,
        headers: { 'content-type': 'application/json' },
        body: '{"run": "{{run.id}}", "token": "{{run.token}}", "callback": "{{run.callbackUrl}}"}',
      },
    });

    const triggered = await trigger(api, 'provision-db', 'grace');
    const runId = triggered.body.id;
    const dispatched = await eventually(
      async () => external.received[0],
      'the dispatch',
    );
    const { token } = JSON.parse(dispatched.body);
    await eventually(async () => {
      const res = await runDetails(api, runId, 'grace');
      return res.body.events.some((e: any) => e.type === 'request_sent')
        ? true
        : undefined;
    }, 'the request to be recorded');
    const bearer = `Bearer ${token}`;

    await api()
      .post(`/api/self-service/runs/${runId}/messages`)
      .set('authorization', bearer)
      .send({ markdown: 'Creating the **database**' })
      .expect(201);
    await api()
      .post(`/api/self-service/runs/${runId}/links`)
      .set('authorization', bearer)
      .send({ label: 'Pipeline', url: 'https://ci.example.com/jobs/42' })
      .expect(201);
    const done = await api()
      .post(`/api/self-service/runs/${runId}/status`)
      .set('authorization', bearer)
      .send({ status: 'success', message: 'Database ready' });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('success');

    const again = await api()
      .post(`/api/self-service/runs/${runId}/status`)
      .set('authorization', bearer)
      .send({ status: 'failed' });
    expect(again.status).toBe(409);
    const late = await api()
      .post(`/api/self-service/runs/${runId}/messages`)
      .set('authorization', bearer)
      .send({ markdown: 'too late' });
    expect(late.status).toBe(409);

    const details = (await runDetails(api, runId, 'grace')).body;
    expect(details.run.status).toBe('success');
    expect(details.events.map((e: any) => e.type)).toEqual([
      'triggered',
      'request_sent',
      'message',
      'link',
      'status_changed',
    ]);
    expect(details.events[2].data).toEqual({
      markdown: 'Creating the **database**',
    });
    expect(details.events[3].data).toEqual({
      label: 'Pipeline',
      url: 'https://ci.example.com/jobs/42',
    });
    expect(details.events[4].data).toMatchObject({
      to: 'success',
      message: 'Database ready',
    });
    expect(JSON.stringify(details)).not.toContain(token);
    expect(notifications.map(n => n.payload.title)).toContain(
      'Provision database succeeded',
    );
    const runSignals = signals
      .filter(s => (s.message as any).runId === runId)
      .map(s => (s.message as any).status);
    expect(runSignals[0]).toBe('in_progress');
    expect(runSignals[runSignals.length - 1]).toBe('success');
  });

  it('refuses callbacks with a missing, wrong or foreign token, or to a finished run', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: {
        method: 'POST',
        url: `${external.baseUrl}/pipelines`,
        body: '{{run.token}}',
      },
    });
    const first = (await trigger(api, 'provision-db', 'grace')).body.id;
    const second = (await trigger(api, 'provision-db', 'grace')).body.id;
    await eventually(
      async () => (external.received.length === 2 ? true : undefined),
      'both dispatches',
    );
    const tokens = external.received.map(r => r.body);
    const post = (runId: string, authorization: string) =>
      api()
        .post(`/api/self-service/runs/${runId}/messages`)
        .set('authorization', authorization)
        .send({ markdown: 'hello' });

    expect((await post(first, mockCredentials.none.header())).status).toBe(401);
    // Not a run token, so checked as a Backstage token: not one either.
    expect((await post(first, `Bearer ${'x'.repeat(43)}`)).status).toBe(401);
    const forged = await post(first, `Bearer ssrt_${'x'.repeat(43)}`);
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toBe(
      'The token is not the token of this run',
    );
    // One of the two tokens belongs to the other run.
    const statuses = await Promise.all(
      tokens.map(t => post(first, `Bearer ${t}`).then(r => r.status)),
    );
    expect(statuses.sort()).toEqual([201, 401]);

    const ownToken = tokens[statuses.indexOf(201)];
    await api()
      .post(`/api/self-service/runs/${first}/status`)
      .set('authorization', `Bearer ${ownToken}`)
      .send({ status: 'failed', message: 'disk full' })
      .expect(200);
    expect((await post(first, `Bearer ${ownToken}`)).status).toBe(409);
    const otherToken = tokens[statuses.indexOf(401)];
    expect((await post(second, `Bearer ${otherToken}`)).status).toBe(201);
  });

  it('accepts callbacks from Backstage service credentials allowed to update runs', async () => {
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          callbacks: { allowedServices: ['external:test-service'] },
        },
      },
    });
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: { method: 'POST', url: `${external.baseUrl}/pipelines` },
    });
    const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
    await eventually(async () => external.received[0], 'the dispatch');

    const res = await api()
      .post(`/api/self-service/runs/${runId}/messages`)
      .set('authorization', mockCredentials.service.header())
      .send({ markdown: 'from the CI system' });
    expect(res.status).toBe(201);
    expect(res.body.actor).toMatch(/^service:/);

    const bad = await api()
      .post(`/api/self-service/runs/${runId}/status`)
      .set('authorization', mockCredentials.service.header())
      .send({ status: 'done' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^status:/);
  });

  it("refuses a user's Backstage credentials on callbacks, even their own run's, and changes nothing", async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: { method: 'POST', url: `${external.baseUrl}/pipelines` },
    });
    const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
    await eventually(async () => {
      const res = await runDetails(api, runId, 'grace');
      return res.body.events.length === 2 ? true : undefined;
    }, 'the request to be recorded');

    for (const [callback, body] of [
      ['messages', { markdown: 'hello' }],
      ['links', { label: 'Job', url: 'https://ci.example.com/1' }],
      ['status', { status: 'success' }],
    ] as const) {
      for (const user of ['grace', 'ada']) {
        const res = await api()
          .post(`/api/self-service/runs/${runId}/${callback}`)
          .set('authorization', as(user))
          .send(body);
        expect({ callback, user, status: res.status }).toEqual({
          callback,
          user,
          status: 403,
        });
        expect(res.body.error.message).toBe(
          "Callbacks take the run's token or Backstage service credentials, not a user's credentials",
        );
      }
    }
    const details = (await runDetails(api, runId, 'grace')).body;
    expect(details.run.status).toBe('in_progress');
    expect(details.events.map((e: any) => e.type)).toEqual([
      'triggered',
      'request_sent',
    ]);
  });

  it('redacts the run token from what is posted with it, and refuses messages on a simple run', async () => {
    const { api } = await startSelfServiceBackend({
      config: {
        selfService: {
          callbacks: { allowedServices: ['external:test-service'] },
        },
      },
    });
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: {
        method: 'POST',
        url: `${external.baseUrl}/pipelines`,
        body: '{{run.token}}',
      },
    });
    const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
    const { body: token } = await eventually(
      async () => external.received[0],
      'the dispatch',
    );
    const posted = await api()
      .post(`/api/self-service/runs/${runId}/messages`)
      .set('authorization', `Bearer ${token}`)
      .send({ markdown: `Echoing my token: ${token}` });
    expect(posted.status).toBe(201);
    expect(posted.body.data).toEqual({
      markdown: 'Echoing my token: [REDACTED]',
    });

    // A simple run is in progress while its request is on its way.
    external.replyWith(() => ({ status: 200, delayMs: 1500 }));
    await publish(api, {
      identifier: 'toggle-flag',
      name: 'Toggle flag',
      request: { method: 'POST', url: `${external.baseUrl}/flags` },
    });
    const simple = (await trigger(api, 'toggle-flag', 'grace')).body.id;
    const refused = await api()
      .post(`/api/self-service/runs/${simple}/messages`)
      .set('authorization', mockCredentials.service.header())
      .send({ markdown: 'hello' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `Run ${simple} is of a simple workflow, which finishes with its HTTP response and takes no messages`,
    );
    const done = await finished(api, simple, 'grace');
    expect(done.events.map((e: any) => e.type)).toEqual([
      'triggered',
      'request_sent',
      'status_changed',
    ]);
  });

  it('answers 409 to messages and links past selfService.callbacks.maxEventsPerRun, and still takes the final status', async () => {
    const { api, audits } = await startSelfServiceBackend({
      config: { selfService: { callbacks: { maxEventsPerRun: 10 } } },
    });
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: {
        method: 'POST',
        url: `${external.baseUrl}/pipelines`,
        body: '{{run.token}}',
      },
    });
    const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
    const { body: token } = await eventually(
      async () => external.received[0],
      'the dispatch',
    );
    await eventually(async () => {
      const res = await runDetails(api, runId, 'grace');
      return res.body.events.some((e: any) => e.type === 'request_sent')
        ? true
        : undefined;
    }, 'the request to be recorded');
    const post = (callback: string, body: Record<string, unknown>) =>
      api()
        .post(`/api/self-service/runs/${runId}/${callback}`)
        .set('authorization', `Bearer ${token}`)
        .send(body);

    for (let i = 0; i < 9; i++) {
      await post('messages', { markdown: `step ${i}` }).expect(201);
    }
    await post('links', {
      label: 'Pipeline',
      url: 'https://ci.example.com/jobs/42',
    }).expect(201);

    const limit = `Run ${runId} has reached its limit of 10 messages and links (selfService.callbacks.maxEventsPerRun); post its final status instead`;
    for (const [callback, body] of [
      ['messages', { markdown: 'one more' }],
      ['links', { label: 'One more', url: 'https://ci.example.com/jobs/43' }],
    ] as const) {
      const refused = await post(callback, body);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        name: 'ConflictError',
        message: limit,
      });
    }
    expect(
      audits
        .filter(a => a.eventId === 'run-message' || a.eventId === 'run-link')
        .slice(-2)
        .map(a => [a.outcome, a.error]),
    ).toEqual([
      ['fail', limit],
      ['fail', limit],
    ]);

    const done = await post('status', { status: 'success' });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('success');
    const details = (await runDetails(api, runId, 'grace')).body;
    expect(details.events).toHaveLength(2 + 10 + 1);
    expect(details.events[12].data).toMatchObject({ to: 'success' });
  });

  it('refuses Backstage credentials the policy does not allow to update runs', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: denyingRunUpdate(),
      // Listed, so it is the policy that refuses.
      config: {
        selfService: {
          callbacks: { allowedServices: ['external:test-service'] },
        },
      },
    });
    await publish(api, {
      identifier: 'provision-db',
      name: 'Provision database',
      execution: { type: 'event-driven' },
      request: { method: 'POST', url: `${external.baseUrl}/pipelines` },
    });
    const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
    await eventually(async () => external.received[0], 'the dispatch');

    for (const authorization of [
      mockCredentials.service.header(),
      as('grace'),
    ]) {
      const res = await api()
        .post(`/api/self-service/runs/${runId}/status`)
        .set('authorization', authorization)
        .send({ status: 'success' });
      expect(res.status).toBe(403);
    }
    const details = (await runDetails(api, runId, 'grace')).body;
    expect(details.run.status).toBe('in_progress');
  });

  it('refuses service credentials on callbacks unless the service is listed in selfService.callbacks.allowedServices', async () => {
    const pluginHeader = (pluginId: string) =>
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
        targetPluginId: 'self-service',
      });
    for (const [allowedServices, header, expected] of [
      [
        undefined,
        mockCredentials.service.header(),
        "Service 'external:test-service' may not post to runs: no services are listed in selfService.callbacks.allowedServices, so callbacks take the run's token only",
      ],
      [
        undefined,
        pluginHeader('catalog'),
        "Service 'plugin:catalog' may not post to runs: no services are listed in selfService.callbacks.allowedServices, so callbacks take the run's token only",
      ],
      [
        ['plugin:ci-bridge'],
        mockCredentials.service.header(),
        "Service 'external:test-service' may not post to runs: it is not listed in selfService.callbacks.allowedServices",
      ],
      [['plugin:ci-bridge'], pluginHeader('ci-bridge'), undefined],
    ] as const) {
      const { api } = await startSelfServiceBackend({
        config: allowedServices
          ? {
              selfService: {
                callbacks: { allowedServices: [...allowedServices] },
              },
            }
          : {},
      });
      await publish(api, {
        identifier: 'provision-db',
        name: 'Provision database',
        execution: { type: 'event-driven' },
        request: { method: 'POST', url: `${external.baseUrl}/pipelines` },
      });
      const runId = (await trigger(api, 'provision-db', 'grace')).body.id;
      await eventually(async () => {
        const res = await runDetails(api, runId, 'grace');
        return res.body.events.length === 2 ? true : undefined;
      }, 'the request to be recorded');

      for (const [callback, body] of [
        ['messages', { markdown: 'hello' }],
        ['links', { label: 'Job', url: 'https://ci.example.com/1' }],
        ['status', { status: 'success' }],
      ] as const) {
        const res = await api()
          .post(`/api/self-service/runs/${runId}/${callback}`)
          .set('authorization', header)
          .send(body);
        expect({
          callback,
          status: res.status,
          message: res.body.error?.message,
        }).toEqual({
          callback,
          status: expected
            ? 403
            : { status: 200, messages: 201, links: 201 }[callback],
          message: expected,
        });
      }
      const details = (await runDetails(api, runId, 'grace')).body;
      expect(details.run.status).toBe(expected ? 'in_progress' : 'success');
      external.received.length = 0;
    }
  });

  it('audits writes without bodies, inputs or secrets', async () => {
    const { api, audits } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'rotate-credentials',
      name: 'Rotate credentials',
      execution: { type: 'event-driven' },
      access: { type: 'approval', approvers: ['group:default/platform-team'] },
      parameters: [
        { identifier: 'note', name: 'Note', type: 'string', required: true },
      ],
      request: {
        method: 'POST',
        url: `${external.baseUrl}/rotate`,
        headers: { authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}' },
        body: '{"note": "{{data.note}}", "token": "{{run.token}}"}',
      },
    });
    const runId = (
      await trigger(api, 'rotate-credentials', 'grace', {
        inputs: { note: 'input-that-must-not-be-audited' },
      })
    ).body.id;
    await api()
      .post(`/api/self-service/runs/${runId}/approve`)
      .set('authorization', as('alan'))
      .send({ comment: 'comment-that-must-not-be-audited' })
      .expect(200);
    const dispatched = await eventually(
      async () => external.received[0],
      'the dispatch',
    );
    const token = JSON.parse(dispatched.body).token;
    await api()
      .post(`/api/self-service/runs/${runId}/messages`)
      .set('authorization', `Bearer ${token}`)
      .send({ markdown: 'message-that-must-not-be-audited' })
      .expect(201);

    expect(audits).toEqual([
      {
        eventId: 'workflow-create',
        severityLevel: 'medium',
        meta: {},
        withRequest: true,
        outcome: 'success',
        outcomeMeta: { workflow: 'rotate-credentials' },
      },
      {
        eventId: 'run-trigger',
        severityLevel: 'medium',
        meta: { workflow: 'rotate-credentials' },
        withRequest: true,
        outcome: 'success',
        outcomeMeta: { runId, status: 'pending_approval' },
      },
      {
        eventId: 'run-approve',
        severityLevel: 'high',
        meta: { runId },
        withRequest: true,
        outcome: 'success',
        outcomeMeta: { status: 'in_progress' },
      },
      {
        eventId: 'run-message',
        severityLevel: 'medium',
        meta: { runId, authenticatedBy: 'run-token' },
        // A run token is not Backstage credentials: the meta names it.
        withRequest: false,
        outcome: 'success',
      },
    ]);
    const recorded = JSON.stringify(audits);
    for (const secret of [
      'deploy-token-0123456789',
      token,
      'must-not-be-audited',
      'Bearer',
    ]) {
      expect(recorded).not.toContain(secret);
    }
  });

  it('asks approvers, dispatches once on approval, and lets only one of many approvals win', async () => {
    const { api, notifications } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'rotate-credentials',
      name: 'Rotate credentials',
      scope: { type: 'entity', kinds: ['Resource'] },
      access: { type: 'approval', approvers: ['group:default/platform-team'] },
      request: {
        method: 'POST',
        url: `${external.baseUrl}/rotate/{{entity.identifier}}`,
      },
    });

    const triggered = await trigger(api, 'rotate-credentials', 'grace', {
      entityRef: 'resource:default/payments-db',
    });
    expect(triggered.status).toBe(201);
    expect(triggered.body.status).toBe('pending_approval');
    const runId = triggered.body.id;
    expect(notifications).toContainEqual(
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: ['group:default/platform-team'],
          excludeEntityRef: 'user:default/grace',
        },
        payload: expect.objectContaining({
          title: 'Approval requested: Rotate credentials',
          link: `/self-service/runs/${runId}`,
        }),
      }),
    );

    const pending = await api()
      .get('/api/self-service/runs')
      .query({ approvable: true })
      .set('authorization', as('alan'));
    expect(pending.body.items.map((r: any) => r.id)).toEqual([runId]);
    const asApprover = (await runDetails(api, runId, 'alan')).body;
    expect(asApprover.permissions.approve).toEqual({ allowed: true });
    const asRequester = (await runDetails(api, runId, 'grace')).body;
    expect(asRequester.permissions).toEqual({
      approve: {
        allowed: false,
        reason: 'Only the approvers of this run can decide',
      },
      redeliver: {
        allowed: false,
        reason:
          'Only failed or timed-out runs can be resent; this one is pending approval',
      },
      cancel: {
        allowed: false,
        reason:
          'Only a run in progress can be canceled; this one is pending approval',
      },
      retry: {
        allowed: false,
        reason:
          'Only a failed or timed-out run can be retried; this one is pending approval',
      },
      withdraw: true,
    });

    const byNonApprover = await api()
      .post(`/api/self-service/runs/${runId}/approve`)
      .set('authorization', as('margaret'))
      .send({});
    expect([403, 404]).toContain(byNonApprover.status);
    expect(external.received).toHaveLength(0);

    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api()
          .post(`/api/self-service/runs/${runId}/approve`)
          .set('authorization', as(i % 2 ? 'ada' : 'alan'))
          .send({ comment: `approval ${i}` }),
      ),
    );
    const codes = decisions.map(d => d.status);
    expect(codes.filter(c => c === 200)).toHaveLength(1);
    expect(codes.filter(c => c === 409)).toHaveLength(19);

    const details = await finished(api, runId, 'grace');
    expect(details.run.status).toBe('success');
    expect(external.received).toHaveLength(1);
    expect(external.received[0].url).toBe('/rotate/payments-db');
    expect(details.events.map((e: any) => e.type)).toEqual([
      'triggered',
      'approval_requested',
      'approved',
      'status_changed',
      'request_sent',
      'status_changed',
    ]);
  });

  it('refuses self-approval, records rejection with its comment, lets the requester withdraw', async () => {
    const { api, notifications } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'purge-cache',
      name: 'Purge cache',
      access: { type: 'approval', approvers: ['group:default/platform-team'] },
      request: { method: 'POST', url: `${external.baseUrl}/purge` },
    });

    const own = (await trigger(api, 'purge-cache', 'ada')).body.id;
    const approvable = async (user: string) =>
      (
        await api()
          .get('/api/self-service/runs')
          .query({ approvable: true })
          .set('authorization', as(user))
      ).body.items.map((r: any) => r.id);
    // Ada may not approve her own run, so it is not listed for her.
    expect(await approvable('ada')).toEqual([]);
    expect(await approvable('alan')).toEqual([own]);
    const selfApproval = await api()
      .post(`/api/self-service/runs/${own}/approve`)
      .set('authorization', as('ada'))
      .send({});
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.message).toMatch(/another approver/);

    const rejected = await api()
      .post(`/api/self-service/runs/${own}/reject`)
      .set('authorization', as('alan'))
      .send({ comment: 'Not during the freeze' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const details = (await runDetails(api, own, 'ada')).body;
    expect(
      details.events.find((e: any) => e.type === 'rejected'),
    ).toMatchObject({
      actor: 'user:default/alan',
      data: { comment: 'Not during the freeze' },
    });
    expect(notifications.map(n => n.payload.title)).toContain(
      'Purge cache was rejected',
    );
    const approveAfterReject = await api()
      .post(`/api/self-service/runs/${own}/approve`)
      .set('authorization', as('alan'))
      .send({});
    expect(approveAfterReject.status).toBe(409);

    const withdrawn = (await trigger(api, 'purge-cache', 'grace')).body.id;
    const byOther = await api()
      .post(`/api/self-service/runs/${withdrawn}/withdraw`)
      .set('authorization', as('alan'));
    expect(byOther.status).toBe(403);
    const byRequester = await api()
      .post(`/api/self-service/runs/${withdrawn}/withdraw`)
      .set('authorization', as('grace'));
    expect(byRequester.status).toBe(200);
    expect(byRequester.body.status).toBe('canceled');
    expect(external.received).toHaveLength(0);
  });

  it('enforces owners-only and selected access on the server', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'restart-service',
      name: 'Restart service',
      scope: { type: 'entity', kinds: ['Component'] },
      access: { type: 'owners' },
      request: { method: 'POST', url: `${external.baseUrl}/restart` },
    });
    await publish(api, {
      identifier: 'freeze',
      name: 'Freeze',
      access: { type: 'selected', members: ['user:default/linus'] },
      request: { method: 'POST', url: `${external.baseUrl}/freeze` },
    });

    const notOwner = await trigger(api, 'restart-service', 'linus', {
      entityRef: 'component:default/payments-api',
    });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error.message).toBe(
      'Only owners of this entity can run this workflow',
    );
    const owner = await trigger(api, 'restart-service', 'margaret', {
      entityRef: 'component:default/payments-api',
    });
    expect(owner.status).toBe(201);

    expect((await trigger(api, 'freeze', 'grace')).status).toBe(403);
    expect((await trigger(api, 'freeze', 'linus')).status).toBe(201);
  });

  it('names the field for bad trigger input and stores nothing', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, {
      identifier: 'scale',
      name: 'Scale',
      scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
      parameters: [
        {
          identifier: 'replicas',
          name: 'Replicas',
          type: 'integer',
          required: true,
        },
      ],
      request: { method: 'POST', url: `${external.baseUrl}/scale` },
    });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ inputs: { replicas: 2 } }, /^entityRef:/],
      [
        {
          entityRef: 'component:default/storefront-web',
          inputs: { replicas: 2 },
        },
        /^entityRef: .*service/,
      ],
      [
        { entityRef: 'component:default/nope', inputs: { replicas: 2 } },
        /^entityRef:/,
      ],
      [
        {
          entityRef: 'component:default/payments-api',
          inputs: { replicas: 'many' },
        },
        /^inputs\.replicas:/,
      ],
      [
        { entityRef: 'component:default/payments-api', inputs: {} },
        /^inputs\.replicas:/,
      ],
      [
        {
          entityRef: 'component:default/payments-api',
          inputs: { replicas: 2, extra: 1 },
        },
        /^inputs\.extra:/,
      ],
      [
        {
          entityRef: 'component:default/payments-api',
          inputs: { replicas: 2 },
          dryRun: true,
        },
        /^dryRun:/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await trigger(api, 'scale', 'grace', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.message).toMatch(message);
    }
    const runs = await api()
      .get('/api/self-service/runs')
      .set('authorization', as('grace'));
    expect(runs.body.items).toEqual([]);
  });

  it('shows a run to its requester, approvers and entity owners, and to whom the policy allows', async () => {
    const allowAll = mockServices.permissions();
    const denyRunRead: PermissionsService = {
      authorize: (requests, options) => allowAll.authorize(requests, options),
      authorizeConditional: (async (requests: any[]) =>
        requests.map(r => ({
          result:
            r.permission.name === selfServiceRunReadPermission.name
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        }))) as PermissionsService['authorizeConditional'],
    };
    for (const [permissions, outsiderSees] of [
      [denyRunRead, false],
      [undefined, true],
    ] as const) {
      const { api } = await startSelfServiceBackend({ permissions });
      await publish(api, {
        identifier: 'rotate-credentials',
        name: 'Rotate credentials',
        scope: { type: 'entity', kinds: ['Resource'] },
        access: {
          type: 'approval',
          approvers: ['group:default/platform-team'],
        },
        request: { method: 'POST', url: `${external.baseUrl}/rotate` },
      });
      const runId = (
        await trigger(api, 'rotate-credentials', 'linus', {
          entityRef: 'resource:default/payments-db',
        })
      ).body.id;

      for (const [user, sees] of [
        ['linus', true], // requester
        ['alan', true], // approver, through platform-team
        ['margaret', true], // owner of payments-db, through payments-team
      ] as const) {
        expect({
          user,
          status: (await runDetails(api, runId, user)).status,
        }).toEqual({ user, status: sees ? 200 : 404 });
      }
      const outsider = await api()
        .get(`/api/self-service/runs/${runId}`)
        .set('authorization', mockCredentials.user.header('user:default/bob'));
      expect(outsider.status).toBe(outsiderSees ? 200 : 404);
      const outsiderList = await api()
        .get('/api/self-service/runs')
        .set('authorization', mockCredentials.user.header('user:default/bob'));
      expect(outsiderList.body.items).toHaveLength(outsiderSees ? 1 : 0);
    }
  });
});

describe('workflows published from code', () => {
  it('stops start-up naming the workflow and field of an invalid one', async () => {
    const module = createBackendModule({
      pluginId: 'self-service',
      moduleId: 'bad-workflows',
      register(reg) {
        reg.registerInit({
          deps: { extension: selfServiceWorkflowsExtensionPoint },
          async init({ extension }) {
            extension.addWorkflows({
              identifier: 'rotate-keys',
              name: 'Rotate keys',
              scope: { type: 'global' },
              execution: { type: 'simple' },
              access: { type: 'everyone' },
              parameters: [],
              request: {
                method: 'POST',
                url: 'https://vault.example.com/rotate/{{data.key}}',
              },
            });
          },
        });
      },
    });
    await expect(
      startSelfServiceBackend({ features: [module] }),
    ).rejects.toThrow(
      "selfServiceWorkflowsExtensionPoint: workflow 'rotate-keys': request.url: unknown variable {{data.key}} (no parameter 'key')",
    );
  });

  it('creates them on start-up and lists them', async () => {
    const module = createBackendModule({
      pluginId: 'self-service',
      moduleId: 'test-workflows',
      register(reg) {
        reg.registerInit({
          deps: { extension: selfServiceWorkflowsExtensionPoint },
          async init({ extension }) {
            extension.addWorkflows({
              identifier: 'freeze-deploys',
              name: 'Freeze deployments',
              scope: { type: 'global' },
              execution: { type: 'simple' },
              access: { type: 'everyone' },
              parameters: [],
              request: {
                method: 'POST',
                url: 'https://deploy.example.com/freeze',
              },
            });
          },
        });
      },
    });
    const { api } = await startSelfServiceBackend({ features: [module] });
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    expect(res.body.items).toEqual([
      expect.objectContaining({
        identifier: 'freeze-deploys',
        revision: 1,
        managedBy: 'extension',
        runnable: { allowed: true },
      }),
    ]);
    const one = await api()
      .get('/api/self-service/workflows/freeze-deploys')
      .set('authorization', as('grace'));
    expect(one.body.createdBy).toBe('plugin:self-service');
  });
});

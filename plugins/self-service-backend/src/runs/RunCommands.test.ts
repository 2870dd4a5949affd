import type {
  AuditorService,
  AuditorServiceCreateEventOptions,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  Run,
  Workflow,
  RequestWorkflowDefinition,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../access/accessRules';
import type { RunServiceConfig } from '../config';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import type {
  DispatchAttempt,
  DispatchErrorKind,
  DispatchOptions,
  RenderedRequest,
  RequestDispatcher,
} from '../dispatch';
import { DatabaseDeliveryStore } from '../database/DatabaseDeliveryStore';
import { RunStepStore } from '../database/RunStepStore';
import { DeliveryWorker } from '../delivery/DeliveryWorker';
import { RunCommands } from './RunCommands';
import { RunDeadlineSweep } from './RunDeadlineSweep';
import type { RunNotifier } from './RunNotifier';

jest.setTimeout(60_000);

const SECRET = 's3cr3t-deploy-token';
const CALLBACK_BASE_URL = 'http://localhost:7007/api/self-service';

const config: RunServiceConfig = {
  secrets: { DEPLOY_TOKEN: SECRET },
  requestTimeoutMs: 30000,
  maxResponseBodyBytes: 65536,
  maxCallbackEventsPerRun: 500,
  signingKeys: new Map(),
};

// People and the teams they belong to, as the catalog resolves them.
const grace: Caller = {
  userEntityRef: 'user:default/grace',
  ownershipEntityRefs: ['user:default/grace', 'group:default/payments-team'],
};
const linus: Caller = {
  userEntityRef: 'user:default/linus',
  ownershipEntityRefs: ['user:default/linus', 'group:default/web-team'],
};
const ada: Caller = {
  userEntityRef: 'user:default/ada',
  ownershipEntityRefs: ['user:default/ada', 'group:default/platform-team'],
};
const margaret: Caller = {
  userEntityRef: 'user:default/margaret',
  ownershipEntityRefs: ['user:default/margaret', 'group:default/platform-team'],
};

function component(options: {
  name: string;
  title?: string;
  type: string;
  owner: string;
  kind?: string;
}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: options.kind ?? 'Component',
    metadata: {
      name: options.name,
      namespace: 'default',
      ...(options.title ? { title: options.title } : {}),
    },
    spec: { type: options.type, owner: options.owner, lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: options.owner }],
  };
}

const entities: Entity[] = [
  component({
    name: 'payments-api',
    title: 'Payments API',
    type: 'service',
    owner: 'group:default/payments-team',
  }),
  component({
    name: 'ledger-service',
    type: 'service',
    owner: 'group:default/payments-team',
  }),
  component({
    name: 'checkout-web',
    title: 'Checkout',
    type: 'website',
    owner: 'group:default/web-team',
  }),
  component({
    kind: 'API',
    name: 'payments-openapi',
    type: 'openapi',
    owner: 'group:default/payments-team',
  }),
];

// Entity-scoped, simple, open to everyone; uses every kind of variable.
const deployService: RequestWorkflowDefinition = {
  identifier: 'deploy-service',
  name: 'Deploy service',
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [
    { identifier: 'version', name: 'Version', type: 'string', required: true },
    {
      identifier: 'replicas',
      name: 'Replicas',
      type: 'integer',
      required: false,
      default: 2,
    },
  ],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/services/{{entity.identifier}}/deploy?run={{run.id}}',
    headers: {
      'content-type': 'application/json',
      'X-Requested-By': '{{user.ref}}',
    },
    body: '{"run":"{{run.id}}","workflow":"{{workflow.identifier}}","version":"{{data.version}}","replicas":{{data.replicas}},"entity":"{{entity.identifier}}","title":"{{entity.name}}","requestedBy":"{{user.ref}}","callback":"{{run.callbackUrl}}"}',
  },
};

// Global, simple, open to everyone, no inputs.
const freezeDeploys: RequestWorkflowDefinition = {
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://deploy.example.com/freeze' },
};

// Global, simple, carrying secrets in headers and body.
const syncSecrets: RequestWorkflowDefinition = {
  identifier: 'sync-secrets',
  name: 'Sync secrets',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/sync',
    headers: {
      Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
      'X-Api-Key': 'plain',
      'content-type': 'application/json',
    },
    body: '{"callbackUrl":"{{run.callbackUrl}}","callbackToken":"{{run.token}}","note":"deploying with {{secrets.DEPLOY_TOKEN}}"}',
  },
};

// Global, event-driven: an external system reports back.
const provisionEnvironment: RequestWorkflowDefinition = {
  identifier: 'provision-environment',
  name: 'Provision environment',
  scope: { type: 'global' },
  execution: { type: 'event-driven', timeoutSeconds: 60 },
  access: { type: 'everyone' },
  parameters: [],
  request: {
    method: 'POST',
    url: 'https://ci.example.com/dispatch',
    headers: { 'content-type': 'application/json' },
    body: '{"run":"{{run.id}}","callback":"{{run.callbackUrl}}","token":"{{run.token}}"}',
  },
};

// Global, simple, needs a platform-team approval.
const rotateCredentials: RequestWorkflowDefinition = {
  identifier: 'rotate-db-credentials',
  name: 'Rotate database credentials',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'approval', approvers: ['group:default/platform-team'] },
  parameters: [
    {
      identifier: 'database',
      name: 'Database',
      type: 'select',
      options: ['orders', 'ledger'],
      required: true,
    },
  ],
  request: {
    method: 'POST',
    url: 'https://vault.example.com/rotate/{{data.database}}',
    headers: { 'X-Requested-By': '{{user.ref}}' },
  },
};

type Reply = Pick<DispatchAttempt, 'response' | 'error'>;

function respond(
  status: number,
  statusText = status < 300 ? 'OK' : 'Internal Server Error',
  body = '',
  headers: Record<string, string> = {},
): Reply {
  return {
    response: { status, statusText, headers, body, bodyTruncated: false },
  };
}

function failWith(kind: DispatchErrorKind, message: string): Reply {
  return { error: { kind, message } };
}

/** A reply with its body cut to the limit, as HttpRequestDispatcher reads it. */
function limitBody(reply: Reply, maxBytes: number): Reply {
  if (!reply.response) {
    return reply;
  }
  const bytes = Buffer.from(reply.response.body, 'utf8');
  return bytes.length <= maxBytes
    ? reply
    : {
        ...reply,
        response: {
          ...reply.response,
          body: bytes.subarray(0, maxBytes).toString('utf8'),
          bodyTruncated: true,
        },
      };
}

/** Records what would have been sent and answers as told. */
class RecordingDispatcher implements RequestDispatcher {
  readonly requests: RenderedRequest[] = [];
  readonly options: DispatchOptions[] = [];
  reply: (request: RenderedRequest) => Reply = () => respond(200);
  /** When set, responses wait for it, like a slow target. */
  hold: Promise<void> | undefined;

  async dispatch(
    request: RenderedRequest,
    options: DispatchOptions,
  ): Promise<DispatchAttempt> {
    this.requests.push(request);
    this.options.push(options);
    // Let other work interleave, like a real network round trip.
    await new Promise(resolve => setImmediate(resolve));
    await this.hold;
    const result = limitBody(this.reply(request), options.maxResponseBodyBytes);
    const status = result.response?.status;
    return {
      startedAt: new Date().toISOString(),
      durationMs: 12,
      request: {
        method: request.method,
        url: request.url,
        headers: { ...request.headers },
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      ...result,
      outcome:
        status !== undefined && status >= 200 && status < 300 && !result.error
          ? 'success'
          : 'failure',
    };
  }
}

/** Records audit events and how they ended. */
class RecordingAuditor implements AuditorService {
  readonly events: Array<{
    options: AuditorServiceCreateEventOptions;
    outcome?: 'success' | 'fail';
    meta?: unknown;
  }> = [];

  async createEvent(options: AuditorServiceCreateEventOptions) {
    const event: RecordingAuditor['events'][number] = { options };
    this.events.push(event);
    return {
      success: async (result?: { meta?: unknown }) => {
        event.outcome = 'success';
        event.meta = result?.meta;
      },
      fail: async () => {
        event.outcome = 'fail';
      },
    };
  }
}

/** Records who would have been told what. */
class RecordingNotifier
  implements
    Pick<RunNotifier, 'approvalRequested' | 'runFinished' | 'runChanged'>
{
  readonly approvals: Array<{
    run: Run;
    workflowName: string;
    approvers: string[];
  }> = [];
  readonly finished: Array<{
    run: Run;
    workflowName: string;
    reason?: string;
  }> = [];
  readonly changed: Run[] = [];

  async approvalRequested(
    run: Run,
    workflow: Pick<Workflow, 'name' | 'access'>,
    approvers: string[],
  ): Promise<void> {
    this.approvals.push({ run, workflowName: workflow.name, approvers });
  }

  async runFinished(
    run: Run,
    workflowName: string,
    options?: { reason?: string },
  ): Promise<void> {
    this.finished.push({
      run,
      workflowName,
      ...(options?.reason ? { reason: options.reason } : {}),
    });
  }

  async runChanged(run: Run): Promise<void> {
    this.changed.push(run);
  }
}

describe('RunCommands with the delivery worker and the deadline sweep', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup(overrides: Partial<RunServiceConfig> = {}) {
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const dispatcher = new RecordingDispatcher();
      const notifier = new RecordingNotifier();
      const catalog = catalogServiceMock({ entities });
      const logger = mockServices.logger.mock();
      const auditor = new RecordingAuditor();
      const deliveries = new DatabaseDeliveryStore(knex);
      const steps = new RunStepStore(knex);
      const worker = new DeliveryWorker({
        store,
        deliveries,
        steps,
        dispatcher,
        notifier: notifier as unknown as RunNotifier,
        logger,
        config: { ...config, ...overrides },
        callbackBaseUrl: CALLBACK_BASE_URL,
        recordRetryDelaysMs: [1, 1, 1],
      });
      const commands = new RunCommands({
        store,
        deliveries,
        steps,
        worker,
        catalog,
        auth: mockServices.auth(),
        notifier: notifier as unknown as RunNotifier,
        logger,
        auditor,
        config: { ...config, ...overrides },
        callbackBaseUrl: CALLBACK_BASE_URL,
      });
      const sweep = new RunDeadlineSweep({
        store,
        notifier: notifier as unknown as RunNotifier,
        logger,
        auditor,
      });
      // The commands, with the worker's and the sweep's entry points.
      const service = Object.assign(commands, {
        settled: () => worker.settled(),
        timeOutOverdueRuns: (now?: Date) => sweep.timeOutOverdueRuns(now),
      });

      const publish = (definition: WorkflowDefinition) =>
        store.createWorkflow({ definition, actor: 'user:default/ada' });

      const trigger = (
        workflow: Workflow,
        caller: Caller,
        options: { entityRef?: string; inputs?: unknown } = {},
      ) =>
        service.trigger({
          workflow,
          caller,
          credentials: mockCredentials.user(caller.userEntityRef),
          entityRef: options.entityRef,
          inputs: options.inputs ?? {},
        });

      const statusOf = async (runId: string) =>
        (await store.getRun(runId))?.status;

      const eventTypes = async (runId: string) =>
        (await store.listRunEvents(runId)).map(e => e.type);

      const storedRuns = async () =>
        (await store.listRuns({ limit: 100 })).items;

      return {
        store,
        deliveries,
        worker,
        catalog,
        logger,
        auditor,
        dispatcher,
        notifier,
        service,
        publish,
        trigger,
        statusOf,
        eventTypes,
        storedRuns,
      };
    }

    describe('simple workflows', () => {
      it('succeeds on a 2xx response and records the timeline', async () => {
        const { store, dispatcher, notifier, service, publish, trigger } =
          await setup();
        const workflow = await publish(deployService);

        const run = await trigger(workflow, grace, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.4.2', replicas: '3' },
        });
        expect(run).toMatchObject({
          status: 'in_progress',
          workflowIdentifier: 'deploy-service',
          workflowRevision: 1,
          entityRef: 'component:default/payments-api',
          requestedBy: 'user:default/grace',
          inputs: { version: '1.4.2', replicas: 3 },
        });
        await service.settled();

        const stored = await store.getRun(run.id);
        expect(stored?.status).toBe('success');
        expect(stored?.finishedAt).toBeDefined();

        const expectedUrl = `https://deploy.example.com/services/payments-api/deploy?run=${run.id}`;
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => [e.sequence, e.type])).toEqual([
          [1, 'triggered'],
          [2, 'request_sent'],
          [3, 'status_changed'],
        ]);
        expect(events[0]).toMatchObject({
          actor: 'user:default/grace',
          data: { revision: 1, entityRef: 'component:default/payments-api' },
        });
        expect(events[1].data).toMatchObject({
          outcome: 'success',
          request: { method: 'POST', url: expectedUrl },
          response: { status: 200 },
        });
        expect(events[2].data).toEqual({ from: 'in_progress', to: 'success' });

        expect(notifier.finished).toHaveLength(1);
        expect(notifier.finished[0]).toMatchObject({
          workflowName: 'Deploy service',
          run: {
            id: run.id,
            status: 'success',
            requestedBy: grace.userEntityRef,
          },
        });
        expect(notifier.approvals).toEqual([]);

        // Exactly one request, with every variable filled in.
        expect(dispatcher.requests).toHaveLength(1);
        expect(dispatcher.options[0].timeoutMs).toBe(30000);
        // The limit, and as much again as the longest form of a secret (the
        // run token, base64-encoded or escaped), so a secret the limit cuts
        // through is still redacted.
        expect(dispatcher.options[0].maxResponseBodyBytes).toBeGreaterThan(
          65536 + 64,
        );
        const [sent] = dispatcher.requests;
        expect(sent.method).toBe('POST');
        expect(sent.url).toBe(expectedUrl);
        expect(sent.headers['X-Requested-By']).toBe('user:default/grace');
        expect(JSON.parse(sent.body!)).toEqual({
          run: run.id,
          workflow: 'deploy-service',
          version: '1.4.2',
          replicas: 3,
          entity: 'payments-api',
          title: 'Payments API',
          requestedBy: 'user:default/grace',
          callback: `${CALLBACK_BASE_URL}/runs/${run.id}`,
        });
      });

      it('renders {{entity.name}} as empty and uses input defaults', async () => {
        const { dispatcher, service, publish, trigger, statusOf } =
          await setup();
        const workflow = await publish(deployService);

        const run = await trigger(workflow, grace, {
          entityRef: 'component:default/ledger-service',
          inputs: { version: '2.0.0' },
        });
        await service.settled();

        expect(await statusOf(run.id)).toBe('success');
        expect(JSON.parse(dispatcher.requests[0].body!)).toMatchObject({
          entity: 'ledger-service',
          title: '',
          replicas: 2,
        });
      });

      it('fails on a 500 response, naming the status', async () => {
        const { store, dispatcher, notifier, service, publish, trigger } =
          await setup();
        dispatcher.reply = () =>
          respond(500, 'Internal Server Error', 'database is down');
        const workflow = await publish(freezeDeploys);

        const run = await trigger(workflow, linus);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('failed');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'status_changed',
        ]);
        expect(events[1].data).toMatchObject({
          outcome: 'failure',
          request: { method: 'POST', url: 'https://deploy.example.com/freeze' },
          response: { status: 500, body: 'database is down' },
        });
        expect(events[2].data).toMatchObject({
          from: 'in_progress',
          to: 'failed',
        });
        expect(events[2].data.message).toContain('500');
        expect(notifier.finished.map(f => f.run.status)).toEqual(['failed']);
      });

      it.each<[DispatchErrorKind, string]>([
        ['timeout', 'Timed out after 30000 ms'],
        ['connection', 'Connection refused by deploy.example.com:443'],
        ['dns', 'Host deploy.example.com was not found (DNS)'],
        [
          'tls',
          'TLS error with deploy.example.com: certificate has expired (CERT_HAS_EXPIRED)',
        ],
      ])(
        'fails when the request gets no response (%s)',
        async (kind, message) => {
          const { store, dispatcher, notifier, service, publish, trigger } =
            await setup();
          dispatcher.reply = () => failWith(kind, message);
          const workflow = await publish(freezeDeploys);

          const run = await trigger(workflow, grace);
          await service.settled();

          expect((await store.getRun(run.id))?.status).toBe('failed');
          const events = await store.listRunEvents(run.id);
          expect(events.map(e => e.type)).toEqual([
            'triggered',
            'request_sent',
            'status_changed',
          ]);
          expect(events[1].data).toMatchObject({
            outcome: 'failure',
            error: { kind, message },
          });
          expect(events[1].data.response).toBeUndefined();
          expect(events[2].data).toEqual({
            from: 'in_progress',
            to: 'failed',
            message,
          });
          expect(notifier.finished.map(f => f.run.status)).toEqual(['failed']);
        },
      );
    });

    describe('secret redaction', () => {
      it('records the request without secrets while sending the real values', async () => {
        const { store, dispatcher, service, publish, trigger, statusOf } =
          await setup();
        // The target echoes everything it got back.
        dispatcher.reply = request =>
          respond(
            200,
            'OK',
            `You sent ${request.headers.Authorization} and ${request.body}`,
            { 'x-echo-authorization': request.headers.Authorization },
          );
        const workflow = await publish(syncSecrets);

        const run = await trigger(workflow, grace);
        await service.settled();
        expect(await statusOf(run.id)).toBe('success');

        // What went out carried the real values.
        const [sent] = dispatcher.requests;
        expect(sent.headers.Authorization).toBe(`Bearer ${SECRET}`);
        expect(sent.headers['X-Api-Key']).toBe('plain');
        const sentBody = JSON.parse(sent.body!);
        const runToken: string = sentBody.callbackToken;
        expect(runToken).toMatch(/^ssrt_[A-Za-z0-9_-]{43}$/);
        expect(sentBody.note).toBe(`deploying with ${SECRET}`);

        // What was stored did not.
        const events = await store.listRunEvents(run.id);
        const requestSent = events.find(e => e.type === 'request_sent')!;
        const recorded = requestSent.data as {
          request: { headers: Record<string, string>; body: string };
          response: { headers: Record<string, string>; body: string };
        };
        expect(recorded.request.headers).toEqual({
          Authorization: '[REDACTED]',
          'X-Api-Key': '[REDACTED]',
          'content-type': 'application/json',
          'webhook-id': expect.stringMatching(/^msg_/),
        });
        expect(JSON.parse(recorded.request.body)).toEqual({
          callbackUrl: `${CALLBACK_BASE_URL}/runs/${run.id}`,
          callbackToken: '[REDACTED]',
          note: 'deploying with [REDACTED]',
        });
        expect(recorded.response.body).toContain('[REDACTED]');

        const everything = JSON.stringify(events);
        expect(everything).not.toContain(SECRET);
        expect(everything).not.toContain(runToken);
      });

      it('keeps secrets out of recorded error messages', async () => {
        const { store, dispatcher, service, publish, trigger, statusOf } =
          await setup();
        dispatcher.reply = request =>
          failWith(
            'connection',
            `Proxy refused "${request.headers.Authorization}" for ${request.body}`,
          );
        const workflow = await publish(syncSecrets);

        const run = await trigger(workflow, grace);
        await service.settled();
        expect(await statusOf(run.id)).toBe('failed');

        const runToken: string = JSON.parse(
          dispatcher.requests[0].body!,
        ).callbackToken;
        const events = await store.listRunEvents(run.id);
        const requestSent = events.find(e => e.type === 'request_sent')!;
        expect(requestSent.data.error).toMatchObject({
          kind: 'connection',
          message: expect.stringContaining('Bearer [REDACTED]'),
        });
        const statusChanged = events.find(e => e.type === 'status_changed')!;
        expect(statusChanged.data.message).toContain('[REDACTED]');

        const everything = JSON.stringify(events);
        expect(everything).not.toContain(SECRET);
        expect(everything).not.toContain(runToken);
      });
    });

    describe('recorded responses', () => {
      it('redacts the status text, and cuts the body only after redacting it', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup({
          maxResponseBodyBytes: 20,
        });
        // The secret starts before the limit and ends after it.
        dispatcher.reply = () =>
          respond(502, `Bad ${SECRET}`, `0123456789${SECRET} and more`);
        const workflow = await publish(freezeDeploys);

        const run = await trigger(workflow, grace);
        await service.settled();

        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'status_changed',
        ]);
        expect(events[1].data.response).toMatchObject({
          status: 502,
          statusText: 'Bad [REDACTED]',
          body: '0123456789[REDACTED]',
          bodyTruncated: true,
        });
        expect(events[2].data.message).toBe(
          'The request got 502 Bad [REDACTED]',
        );
        // Not even a part of it.
        expect(JSON.stringify(events)).not.toContain(SECRET.slice(0, 6));
      });
    });

    describe('optional parameters', () => {
      it('renders a declared parameter given no value as empty, in the URL, headers and body', async () => {
        const { dispatcher, service, publish, trigger, statusOf } =
          await setup();
        const workflow = await publish({
          identifier: 'annotate',
          name: 'Annotate',
          scope: { type: 'global' },
          execution: { type: 'simple' },
          access: { type: 'everyone' },
          parameters: [
            {
              identifier: 'note',
              name: 'Note',
              type: 'string',
              required: false,
            },
            {
              identifier: 'count',
              name: 'Count',
              type: 'integer',
              required: false,
            },
            {
              identifier: 'dryRun',
              name: 'Dry run',
              type: 'boolean',
              required: false,
            },
          ],
          request: {
            method: 'POST',
            url: 'https://deploy.example.com/annotate/x{{data.note}}?note={{data.note}}&count={{data.count}}',
            headers: {
              'content-type': 'application/json',
              'X-Note': '{{data.note}}',
            },
            body: '{"note": "{{data.note}}", "count": {{data.count}}, "dryRun": {{data.dryRun}}, "text": "note: {{data.note}}"}',
          },
        });

        const run = await trigger(workflow, grace, {
          inputs: { dryRun: true },
        });
        await service.settled();

        expect(await statusOf(run.id)).toBe('success');
        const [sent] = dispatcher.requests;
        expect(sent.url).toBe(
          'https://deploy.example.com/annotate/x?note=&count=',
        );
        expect(sent.headers['X-Note']).toBe('');
        expect(JSON.parse(sent.body!)).toEqual({
          note: '',
          count: '',
          dryRun: true,
          text: 'note: ',
        });
      });
    });

    describe('atomic writes', () => {
      it('records a requested approval in the same write as the run', async () => {
        const { store, service, publish, trigger, eventTypes } = await setup();
        // No separate append may be needed to complete a new run.
        jest
          .spyOn(store, 'appendRunEvents')
          .mockRejectedValue(new Error('connection lost'));
        const workflow = await publish(rotateCredentials);

        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });
        await service.settled();

        expect(run.status).toBe('pending_approval');
        expect(await eventTypes(run.id)).toEqual([
          'triggered',
          'approval_requested',
        ]);
      });

      it.each([
        [
          'simple',
          freezeDeploys,
          'success',
          ['request_sent', 'status_changed'],
        ],
        ['event-driven', provisionEnvironment, 'in_progress', ['request_sent']],
      ])(
        'records the request of a %s run in the same write as what follows it, trying again after a failed write',
        async (_type, definition, status, recorded) => {
          const {
            deliveries,
            service,
            publish,
            trigger,
            eventTypes,
            statusOf,
          } = await setup();
          jest
            .spyOn(deliveries, 'recordAttempt')
            .mockRejectedValueOnce(new Error('connection lost'));
          const workflow = await publish(definition);

          const run = await trigger(workflow, grace);
          await service.settled();

          // The failed write left nothing half-written; the second one
          // recorded the request and its consequence together, once.
          expect(await statusOf(run.id)).toBe(status);
          expect(await eventTypes(run.id)).toEqual(['triggered', ...recorded]);
          expect(deliveries.recordAttempt).toHaveBeenCalledTimes(2);
        },
      );
    });

    describe('event-driven workflows', () => {
      it('stays in progress after dispatch and takes messages, links and one final status', async () => {
        const { store, notifier, service, publish, trigger, eventTypes } =
          await setup();
        const workflow = await publish(provisionEnvironment);

        const run = await trigger(workflow, grace);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('in_progress');
        expect(await eventTypes(run.id)).toEqual(['triggered', 'request_sent']);
        expect(notifier.finished).toEqual([]);

        const message = await service.postMessage({
          runId: run.id,
          actor: 'service:ci',
          markdown: 'Created the **database**',
        });
        expect(message).toMatchObject({
          runId: run.id,
          sequence: 3,
          type: 'message',
          actor: 'service:ci',
          data: { markdown: 'Created the **database**' },
        });

        const link = await service.postLink({
          runId: run.id,
          actor: 'service:ci',
          label: 'GitHub Actions job',
          url: 'https://github.com/acme/infra/actions/runs/42',
        });
        expect(link).toMatchObject({
          sequence: 4,
          type: 'link',
          data: {
            label: 'GitHub Actions job',
            url: 'https://github.com/acme/infra/actions/runs/42',
          },
        });

        const finished = await service.setFinalStatus({
          runId: run.id,
          actor: 'service:ci',
          status: 'success',
          message: 'Environment is ready',
        });
        expect(finished.status).toBe('success');
        expect(finished.finishedAt).toBeDefined();
        expect(notifier.finished).toHaveLength(1);
        expect(notifier.finished[0].run).toMatchObject({
          id: run.id,
          status: 'success',
        });

        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'message',
          'link',
          'status_changed',
        ]);
        expect(events[4]).toMatchObject({
          actor: 'service:ci',
          data: {
            from: 'in_progress',
            to: 'success',
            message: 'Environment is ready',
          },
        });

        // Finished is final.
        await expect(
          service.setFinalStatus({ runId: run.id, status: 'failed' }),
        ).rejects.toThrow(ConflictError);
        await expect(
          service.postMessage({ runId: run.id, markdown: 'one more thing' }),
        ).rejects.toThrow(ConflictError);
        await expect(
          service.postLink({
            runId: run.id,
            label: 'late',
            url: 'https://example.com/late',
          }),
        ).rejects.toThrow(ConflictError);

        expect((await store.getRun(run.id))?.status).toBe('success');
        expect(await store.listRunEvents(run.id)).toEqual(events);
        expect(notifier.finished).toHaveLength(1);
      });

      it('redacts the presented run token from what the external system posts', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(provisionEnvironment);
        const run = await trigger(workflow, grace);
        await service.settled();
        const { token } = JSON.parse(dispatcher.requests[0].body!);

        await service.postMessage({
          runId: run.id,
          token,
          markdown: `Called back with ${token} and ${SECRET}`,
        });
        await service.postLink({
          runId: run.id,
          token,
          label: `Job of ${token}`,
          url: `https://ci.example.com/jobs/42?callbackToken=x&t=${token}`,
        });
        await service.setFinalStatus({
          runId: run.id,
          token,
          status: 'failed',
          message: `Could not use ${token}`,
        });

        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.data)).toEqual([
          expect.anything(),
          expect.anything(),
          { markdown: 'Called back with [REDACTED] and [REDACTED]' },
          {
            label: 'Job of [REDACTED]',
            url: 'https://ci.example.com/jobs/42?callbackToken=[REDACTED]&t=[REDACTED]',
          },
          {
            from: 'in_progress',
            to: 'failed',
            message: 'Could not use [REDACTED]',
          },
        ]);
        expect(JSON.stringify(events)).not.toContain(token);
      });

      it('fails when its dispatch fails, without waiting for events', async () => {
        const { dispatcher, service, publish, trigger, statusOf } =
          await setup();
        dispatcher.reply = () => respond(503, 'Service Unavailable');
        const workflow = await publish(provisionEnvironment);

        const run = await trigger(workflow, grace);
        await service.settled();

        expect(await statusOf(run.id)).toBe('failed');
        await expect(
          service.postMessage({ runId: run.id, markdown: 'hello?' }),
        ).rejects.toThrow(ConflictError);
      });

      it('refuses messages and links on a run of a simple workflow', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        let release = () => {};
        dispatcher.hold = new Promise<void>(resolve => {
          release = resolve;
        });
        const workflow = await publish(freezeDeploys);
        // In progress while its request is on its way.
        const run = await trigger(workflow, grace);

        const message = service.postMessage({
          runId: run.id,
          markdown: 'hello',
        });
        await expect(message).rejects.toThrow(ConflictError);
        await expect(message).rejects.toThrow(
          /is of a simple workflow, .* takes no messages$/,
        );
        await expect(
          service.postLink({
            runId: run.id,
            label: 'Job',
            url: 'https://ci.example.com/jobs/1',
          }),
        ).rejects.toThrow(/takes no links$/);

        release();
        await service.settled();
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'status_changed',
        ]);
      });

      it('refuses messages and links past the limit, storing nothing, and still takes the final status', async () => {
        const { store, notifier, service, publish, trigger } = await setup({
          maxCallbackEventsPerRun: 10,
        });
        const workflow = await publish(provisionEnvironment);
        const run = await trigger(workflow, grace);
        await service.settled();

        for (let i = 0; i < 5; i++) {
          await service.postMessage({ runId: run.id, markdown: `step ${i}` });
          await service.postLink({
            runId: run.id,
            label: `Job ${i}`,
            url: `https://ci.example.com/jobs/${i}`,
          });
        }
        const full = await store.listRunEvents(run.id);
        const signalled = notifier.changed.length;

        const limit = `Run ${run.id} has reached its limit of 10 messages and links (selfService.callbacks.maxEventsPerRun); post its final status instead`;
        const message = service.postMessage({
          runId: run.id,
          markdown: 'one more',
        });
        await expect(message).rejects.toThrow(ConflictError);
        await expect(message).rejects.toThrow(limit);
        await expect(
          service.postLink({
            runId: run.id,
            label: 'One more',
            url: 'https://ci.example.com/jobs/11',
          }),
        ).rejects.toThrow(limit);
        expect(await store.listRunEvents(run.id)).toEqual(full);
        expect(notifier.changed).toHaveLength(signalled);

        const finished = await service.setFinalStatus({
          runId: run.id,
          status: 'success',
          message: 'Done',
        });
        expect(finished.status).toBe('success');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          ...Array.from({ length: 5 }, () => ['message', 'link']).flat(),
          'status_changed',
        ]);
        expect(notifier.finished).toHaveLength(1);
      });

      it('refuses a final status for a run of a simple workflow', async () => {
        const { store, service, publish, trigger } = await setup();
        const workflow = await publish(freezeDeploys);

        const run = await trigger(workflow, grace);
        await service.settled();
        const before = await store.listRunEvents(run.id);

        await expect(
          service.setFinalStatus({ runId: run.id, status: 'failed' }),
        ).rejects.toThrow(ConflictError);
        expect((await store.getRun(run.id))?.status).toBe('success');
        expect(await store.listRunEvents(run.id)).toEqual(before);
      });
    });

    describe('who can run a workflow', () => {
      it('lets selected teams and users run, and nobody else', async () => {
        const { service, publish, trigger, storedRuns } = await setup();
        const workflow = await publish({
          ...freezeDeploys,
          access: {
            type: 'selected',
            members: ['group:default/payments-team', 'user:default/ada'],
          },
        });

        const refused = trigger(workflow, linus);
        await expect(refused).rejects.toThrow(NotAllowedError);
        await expect(refused).rejects.toThrow(
          'Only selected teams and users can run this workflow',
        );
        expect(await storedRuns()).toEqual([]);

        const byGroup = await trigger(workflow, grace);
        const byUser = await trigger(workflow, ada);
        expect(byGroup.status).toBe('in_progress');
        expect(byUser.status).toBe('in_progress');
        await service.settled();
        expect((await storedRuns()).map(r => r.requestedBy).sort()).toEqual([
          'user:default/ada',
          'user:default/grace',
        ]);
      });

      it('lets owners of the entity run, through their team', async () => {
        const { store, dispatcher, service, publish, trigger, storedRuns } =
          await setup();
        const workflow = await publish({
          ...deployService,
          access: { type: 'owners' },
        });

        const refused = trigger(workflow, linus, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.0.0' },
        });
        await expect(refused).rejects.toThrow(NotAllowedError);
        await expect(refused).rejects.toThrow(
          'Only owners of this entity can run this workflow',
        );
        expect(await storedRuns()).toEqual([]);

        const run = await trigger(workflow, grace, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.0.0' },
        });
        await service.settled();
        expect((await store.getRun(run.id))?.status).toBe('success');
        expect(await store.listRunEntityOwners(run.id)).toEqual([
          'group:default/payments-team',
        ]);
        expect(dispatcher.requests).toHaveLength(1);
      });

      it('lets everyone run an open workflow', async () => {
        const { service, publish, trigger, statusOf } = await setup();
        const workflow = await publish(deployService);

        const run = await trigger(workflow, linus, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.0.0' },
        });
        await service.settled();
        expect(await statusOf(run.id)).toBe('success');
      });
    });

    describe('refused triggers', () => {
      it.each<
        [string, 'deploy' | 'freeze', string | undefined, unknown, RegExp]
      >([
        [
          'an entity workflow without an entity',
          'deploy',
          undefined,
          { version: '1.0.0' },
          /^entityRef: /,
        ],
        [
          'a global workflow with an entity',
          'freeze',
          'component:default/payments-api',
          {},
          /^entityRef: .*global/,
        ],
        [
          'an entity of the wrong kind',
          'deploy',
          'api:default/payments-openapi',
          { version: '1.0.0' },
          /^entityRef: .*Component of type service.*api:default\/payments-openapi/,
        ],
        [
          'an entity of the wrong type',
          'deploy',
          'component:default/checkout-web',
          { version: '1.0.0' },
          /^entityRef: .*component:default\/checkout-web/,
        ],
        [
          'an entity that is not in the catalog',
          'deploy',
          'component:default/no-such-service',
          { version: '1.0.0' },
          /^entityRef: no entity 'component:default\/no-such-service'/,
        ],
        [
          'an unparseable entity ref',
          'deploy',
          'component:',
          { version: '1.0.0' },
          /^entityRef: /,
        ],
        [
          'an input of the wrong type',
          'deploy',
          'component:default/payments-api',
          { version: '1.0.0', replicas: 'abc' },
          /^inputs\.replicas: /,
        ],
        [
          'a missing required input',
          'deploy',
          'component:default/payments-api',
          {},
          /^inputs\.version: required/,
        ],
        [
          'an unknown input',
          'deploy',
          'component:default/payments-api',
          { version: '1.0.0', colour: 'blue' },
          /^inputs\.colour: unknown parameter/,
        ],
      ])(
        'refuses %s with an InputError and stores nothing',
        async (_what, which, entityRef, inputs, message) => {
          const {
            dispatcher,
            notifier,
            service,
            publish,
            trigger,
            storedRuns,
          } = await setup();
          const workflow = await publish(
            which === 'deploy' ? deployService : freezeDeploys,
          );

          const refused = trigger(workflow, grace, { entityRef, inputs });
          await expect(refused).rejects.toThrow(InputError);
          await expect(refused).rejects.toThrow(message);

          await service.settled();
          expect(await storedRuns()).toEqual([]);
          expect(dispatcher.requests).toEqual([]);
          expect(notifier.changed).toEqual([]);
        },
      );
    });

    describe('approval', () => {
      it('waits for approval without sending anything', async () => {
        const { store, dispatcher, notifier, service, publish, trigger } =
          await setup();
        const workflow = await publish(rotateCredentials);

        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });
        await service.settled();

        expect(run.status).toBe('pending_approval');
        expect((await store.getRun(run.id))?.status).toBe('pending_approval');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'approval_requested',
        ]);
        expect(events[1].data).toEqual({
          approvers: ['group:default/platform-team'],
        });
        expect(notifier.approvals).toEqual([
          {
            run: expect.objectContaining({ id: run.id }),
            workflowName: 'Rotate database credentials',
            approvers: ['group:default/platform-team'],
          },
        ]);
        expect(await store.listRunApprovers(run.id)).toEqual([
          'group:default/platform-team',
        ]);
        expect(dispatcher.requests).toEqual([]);
        expect(notifier.finished).toEqual([]);
      });

      it('runs once a member of the approver group approves', async () => {
        const { store, dispatcher, notifier, service, publish, trigger } =
          await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });

        const approved = await service.approve({
          runId: run.id,
          caller: ada,
          comment: 'Go ahead',
        });
        expect(approved.status).toBe('in_progress');
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('success');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'approval_requested',
          'approved',
          'status_changed',
          'request_sent',
          'status_changed',
        ]);
        expect(events[2]).toMatchObject({
          actor: 'user:default/ada',
          data: { comment: 'Go ahead' },
        });
        expect(events[3]).toMatchObject({
          actor: 'user:default/ada',
          data: { from: 'pending_approval', to: 'in_progress' },
        });
        expect(events[5].data).toEqual({ from: 'in_progress', to: 'success' });

        expect(dispatcher.requests).toHaveLength(1);
        expect(dispatcher.requests[0].url).toBe(
          'https://vault.example.com/rotate/orders',
        );
        // Sent on behalf of the requester, not the approver.
        expect(dispatcher.requests[0].headers['X-Requested-By']).toBe(
          'user:default/grace',
        );
        expect(notifier.finished).toEqual([
          {
            run: expect.objectContaining({
              id: run.id,
              status: 'success',
              requestedBy: 'user:default/grace',
            }),
            workflowName: 'Rotate database credentials',
          },
        ]);
      });

      it('refuses decisions by people who are not approvers', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });

        await expect(
          service.approve({ runId: run.id, caller: linus }),
        ).rejects.toThrow(NotAllowedError);
        await expect(
          service.reject({ runId: run.id, caller: linus }),
        ).rejects.toThrow(NotAllowedError);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('pending_approval');
        expect(dispatcher.requests).toEqual([]);
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
          'approval_requested',
        ]);
      });

      it('refuses self-approval by default', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, ada, {
          inputs: { database: 'ledger' },
        });

        await expect(
          service.approve({ runId: run.id, caller: ada }),
        ).rejects.toThrow(NotAllowedError);
        await service.settled();
        expect((await store.getRun(run.id))?.status).toBe('pending_approval');
        expect(dispatcher.requests).toEqual([]);

        // Another approver can.
        await service.approve({ runId: run.id, caller: margaret });
        await service.settled();
        expect((await store.getRun(run.id))?.status).toBe('success');
        expect(dispatcher.requests).toHaveLength(1);
      });

      it('allows self-approval when the workflow says so', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish({
          ...rotateCredentials,
          access: {
            type: 'approval',
            approvers: ['group:default/platform-team'],
            allowSelfApproval: true,
          },
        });
        const run = await trigger(workflow, ada, {
          inputs: { database: 'ledger' },
        });

        const approved = await service.approve({ runId: run.id, caller: ada });
        expect(approved.status).toBe('in_progress');
        await service.settled();
        expect((await store.getRun(run.id))?.status).toBe('success');
        expect(dispatcher.requests).toHaveLength(1);
      });

      it('rejects with a comment, tells the requester, and sends nothing', async () => {
        const { store, dispatcher, notifier, service, publish, trigger } =
          await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });

        const rejected = await service.reject({
          runId: run.id,
          caller: ada,
          comment: 'Not during the freeze',
        });
        expect(rejected.status).toBe('rejected');
        expect(rejected.finishedAt).toBeDefined();

        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'approval_requested',
          'rejected',
          'status_changed',
        ]);
        expect(events[2]).toMatchObject({
          actor: 'user:default/ada',
          data: { comment: 'Not during the freeze' },
        });
        expect(events[3].data).toEqual({
          from: 'pending_approval',
          to: 'rejected',
        });
        expect(notifier.finished).toEqual([
          {
            run: expect.objectContaining({
              id: run.id,
              status: 'rejected',
              requestedBy: 'user:default/grace',
            }),
            workflowName: 'Rotate database credentials',
          },
        ]);

        // Decided is decided.
        await expect(
          service.approve({ runId: run.id, caller: margaret }),
        ).rejects.toThrow(ConflictError);
        await service.settled();
        expect((await store.getRun(run.id))?.status).toBe('rejected');
        expect(dispatcher.requests).toEqual([]);
        expect(await store.listRunEvents(run.id)).toEqual(events);
      });

      it('lets only the requester withdraw', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });

        await expect(
          service.withdraw({ runId: run.id, caller: linus }),
        ).rejects.toThrow(NotAllowedError);
        await expect(
          service.withdraw({ runId: run.id, caller: ada }),
        ).rejects.toThrow(NotAllowedError);
        expect((await store.getRun(run.id))?.status).toBe('pending_approval');

        const withdrawn = await service.withdraw({
          runId: run.id,
          caller: grace,
        });
        expect(withdrawn.status).toBe('canceled');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'approval_requested',
          'withdrawn',
          'status_changed',
        ]);
        expect(events[2].actor).toBe('user:default/grace');

        await expect(
          service.approve({ runId: run.id, caller: ada }),
        ).rejects.toThrow(ConflictError);
        await service.settled();
        expect(dispatcher.requests).toEqual([]);
      });

      it('lets exactly one of many concurrent approvals through', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(rotateCredentials);
        const run = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });
        const approvers: Caller[] = Array.from({ length: 20 }, (_, i) => ({
          userEntityRef: `user:default/approver-${i}`,
          ownershipEntityRefs: [
            `user:default/approver-${i}`,
            'group:default/platform-team',
          ],
        }));

        const results = await Promise.allSettled(
          approvers.map(caller => service.approve({ runId: run.id, caller })),
        );
        await service.settled();

        const fulfilled = results.filter(r => r.status === 'fulfilled');
        const rejected = results.filter(
          (r): r is PromiseRejectedResult => r.status === 'rejected',
        );
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(19);
        for (const r of rejected) {
          expect(r.reason).toBeInstanceOf(ConflictError);
        }

        expect(dispatcher.requests).toHaveLength(1);
        expect((await store.getRun(run.id))?.status).toBe('success');
        const types = (await store.listRunEvents(run.id)).map(e => e.type);
        expect(types.filter(t => t === 'approved')).toHaveLength(1);
        expect(types.filter(t => t === 'request_sent')).toHaveLength(1);
      });

      it('does not leave an approved run in progress with nothing sent when the catalog lookup fails', async () => {
        // The approval is committed before the entity is looked up again; if
        // that lookup throws, nothing is ever dispatched and the run sits in
        // progress until its deadline (24 hours by default for event-driven
        // workflows), while a retried approval gets "already decided".
        const { store, catalog, dispatcher, service, publish, trigger } =
          await setup();
        const workflow = await publish({
          ...deployService,
          access: {
            type: 'approval',
            approvers: ['group:default/platform-team'],
          },
        });
        const run = await trigger(workflow, grace, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.0.0' },
        });
        jest
          .spyOn(catalog, 'getEntityByRef')
          .mockRejectedValue(new Error('Catalog is unavailable'));

        await service
          .approve({ runId: run.id, caller: ada })
          .catch(() => undefined);
        await service.settled();

        // Acceptable: nothing committed (still pending, the approver can
        // retry), the request sent, or the run failed. Not: approved, in
        // progress, and nothing ever sent.
        const status = (await store.getRun(run.id))?.status;
        const sent = (await store.listRunEvents(run.id)).some(
          e => e.type === 'request_sent',
        );
        expect({ status, sent }).not.toEqual({
          status: 'in_progress',
          sent: false,
        });
        expect(dispatcher.requests).toHaveLength(sent ? 1 : 0);
      });

      it('dispatches the revision that was approved, not a later edit', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const definition: RequestWorkflowDefinition = {
          ...deployService,
          access: {
            type: 'approval',
            approvers: ['group:default/platform-team'],
          },
          request: {
            method: 'POST',
            url: 'https://deploy-v1.example.com/services/{{entity.identifier}}',
          },
        };
        const workflow = await publish(definition);
        const run = await trigger(workflow, grace, {
          entityRef: 'component:default/payments-api',
          inputs: { version: '1.0.0' },
        });

        const edited = await store.updateWorkflow({
          identifier: definition.identifier,
          definition: {
            ...definition,
            request: {
              method: 'PUT' as const,
              url: 'https://deploy-v2.example.com/services/{{entity.identifier}}',
            },
          },
          actor: 'user:default/ada',
        });
        expect(edited.revision).toBe(2);

        await service.approve({ runId: run.id, caller: ada });
        await service.settled();

        expect(dispatcher.requests).toHaveLength(1);
        expect(dispatcher.requests[0]).toMatchObject({
          method: 'POST',
          url: 'https://deploy-v1.example.com/services/payments-api',
        });
        expect(await store.getRun(run.id)).toMatchObject({
          status: 'success',
          workflowRevision: 1,
        });
      });
    });

    describe('time-outs', () => {
      it('times out event-driven runs that never report back', async () => {
        const { store, notifier, service, publish, trigger } = await setup();
        const workflow = await publish(provisionEnvironment);

        const silent = await trigger(workflow, grace);
        const finished = await trigger(workflow, linus);
        await service.settled();
        await service.setFinalStatus({ runId: finished.id, status: 'success' });
        const finishedEvents = await store.listRunEvents(finished.id);
        notifier.finished.length = 0;

        // Not yet overdue.
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 30_000)),
        ).resolves.toBe(0);
        expect((await store.getRun(silent.id))?.status).toBe('in_progress');

        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 61_000)),
        ).resolves.toBe(1);

        expect((await store.getRun(silent.id))?.status).toBe('timed_out');
        const events = await store.listRunEvents(silent.id);
        expect(events.map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'status_changed',
        ]);
        expect(events[2].data).toEqual({
          from: 'in_progress',
          to: 'timed_out',
          message: 'No final status was reported within 1 minute',
          reason: 'deadline',
        });
        expect(notifier.finished).toEqual([
          {
            run: expect.objectContaining({
              id: silent.id,
              status: 'timed_out',
              requestedBy: 'user:default/grace',
            }),
            workflowName: 'Provision environment',
          },
        ]);

        // The finished run is untouched.
        expect((await store.getRun(finished.id))?.status).toBe('success');
        expect(await store.listRunEvents(finished.id)).toEqual(finishedEvents);

        // A second sweep finds nothing.
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 120_000)),
        ).resolves.toBe(0);
        expect(await store.listRunEvents(silent.id)).toEqual(events);
        expect(notifier.finished).toHaveLength(1);

        // And a late report is refused.
        await expect(
          service.setFinalStatus({ runId: silent.id, status: 'success' }),
        ).rejects.toThrow(ConflictError);
      });

      it('leaves a run whose request is under way to its delivery, and gives it the workflow timeout once it got a 2xx', async () => {
        const { dispatcher, service, publish, trigger, statusOf } =
          await setup();
        const workflow = await publish({
          ...provisionEnvironment,
          execution: { type: 'event-driven' as const, timeoutSeconds: 3600 },
        });

        // A slow receiver: the delivery's lease, not the sweep, decides.
        let release = () => {};
        dispatcher.hold = new Promise<void>(resolve => {
          release = resolve;
        });
        const slow = await trigger(workflow, grace);
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 600_000)),
        ).resolves.toBe(0);
        expect(await statusOf(slow.id)).toBe('in_progress');
        release();
        await service.settled();

        // Delivered: the external system has the workflow's hour.
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 91_000)),
        ).resolves.toBe(0);
        expect(await statusOf(slow.id)).toBe('in_progress');
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 3_601_000)),
        ).resolves.toBe(1);
        expect(await statusOf(slow.id)).toBe('timed_out');
      });

      it('keeps ending overdue runs when one of them cannot be ended', async () => {
        const { store, logger, service, publish, trigger, statusOf } =
          await setup();
        const workflow = await publish(provisionEnvironment);
        const first = await trigger(workflow, grace);
        const second = await trigger(workflow, linus);
        await service.settled();
        const lookup = jest
          .spyOn(store, 'getWorkflowRevision')
          .mockRejectedValueOnce(new Error('definition is unreadable'));

        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 61_000)),
        ).resolves.toBe(1);
        const statuses = [await statusOf(first.id), await statusOf(second.id)];
        expect(statuses.sort()).toEqual(['in_progress', 'timed_out']);
        const stuck = statuses.indexOf('in_progress') === 0 ? first : second;
        expect(logger.warn).toHaveBeenCalledWith(
          `Could not end overdue run ${stuck.id}; the next sweep tries again`,
          expect.objectContaining({ message: 'definition is unreadable' }),
        );

        // The next sweep gets it.
        lookup.mockRestore();
        await expect(
          service.timeOutOverdueRuns(new Date(Date.now() + 61_000)),
        ).resolves.toBe(1);
        expect(await statusOf(stuck.id)).toBe('timed_out');
      });

      it('audits every run the sweep ends, without inputs or bodies', async () => {
        const { auditor, dispatcher, service, publish, trigger } =
          await setup();
        const workflow = await publish(provisionEnvironment);
        const run = await trigger(workflow, grace);
        await service.settled();
        expect(dispatcher.requests).toHaveLength(1);

        await service.timeOutOverdueRuns(new Date(Date.now() + 61_000));

        expect(auditor.events).toEqual([
          {
            options: {
              eventId: 'run-timeout',
              severityLevel: 'medium',
              meta: {
                runId: run.id,
                workflow: 'provision-environment',
                from: 'in_progress',
                to: 'timed_out',
              },
            },
            outcome: 'success',
            meta: { status: 'timed_out' },
          },
        ]);
      });
    });

    describe('recording the result of a request', () => {
      it('tries again when the database fails, and records the request once', async () => {
        const {
          store,
          deliveries,
          logger,
          notifier,
          service,
          publish,
          trigger,
        } = await setup();
        const workflow = await publish(freezeDeploys);
        const record = jest.spyOn(deliveries, 'recordAttempt');
        record
          .mockRejectedValueOnce(new Error('deadlock detected'))
          .mockRejectedValueOnce(new Error('connection reset'));

        const run = await trigger(workflow, grace);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('success');
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
          'status_changed',
        ]);
        expect(record).toHaveBeenCalledTimes(3);
        expect(logger.warn).toHaveBeenCalledWith(
          `Could not record attempt 1 of the request of run ${run.id} (try 1 of 4)`,
          expect.objectContaining({ message: 'deadlock detected' }),
        );
        expect(notifier.finished.map(f => f.run.status)).toEqual(['success']);
      });

      it('does not record twice a write that landed although it reported an error', async () => {
        const { store, deliveries, notifier, service, publish, trigger } =
          await setup();
        const workflow = await publish(provisionEnvironment);
        const original = deliveries.recordAttempt.bind(deliveries);
        jest
          .spyOn(deliveries, 'recordAttempt')
          .mockImplementationOnce(async record => {
            await original(record);
            throw new Error('connection lost while committing');
          });

        const run = await trigger(workflow, grace);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('in_progress');
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
        ]);
        expect(deliveries.recordAttempt).toHaveBeenCalledTimes(1);
        expect(notifier.changed.at(-1)).toMatchObject({
          id: run.id,
          status: 'in_progress',
        });
      });

      it('leaves an attempt it cannot record to its lease: it counts as interrupted', async () => {
        const { store, deliveries, logger, service, publish, trigger } =
          await setup();
        const workflow = await publish(freezeDeploys);
        jest
          .spyOn(deliveries, 'recordAttempt')
          .mockRejectedValue(new Error('database is down'));

        const run = await trigger(workflow, grace);
        await service.settled();

        expect((await store.getRun(run.id))?.status).toBe('in_progress');
        expect(logger.error).toHaveBeenCalledWith(
          `Attempt 1 of the request of run ${run.id} failed to complete; its lease expires and another attempt follows`,
          expect.objectContaining({ message: 'database is down' }),
        );
        // Still claimed: once the lease expires, any replica takes it over.
        expect(await deliveries.getRunDelivery(run.id)).toMatchObject({
          status: 'sending',
          attempts: 1,
        });
      });

      it('redacts secrets in URL response headers and base64 bodies', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        dispatcher.reply = request => {
          const token = JSON.parse(request.body!).callbackToken as string;
          const basic = Buffer.from(`ci:${SECRET}`).toString('base64');
          const jwt = Buffer.from(JSON.stringify({ t: token })).toString(
            'base64url',
          );
          // As PHP's json_encode writes "a/<secret>".
          const escaped = `a\\/${SECRET}`;
          return respond(
            302,
            'Found',
            `{"basic":"${basic}","jwt":"${jwt}","escaped":"${escaped}"}`,
            {
              location: `https://sso.example.com/cb?state=1&access_token=opaque#id_token=jwt&x=1`,
              link: `<https://api.example.com/p?page=2&apikey=k>; rel="next"`,
            },
          );
        };
        const workflow = await publish(syncSecrets);

        const run = await trigger(workflow, grace);
        await service.settled();

        const runToken = JSON.parse(dispatcher.requests[0].body!).callbackToken;
        const [record] = await store.listRunEvents(run.id, {
          types: ['request_sent'],
        });
        const response = record.data.response as {
          headers: Record<string, string>;
          body: string;
        };
        expect(response.headers).toEqual({
          location:
            'https://sso.example.com/cb?state=1&access_token=[REDACTED]#id_token=[REDACTED]&x=1',
          link: '<https://api.example.com/p?page=2&apikey=[REDACTED]>; rel="next"',
        });
        expect(JSON.parse(response.body)).toEqual({
          basic: expect.stringMatching(/^[A-Za-z0-9+/]{0,4}\[REDACTED\]=*$/),
          jwt: expect.stringMatching(
            /^[A-Za-z0-9_-]{0,8}\[REDACTED\][A-Za-z0-9_-]{0,4}$/,
          ),
          escaped: 'a/[REDACTED]',
        });
        const everything = JSON.stringify(record);
        for (const leaked of [SECRET, runToken]) {
          expect(everything).not.toContain(leaked);
        }
      });
    });

    describe('deleting a workflow', () => {
      it('cancels its pending runs and tells their requesters why', async () => {
        const { store, notifier, service, publish, trigger, statusOf } =
          await setup();
        const workflow = await publish(rotateCredentials);
        const pending = await trigger(workflow, grace, {
          inputs: { database: 'orders' },
        });
        notifier.finished.length = 0;

        const { canceledRuns } = await service.deleteWorkflow({
          workflow,
          actor: 'user:default/ada',
        });

        expect(canceledRuns.map(r => r.id)).toEqual([pending.id]);
        expect(await statusOf(pending.id)).toBe('canceled');
        expect(notifier.finished).toEqual([
          {
            run: expect.objectContaining({
              id: pending.id,
              status: 'canceled',
            }),
            workflowName: 'Rotate database credentials',
            reason: 'the workflow was deleted',
          },
        ]);
        expect(notifier.changed.at(-1)).toMatchObject({
          id: pending.id,
          status: 'canceled',
        });
        await expect(
          service.approve({ runId: pending.id, caller: ada }),
        ).rejects.toThrow(ConflictError);
        expect(await store.getWorkflow(workflow.identifier)).toBeUndefined();
      });

      it('refuses to trigger a workflow deleted meanwhile, and sends nothing', async () => {
        const { store, dispatcher, service, publish, trigger } = await setup();
        const workflow = await publish(freezeDeploys);
        await service.deleteWorkflow({ workflow, actor: 'user:default/ada' });

        await expect(trigger(workflow, grace)).rejects.toThrow(
          "Workflow 'freeze-deploys' was deleted; nothing was run",
        );
        await service.settled();
        expect(dispatcher.requests).toEqual([]);
        expect((await store.listRuns({ limit: 10 })).items).toEqual([]);
      });
    });
  });
});

import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  Run,
  RequestWorkflowDefinition,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Caller } from '../access/accessRules';
import type { RunServiceConfig } from '../config';
import { DatabaseDeliveryStore } from '../database/DatabaseDeliveryStore';
import { RunStepStore } from '../database/RunStepStore';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import { newDeliveryIds } from '../database/deliveryRows';
import type {
  DispatchAttempt,
  RenderedRequest,
  RequestDispatcher,
} from '../dispatch';
import { RunCommands } from '../runs/RunCommands';
import type { RunNotifier } from '../runs/RunNotifier';
import { hashRunToken } from '../runs/runToken';
import { RunTokenVerifier } from '../runs/RunTokenVerifier';
import { unknownOutcomeMessage } from './attemptRecord';
import { DeliveryWorker } from './DeliveryWorker';

jest.setTimeout(60_000);

const grace: Caller = {
  userEntityRef: 'user:default/grace',
  ownershipEntityRefs: ['user:default/grace', 'group:default/payments-team'],
};

const currentKey = `whsec_${randomBytes(32).toString('base64')}`;
const previousKey = `whsec_${randomBytes(32).toString('base64')}`;

function workflow(
  delivery?: RequestWorkflowDefinition['delivery'],
): RequestWorkflowDefinition {
  return {
    identifier: 'restart',
    name: 'Restart',
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    request: {
      method: 'POST',
      url: 'https://ops.example.com/restart',
      headers: { 'content-type': 'application/json' },
      body: '{"run":"{{run.id}}","token":"{{run.token}}"}',
    },
    ...(delivery ? { delivery } : {}),
  };
}

type Reply = {
  status?: number;
  headers?: Record<string, string>;
  error?: 'connection';
};

/** Answers each request with the next reply, and records it. */
class ScriptedDispatcher implements RequestDispatcher {
  readonly requests: RenderedRequest[] = [];
  replies: Reply[] = [];

  async dispatch(request: RenderedRequest): Promise<DispatchAttempt> {
    this.requests.push(request);
    const reply = this.replies.shift() ?? { status: 200 };
    const base = {
      startedAt: new Date().toISOString(),
      durationMs: 5,
      request: { ...request, headers: { ...request.headers } },
    };
    if (reply.error) {
      return {
        ...base,
        error: {
          kind: 'connection',
          message: 'Connection refused by ops.example.com',
        },
        outcome: 'failure',
      };
    }
    const status = reply.status ?? 200;
    return {
      ...base,
      response: {
        status,
        statusText: '',
        headers: reply.headers ?? {},
        body: '',
        bodyTruncated: false,
      },
      outcome: status >= 200 && status < 300 ? 'success' : 'failure',
    };
  }
}

const notifier = {
  runChanged: async () => {},
  runFinished: async () => {},
  approvalRequested: async () => {},
} as unknown as RunNotifier;

const config: RunServiceConfig = {
  secrets: {},
  requestTimeoutMs: 30_000,
  maxResponseBodyBytes: 65536,
  maxCallbackEventsPerRun: 500,
  signingKeys: new Map([['ops', [currentKey, previousKey]]]),
};

describe('DeliveryWorker', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const deliveries = new DatabaseDeliveryStore(knex);
      const steps = new RunStepStore(knex);
      const dispatcher = new ScriptedDispatcher();
      const makeWorker = (owner: string) =>
        new DeliveryWorker({
          store,
          deliveries,
          steps,
          dispatcher,
          notifier,
          logger: mockServices.logger.mock(),
          config,
          callbackBaseUrl: 'http://localhost:7007/api/self-service',
          owner,
          // The middle of the jitter: the schedule itself.
          random: () => 0.5,
          recordRetryDelaysMs: [1],
        });
      const worker = makeWorker('replica-a');
      const commands = new RunCommands({
        store,
        deliveries,
        steps,
        worker,
        catalog: catalogServiceMock({ entities: [] }),
        auth: mockServices.auth(),
        notifier,
        logger: mockServices.logger.mock(),
        auditor: mockServices.auditor.mock(),
        config,
        callbackBaseUrl: 'http://localhost:7007/api/self-service',
      });
      const publish = (definition: WorkflowDefinition) =>
        store.createWorkflow({ definition, actor: 'user:default/ada' });
      const trigger = async (definition: WorkflowDefinition) =>
        commands.trigger({
          workflow: await publish(definition),
          caller: grace,
          credentials: mockCredentials.user(grace.userEntityRef),
          inputs: {},
        });
      const attempts = async (run: Run) =>
        (await store.listRunEvents(run.id, { types: ['request_sent'] })).map(
          e => e.data,
        );
      const statusOf = async (run: Run) => (await store.getRun(run.id))?.status;
      return {
        store,
        deliveries,
        steps,
        dispatcher,
        worker,
        makeWorker,
        commands,
        publish,
        trigger,
        attempts,
        statusOf,
      };
    }

    /** Lets the worker's background writes finish under fake timers. */
    async function settle(worker: DeliveryWorker) {
      for (let i = 0; i < 5; i++) {
        await jest.advanceTimersByTimeAsync(0);
        await worker.settled();
      }
    }

    it('retries along the schedule and honours Retry-After, every attempt with the same webhook-id', async () => {
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
      });
      const { dispatcher, worker, trigger, attempts, statusOf } = await setup();
      dispatcher.replies = [
        { status: 503 },
        { status: 429, headers: { 'Retry-After': '7' } },
        { status: 200 },
      ];

      const run = await trigger(workflow({ maxAttempts: 3 }));
      await settle(worker);
      expect(dispatcher.requests).toHaveLength(1);
      expect(await statusOf(run)).toBe('in_progress');
      const [first] = await attempts(run);
      expect(first).toMatchObject({
        attempt: 1,
        maxAttempts: 3,
        outcome: 'failure',
      });
      expect(Date.parse(first.nextAttemptAt as string) - Date.now()).toBe(5000);

      // Not before its time.
      await jest.advanceTimersByTimeAsync(4900);
      await settle(worker);
      expect(dispatcher.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(100);
      await settle(worker);
      expect(dispatcher.requests).toHaveLength(2);

      // The receiver asked for 7 seconds.
      const second = (await attempts(run))[1];
      expect(second).toMatchObject({ attempt: 2, outcome: 'failure' });
      expect(Date.parse(second.nextAttemptAt as string) - Date.now()).toBe(
        7000,
      );
      await jest.advanceTimersByTimeAsync(6900);
      await settle(worker);
      expect(dispatcher.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(100);
      await settle(worker);

      expect(dispatcher.requests).toHaveLength(3);
      expect(await statusOf(run)).toBe('success');
      const third = (await attempts(run))[2];
      expect(third).toMatchObject({
        attempt: 3,
        maxAttempts: 3,
        outcome: 'success',
      });
      expect(third.nextAttemptAt).toBeUndefined();
      const ids = new Set(
        dispatcher.requests.map(r => r.headers['webhook-id']),
      );
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^msg_/);
    });

    it('stops at a 410 although attempts remain', async () => {
      const { dispatcher, worker, trigger, attempts, statusOf } = await setup();
      dispatcher.replies = [{ status: 410 }];
      const run = await trigger(workflow({ maxAttempts: 5 }));
      await worker.settled();
      expect(await statusOf(run)).toBe('failed');
      expect(dispatcher.requests).toHaveLength(1);
      expect((await attempts(run))[0].nextAttemptAt).toBeUndefined();
    });

    it('retries network errors but never another 4xx', async () => {
      const { dispatcher, worker, trigger, attempts, statusOf } = await setup();
      dispatcher.replies = [{ error: 'connection' }];
      const flaky = await trigger(workflow({ maxAttempts: 2 }));
      await worker.settled();
      expect(await statusOf(flaky)).toBe('in_progress');
      expect((await attempts(flaky))[0].nextAttemptAt).toBeDefined();

      dispatcher.replies = [{ status: 422 }];
      const refused = await trigger({
        ...workflow({ maxAttempts: 2 }),
        identifier: 'restart-2',
      });
      await worker.settled();
      expect(await statusOf(refused)).toBe('failed');
    });

    it('makes one attempt by default', async () => {
      const { dispatcher, worker, trigger, statusOf } = await setup();
      dispatcher.replies = [{ status: 503 }];
      const run = await trigger(workflow());
      await worker.settled();
      expect(await statusOf(run)).toBe('failed');
      expect(dispatcher.requests).toHaveLength(1);
    });

    it('signs every attempt so that receivers holding either key verify it', async () => {
      const { dispatcher, worker, trigger } = await setup();
      await trigger(workflow({ signingKey: 'ops' }));
      await worker.settled();
      const [request] = dispatcher.requests;
      expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
      for (const key of [currentKey, previousKey]) {
        expect(
          new Webhook(key).verify(request.body!, request.headers),
        ).toMatchObject({
          run: expect.any(String),
        });
      }
    });

    describe('when the replica sending an attempt dies', () => {
      /** A run whose delivery a replica claimed and then died holding. */
      async function abandonedRun(
        s: Awaited<ReturnType<typeof setup>>,
        maxAttempts: number,
      ) {
        const wf = await s.publish(workflow({ maxAttempts }));
        const ids = newDeliveryIds();
        const run = await s.store.createRun({
          workflowId: wf.id,
          revision: 1,
          requestedBy: grace.userEntityRef,
          status: 'in_progress',
          inputs: {},
          delivery: {
            ...ids,
            maxAttempts,
            claim: {
              owner: 'replica-dead',
              leaseMs: 1,
              tokenHash: hashRunToken('ssrt_first'),
            },
          },
        });
        await new Promise(resolve => setTimeout(resolve, 20));
        return { run, ...ids };
      }

      it('resends the interrupted attempt with the same webhook-id and a token of its own, both valid', async () => {
        const s = await setup();
        const { run, webhookId } = await abandonedRun(s, 2);
        const other = s.makeWorker('replica-b');

        await expect(other.pollOnce()).resolves.toBe(1);
        await other.settled();

        expect(await s.statusOf(run)).toBe('success');
        expect(s.dispatcher.requests).toHaveLength(1);
        expect(s.dispatcher.requests[0].headers['webhook-id']).toBe(webhookId);
        const [interrupted, resent] = await s.attempts(run);
        expect(interrupted).toMatchObject({
          attempt: 1,
          maxAttempts: 2,
          outcome: 'unknown',
          error: { kind: 'interrupted' },
        });
        expect(resent).toMatchObject({ attempt: 2, outcome: 'success' });
        // A receiver that kept the first attempt's token is still heard.
        const verifier = new RunTokenVerifier(s.store);
        const token = JSON.parse(s.dispatcher.requests[0].body!).token;
        await expect(verifier.verify(run.id, token)).resolves.toBe(true);
        await expect(verifier.verify(run.id, 'ssrt_first')).resolves.toBe(true);
      });

      it('fails the run saying the outcome is unknown when no attempt remains, sending nothing', async () => {
        const s = await setup();
        const { run } = await abandonedRun(s, 1);
        const other = s.makeWorker('replica-b');

        await other.pollOnce();
        await other.settled();

        expect(s.dispatcher.requests).toHaveLength(0);
        expect(await s.statusOf(run)).toBe('failed');
        const events = await s.store.listRunEvents(run.id);
        expect(events.at(-1)?.data).toEqual({
          from: 'in_progress',
          to: 'failed',
          message: unknownOutcomeMessage(1),
        });
        expect(await s.deliveries.getRunDelivery(run.id)).toMatchObject({
          status: 'failed',
          attempts: 1,
        });
      });
    });

    it('resends a failed run with the same webhook-id, once, on request', async () => {
      const { dispatcher, worker, commands, trigger, attempts, statusOf } =
        await setup();
      dispatcher.replies = [{ status: 500 }, { status: 200 }];
      const run = await trigger(workflow());
      await worker.settled();
      expect(await statusOf(run)).toBe('failed');

      const reopened = await commands.redeliver({
        runId: run.id,
        actor: 'user:default/ada',
      });
      expect(reopened.status).toBe('in_progress');
      await worker.settled();

      expect(await statusOf(run)).toBe('success');
      expect(dispatcher.requests).toHaveLength(2);
      expect(dispatcher.requests[1].headers['webhook-id']).toBe(
        dispatcher.requests[0].headers['webhook-id'],
      );
      expect(
        (await attempts(run)).map(a => [a.attempt, a.maxAttempts]),
      ).toEqual([
        [1, 1],
        [2, 2],
      ]);
      // The inputs are the run's own: the same body but for the token.
      const bodies = dispatcher.requests.map(r => JSON.parse(r.body!));
      expect(bodies[1].run).toBe(bodies[0].run);
      expect(bodies[1].token).not.toBe(bodies[0].token);
    });
  });
});

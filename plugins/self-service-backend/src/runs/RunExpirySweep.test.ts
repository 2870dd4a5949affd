import type { AuditorService } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  Run,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import knexFactory, { type Knex } from 'knex';
import type { RunServiceConfig } from '../config';
import { DatabaseDeliveryStore } from '../database/DatabaseDeliveryStore';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import { RunEntityStore } from '../database/RunEntityStore';
import { RunExpiryStore } from '../database/RunExpiryStore';
import { RunStepStore } from '../database/RunStepStore';
import { DeliveryWorker } from '../delivery/DeliveryWorker';
import type {
  DispatchAttempt,
  RenderedRequest,
  RequestDispatcher,
} from '../dispatch';
import { type ExpiryDeps, extendRun } from './commands/expireRun';
import { RunCommands } from './RunCommands';
import { RunExpirySweep } from './RunExpirySweep';
import type { RunNotifier } from './RunNotifier';

jest.setTimeout(60_000);

const config: RunServiceConfig = {
  secrets: {},
  requestTimeoutMs: 30000,
  maxResponseBodyBytes: 65536,
  maxCallbackEventsPerRun: 500,
  signingKeys: new Map(),
};

const grace = {
  userEntityRef: 'user:default/grace',
  ownershipEntityRefs: ['user:default/grace', 'group:default/payments-team'],
};

const teardownPreview: WorkflowDefinition = {
  identifier: 'teardown-preview',
  name: 'Tear down preview environment',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [
    { identifier: 'branch', name: 'Branch', type: 'string', required: true },
    {
      identifier: 'source',
      name: 'Source run',
      type: 'string',
      required: true,
    },
  ],
  request: {
    method: 'POST',
    url: 'https://infra.example.com/teardown',
    headers: { 'content-type': 'application/json' },
    body: '{"branch": "{{data.branch}}", "source": "{{data.source}}"}',
  },
};

const provisionPreview: WorkflowDefinition = {
  identifier: 'provision-preview',
  name: 'Provision preview environment',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [
    { identifier: 'branch', name: 'Branch', type: 'string', required: true },
  ],
  request: { method: 'POST', url: 'https://infra.example.com/provision' },
  lifecycle: {
    ttl: { default: 'PT2H', max: 'P5D' },
    teardown: {
      workflow: 'teardown-preview',
      inputs: { branch: '{{data.branch}}', source: '{{run.id}}' },
    },
  },
};

/** Answers every request 200 at once, and remembers it. */
class AnsweringDispatcher implements RequestDispatcher {
  readonly requests: RenderedRequest[] = [];

  async dispatch(request: RenderedRequest): Promise<DispatchAttempt> {
    this.requests.push(request);
    await new Promise(resolve => setImmediate(resolve));
    return {
      startedAt: new Date().toISOString(),
      durationMs: 1,
      request: {
        method: request.method,
        url: request.url,
        headers: { ...request.headers },
      },
      response: {
        status: 200,
        statusText: 'OK',
        headers: {},
        body: '{}',
        bodyTruncated: false,
      },
      outcome: 'success',
    };
  }
}

const auditor: AuditorService = {
  async createEvent() {
    return { async success() {}, async fail() {} };
  },
};

describe('RunExpirySweep', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    const extraClients: Knex[] = [];

    afterEach(async () => {
      jest.useRealTimers();
      await Promise.all(extraClients.splice(0).map(k => k.destroy()));
    });

    /** One replica: its own stores, worker and sweep over `knex`. */
    function replica(
      knex: Knex,
      store: DatabaseSelfServiceStore,
      dispatcher: AnsweringDispatcher,
      expiring: Run[],
    ) {
      const notifier = {
        runChanged: async () => {},
        runFinished: async () => {},
        approvalRequested: async () => {},
        stepApprovalRequested: async () => {},
        runExpiring: async (run: Run) => {
          expiring.push(run);
        },
      } as unknown as RunNotifier;
      const deliveries = new DatabaseDeliveryStore(knex);
      const steps = new RunStepStore(knex);
      const logger = mockServices.logger.mock();
      const worker = new DeliveryWorker({
        store,
        deliveries,
        steps,
        dispatcher,
        notifier,
        logger,
        config,
        callbackBaseUrl: 'http://localhost:7007/api/self-service',
        recordRetryDelaysMs: [1, 1, 1],
      });
      const deps: ExpiryDeps = {
        store,
        deliveries,
        steps,
        worker,
        catalog: catalogServiceMock({ entities: [] }),
        auth: mockServices.auth(),
        notifier,
        logger,
        auditor,
        config,
        callbackBaseUrl: 'http://localhost:7007/api/self-service',
        expiries: new RunExpiryStore(knex),
      };
      return {
        deps,
        worker,
        commands: new RunCommands(deps),
        sweep: new RunExpirySweep(deps),
      };
    }

    async function setup() {
      // Only Date is faked: the database clients keep their real timers.
      jest.useFakeTimers({
        doNotFake: [
          'nextTick',
          'setImmediate',
          'clearImmediate',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'queueMicrotask',
          'hrtime',
          'performance',
        ],
        now: new Date('2026-12-01T10:00:00Z'),
      });
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const dispatcher = new AnsweringDispatcher();
      const expiring: Run[] = [];
      const a = replica(knex, store, dispatcher, expiring);
      // A second replica: on PostgreSQL with a pool of its own.
      let otherKnex = knex;
      if (databaseId === 'POSTGRES_15') {
        otherKnex = knexFactory(knex.client.config);
        extraClients.push(otherKnex);
      }
      const otherStore =
        otherKnex === knex
          ? store
          : await DatabaseSelfServiceStore.create({
              database: mockServices.database({
                knex: otherKnex,
                migrations: { skip: true },
              }),
            });
      const b = replica(otherKnex, otherStore, dispatcher, expiring);
      await store.createWorkflow({
        definition: teardownPreview,
        actor: 'user:default/ada',
      });
      const provision = await store.createWorkflow({
        definition: provisionPreview,
        actor: 'user:default/ada',
      });
      const run = await a.commands.trigger({
        workflow: provision,
        caller: grace,
        credentials: mockCredentials.user(grace.userEntityRef),
        inputs: { branch: 'feature/x"}, "admin": true' },
      });
      await a.worker.settled();
      const succeeded = (await store.getRun(run.id))!;
      expect(succeeded.status).toBe('success');
      return { knex, store, dispatcher, expiring, a, b, run: succeeded };
    }

    it('expires a successful run after its TTL, telling its requester a tenth of it before', async () => {
      const { a, run, expiring } = await setup();
      expect(run.expiresAt).toBe('2026-12-01T12:00:00.000Z');

      // Two hours; told 12 minutes before, once.
      expect(await a.sweep.sweep(new Date('2026-12-01T11:47:00Z'))).toEqual({
        noticed: 0,
        tornDown: 0,
      });
      jest.setSystemTime(new Date('2026-12-01T11:48:00Z'));
      expect(await a.sweep.sweep()).toEqual({ noticed: 1, tornDown: 0 });
      expect(await a.sweep.sweep()).toEqual({ noticed: 0, tornDown: 0 });
      expect(expiring.map(r => r.id)).toEqual([run.id]);
    });

    it('extends up to max, refusing past it with 400 naming the field', async () => {
      const { a, store, run } = await setup();
      const extended = await extendRun(a.deps, run, 'P2D', grace.userEntityRef);
      expect(extended.expiresAt).toBe('2026-12-03T12:00:00.000Z');
      // The run ended at 10:00; five days later is the most.
      await expect(
        extendRun(a.deps, extended, 'P3D', grace.userEntityRef),
      ).rejects.toThrow(InputError);
      await expect(
        extendRun(a.deps, extended, 'P3D', grace.userEntityRef),
      ).rejects.toThrow(/^by: extending by P3D would keep the run past/);
      await expect(
        extendRun(a.deps, extended, 'tomorrow', grace.userEntityRef),
      ).rejects.toThrow(/^by: required, an ISO 8601 duration/);
      expect((await store.getRun(run.id))?.expiresAt).toBe(
        '2026-12-03T12:00:00.000Z',
      );
      const events = await store.listRunEvents(run.id);
      expect(events.filter(e => e.type === 'expiry_extended')).toHaveLength(1);
    });

    it('tears a run down exactly once when two replicas and a restart meet its expiry, then removes its entities', async () => {
      const { knex, store, dispatcher, a, b, run } = await setup();
      const entities = new RunEntityStore(knex);
      await entities.putEntity({
        runId: run.id,
        workflowIdentifier: 'provision-preview',
        entityRef: 'resource:default/preview-x',
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Resource',
          metadata: { name: 'preview-x', namespace: 'default' },
          spec: { type: 'environment', owner: 'group:default/payments-team' },
        },
      });

      const expiringIds = async () =>
        (
          await store.listRuns({ filter: { expiring: true }, limit: 10 })
        ).items.map(r => r.id);
      expect(await expiringIds()).toEqual([run.id]);

      jest.setSystemTime(new Date('2026-12-01T12:00:01Z'));
      const results = await Promise.all([
        a.sweep.sweep(),
        b.sweep.sweep(),
        a.sweep.sweep(),
        b.sweep.sweep(),
      ]);
      expect(results.reduce((sum, r) => sum + r.tornDown, 0)).toBe(1);
      // After a restart, a new sweep finds nothing left to do.
      const restarted = replica(knex, store, dispatcher, []);
      expect((await restarted.sweep.sweep()).tornDown).toBe(0);
      await Promise.all([a.worker.settled(), b.worker.settled()]);

      const original = (await store.getRun(run.id))!;
      expect(original.teardownRunId).toEqual(expect.any(String));
      const teardown = (await store.getRun(original.teardownRunId!))!;
      expect(teardown).toMatchObject({
        workflowIdentifier: 'teardown-preview',
        tearsDownRunId: run.id,
        requestedBy: grace.userEntityRef,
        status: 'success',
        inputs: { branch: 'feature/x"}, "admin": true', source: run.id },
      });
      const sent = dispatcher.requests.filter(r => r.url.endsWith('/teardown'));
      expect(sent).toHaveLength(1);
      // The original's inputs are values, never structure.
      expect(JSON.parse(sent[0].body!)).toEqual({
        branch: 'feature/x"}, "admin": true',
        source: run.id,
      });
      const events = await store.listRunEvents(run.id);
      expect(events.filter(e => e.type === 'teardown_triggered')).toEqual([
        expect.objectContaining({
          actor: 'self-service:expiry',
          data: expect.objectContaining({ teardownRunId: teardown.id }),
        }),
      ]);
      // The teardown succeeded: the entities the run created are removed.
      const stored = await entities.getEntity('resource:default/preview-x');
      expect(stored?.removedAt).toEqual(expect.any(String));
      expect(
        (await entities.listRunActions(teardown.id)).map(x => x.action),
      ).toEqual(['removed']);
      expect(await expiringIds()).toEqual([]);
      // Both runs touched the entity: one created it, one removed it.
      const touching = await store.listRuns({
        filter: { touching: 'resource:default/preview-x' },
        limit: 10,
      });
      expect(touching.items.map(r => r.id).sort()).toEqual(
        [run.id, teardown.id].sort(),
      );
      // A torn-down run is extended no more.
      await expect(
        extendRun(a.deps, original, 'PT1H', grace.userEntityRef),
      ).rejects.toThrow(/already being torn down/);
    });
  });
});

import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  StepsWorkflowDefinition,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../../access/accessRules';
import type { RunServiceConfig } from '../../config';
import { DatabaseDeliveryStore } from '../../database/DatabaseDeliveryStore';
import { DatabaseSelfServiceStore } from '../../database/DatabaseSelfServiceStore';
import { RunStepStore } from '../../database/RunStepStore';
import { DeliveryWorker } from '../../delivery/DeliveryWorker';
import type {
  DispatchAttempt,
  RenderedRequest,
  RequestDispatcher,
} from '../../dispatch';
import { RunCommands } from '../RunCommands';
import type { RunNotifier } from '../RunNotifier';

jest.setTimeout(60_000);

const ada: Caller = {
  userEntityRef: 'user:default/ada',
  ownershipEntityRefs: ['user:default/ada'],
};

/** Answers every request with 200 and an empty JSON object. */
class AnsweringDispatcher implements RequestDispatcher {
  readonly urls: string[] = [];
  async dispatch(request: RenderedRequest): Promise<DispatchAttempt> {
    this.urls.push(request.url);
    return {
      startedAt: new Date().toISOString(),
      durationMs: 1,
      request: { ...request, headers: { ...request.headers } },
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

const config: RunServiceConfig = {
  secrets: {},
  requestTimeoutMs: 30_000,
  maxResponseBodyBytes: 65536,
  maxCallbackEventsPerRun: 500,
  signingKeys: new Map(),
};

function definition(steps: WorkflowStep[]): StepsWorkflowDefinition {
  return {
    identifier: 'release',
    name: 'Release',
    scope: { type: 'global' },
    access: { type: 'everyone' },
    parameters: [],
    steps,
  };
}

const request = (id: string, dependsOn: string[]): WorkflowStep => ({
  id,
  name: id,
  kind: 'request',
  dependsOn,
  execution: { type: 'simple' },
  request: { method: 'POST', url: `https://ops.example.com/${id}` },
});

describe('endOverdueSteps', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    /** Commands without step timers: as if the replica that set the deadlines stopped. */
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const deliveries = new DatabaseDeliveryStore(knex);
      const steps = new RunStepStore(knex);
      const dispatcher = new AnsweringDispatcher();
      const finished: string[] = [];
      const notifier = {
        runChanged: async () => {},
        runFinished: async (run: { status: string }) => {
          finished.push(run.status);
        },
        stepApprovalRequested: async () => {},
      } as unknown as RunNotifier;
      const worker = new DeliveryWorker({
        store,
        deliveries,
        steps,
        dispatcher,
        notifier,
        logger: mockServices.logger.mock(),
        config,
        callbackBaseUrl: 'http://localhost:7007/api/self-service',
      });
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
      const start = async (workflowSteps: WorkflowStep[]) => {
        const workflow = await store.createWorkflow({
          definition: definition(workflowSteps),
          actor: ada.userEntityRef,
        });
        const run = await commands.trigger({
          workflow,
          inputs: {},
          caller: ada,
          credentials: mockCredentials.user(ada.userEntityRef),
        });
        await worker.settled();
        return run;
      };
      const statuses = async (runId: string) =>
        Object.fromEntries(
          (await steps.listRunSteps(runId)).map(s => [s.stepId, s.status]),
        );
      return { commands, worker, dispatcher, start, statuses, store, finished };
    }

    it('ends a wait whose time came and sends what depends on it, once however often it sweeps', async () => {
      const { commands, worker, dispatcher, start, statuses, store } =
        await setup();
      const run = await start([
        request('build', []),
        {
          id: 'settle',
          name: 'Settle',
          kind: 'wait',
          dependsOn: ['build'],
          seconds: 60,
        },
        request('deploy', ['settle']),
      ]);
      expect(await statuses(run.id)).toEqual({
        build: 'success',
        settle: 'running',
        deploy: 'pending',
      });

      expect(await commands.endOverdueSteps(new Date())).toBe(0);
      const later = new Date(Date.now() + 61_000);
      const [first, second] = await Promise.all([
        commands.endOverdueSteps(later),
        commands.endOverdueSteps(later),
      ]);
      expect(first + second).toBe(1);
      await worker.settled();

      expect(await statuses(run.id)).toEqual({
        build: 'success',
        settle: 'success',
        deploy: 'success',
      });
      expect(dispatcher.urls).toEqual([
        'https://ops.example.com/build',
        'https://ops.example.com/deploy',
      ]);
      expect((await store.getRun(run.id))?.status).toBe('success');
    });

    it('times out a gate nobody decided, and the run with it', async () => {
      const { commands, worker, start, statuses, store, finished } =
        await setup();
      const run = await start([
        {
          id: 'gate',
          name: 'Gate',
          kind: 'approval',
          dependsOn: [],
          approvers: ['group:default/sre'],
          mode: 'any',
          timeoutSeconds: 300,
        },
        request('deploy', ['gate']),
      ]);
      expect(await statuses(run.id)).toEqual({
        gate: 'waiting_approval',
        deploy: 'pending',
      });
      expect(
        await commands.endOverdueSteps(new Date(Date.now() + 301_000)),
      ).toBe(1);
      await worker.settled();
      expect(await statuses(run.id)).toEqual({
        gate: 'timed_out',
        deploy: 'skipped',
      });
      expect((await store.getRun(run.id))?.status).toBe('timed_out');
      expect(finished).toEqual(['timed_out']);
    });
  });
});

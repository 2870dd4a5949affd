import { TestDatabases } from '@backstage/backend-test-utils';
import type { WorkflowStep } from '@backstage-self-service/plugin-self-service-common';
import knexFactory, { type Knex } from 'knex';
import type { StepEnd } from '../steps/planSteps';
import {
  fanOutAndIn,
  planner,
  startStepRun,
  step,
} from './__testUtils__/stepRuns';
import { DatabaseDeliveryStore } from './DatabaseDeliveryStore';
import type { AttemptRecord } from './DeliveryStore';
import type { AppliedStepPlan, RunStepsState } from './runStepWrites';

jest.setTimeout(60_000);

/** A run of `graph`, with replica a's records of its step requests. */
async function setup(knex: Knex, graph: ReadonlyArray<WorkflowStep>) {
  const started = await startStepRun(knex, graph);
  const deliveries = new DatabaseDeliveryStore(knex);
  /** Delivery ids of the step requests started so far, by step. */
  const requests = new Map<string, string>();
  /** Where the steps stood once each step was started, by step. */
  const startedWith = new Map<string, RunStepsState>();
  const track = (applied?: AppliedStepPlan) =>
    (applied?.plan?.deliveries ?? []).forEach(({ stepId, delivery }) => {
      requests.set(stepId, delivery.id);
      startedWith.set(stepId, {
        runStatus: applied!.runStatus,
        steps: applied!.steps,
        version: applied!.version,
      });
    });
  track(started.started);

  /** Replica a's record of a step's response. */
  const response = (
    stepId: string,
    to: StepEnd['to'] = 'success',
    outputs?: StepEnd['outputs'],
  ): AttemptRecord => ({
    deliveryId: requests.get(stepId)!,
    runId: started.run.id,
    owner: 'replica-a',
    attempt: 1,
    next: { status: to === 'success' ? 'delivered' : 'failed' },
    event: {
      type: 'request_sent',
      stepId,
      data: {
        attempt: 1,
        outcome: to === 'success' ? 'success' : 'failure',
      },
    },
    steps: planner(graph, { stepId, to, outputs }),
  });
  /** The record by the replica that started the step, as the worker makes it. */
  const startedResponse = (stepId: string, to?: StepEnd['to']) => ({
    ...response(stepId, to),
    knownSteps: startedWith.get(stepId),
  });
  const record = async (attempt: AttemptRecord) => {
    const recorded = await deliveries.recordAttempt(attempt);
    track(recorded.steps);
    return recorded;
  };

  const statuses = async () =>
    Object.fromEntries(
      (await started.steps.listRunSteps(started.run.id)).map(s => [
        s.stepId,
        s.status,
      ]),
    );
  /** Every request of the run by step, with its state. */
  const stepRequests = async () =>
    knex('deliveries')
      .where('run_id', started.run.id)
      .orderBy('step_id')
      .select('step_id', 'status', 'lease_owner', 'attempts');
  /** The timeline's numbers, which must run 1, 2, 3… without a gap. */
  const sequences = async () =>
    (await started.store.listRunEvents(started.run.id)).map(e => e.sequence);

  return {
    knex,
    ...started,
    deliveries,
    requests,
    response,
    startedResponse,
    record,
    statuses,
    stepRequests,
    sequences,
  };
}

const countStatements = (knex: Knex) => {
  const statements: string[] = [];
  const listener = (query: { sql: string }) => statements.push(query.sql);
  knex.on('query', listener);
  return {
    statements,
    stop: () => knex.removeListener('query', listener),
  };
};

/**
 * A step request's response recorded with what its end decides: the
 * step's end, the requests of the steps that start and the run's end, in
 * one write whichever replica records it and however many record at once.
 */
describe('DatabaseDeliveryStore recording the responses of step requests', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    const start = async (graph: ReadonlyArray<WorkflowStep>) =>
      setup(await databases.init(databaseId), graph);

    it('records a response with its step’s end and starts the steps that waited for it, with their outputs', async () => {
      const graph = [
        step('network'),
        step('database', 'network'),
        step('cluster', 'network'),
      ];
      const { run, steps, store, response, record, stepRequests } = await start(
        graph,
      );

      const recorded = await record(
        response('network', 'success', { vpcId: 'vpc-1' }),
      );

      expect(recorded).toMatchObject({ held: true, runChanged: false });
      // What the record says it left is what is stored.
      expect(recorded.steps?.steps).toEqual(await steps.listRunSteps(run.id));
      expect(recorded.steps?.steps).toMatchObject([
        { stepId: 'network', status: 'success', outputs: { vpcId: 'vpc-1' } },
        { stepId: 'database', status: 'running' },
        { stepId: 'cluster', status: 'running' },
      ]);
      expect(await stepRequests()).toEqual([
        {
          step_id: 'cluster',
          status: 'sending',
          lease_owner: 'replica-a',
          attempts: 1,
        },
        {
          step_id: 'database',
          status: 'sending',
          lease_owner: 'replica-a',
          attempts: 1,
        },
        {
          step_id: 'network',
          status: 'delivered',
          lease_owner: null,
          attempts: 1,
        },
      ]);
      for (const stepId of ['database', 'cluster']) {
        await expect(store.listRunTokenHashes(run.id, stepId)).resolves.toEqual(
          [expect.stringMatching(/^0*s\d+$/)],
        );
      }
      const events = await store.listRunEvents(run.id);
      expect(events.map(e => e.sequence)).toEqual(events.map((_, i) => i + 1));
      // The response first, then what its end changed, in plan order.
      expect(events.slice(-4).map(e => [e.type, e.stepId, e.data.to])).toEqual([
        ['request_sent', 'network', undefined],
        ['status_changed', 'network', 'success'],
        ['status_changed', 'database', 'running'],
        ['status_changed', 'cluster', 'running'],
      ]);
    });

    it('starts the step after a 20-way fan-in once when the 20 responses are recorded at the same time', async () => {
      const graph = fanOutAndIn(20);
      const middle = graph.slice(1, -1);
      const { response, record, statuses, stepRequests, sequences } =
        await start(graph);
      await record(response('root'));

      const recorded = await Promise.all(
        middle.map(m => record(response(m.id))),
      );

      expect(recorded.every(r => r.held)).toBe(true);
      expect(
        recorded.filter(r =>
          r.steps?.plan?.deliveries?.some(d => d.stepId === 'join'),
        ),
      ).toHaveLength(1);
      expect(await statuses()).toEqual({
        root: 'success',
        ...Object.fromEntries(middle.map(m => [m.id, 'success'])),
        join: 'running',
      });
      const requests = await stepRequests();
      expect(requests.filter(r => r.step_id === 'join')).toEqual([
        {
          step_id: 'join',
          status: 'sending',
          lease_owner: 'replica-a',
          attempts: 1,
        },
      ]);
      expect(
        requests.filter(r => r.step_id !== 'join').map(r => r.status),
      ).toEqual(Array(21).fill('delivered'));
      const numbers = await sequences();
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    });

    it('records a response that comes back after another replica took the request over on the timeline only', async () => {
      const graph = [step('network'), step('database', 'network')];
      const { knex, run, requests, response, record, statuses, stepRequests } =
        await start(graph);
      await knex('deliveries')
        .where('id', requests.get('network'))
        .update({ lease_owner: 'replica-b', attempts: 2 });

      const late = await record(response('network'));

      expect(late).toEqual({ held: false, runChanged: false });
      expect(await statuses()).toEqual({
        network: 'running',
        database: 'pending',
      });
      expect(await stepRequests()).toEqual([
        {
          step_id: 'network',
          status: 'sending',
          lease_owner: 'replica-b',
          attempts: 2,
        },
      ]);
      const events = await knex('run_events')
        .where('run_id', run.id)
        .orderBy('sequence')
        .select('type', 'step_id');
      expect(events.at(-1)).toEqual({
        type: 'request_sent',
        step_id: 'network',
      });
    });

    it('ends the run with the response of its last step', async () => {
      const graph = [step('network'), step('database', 'network')];
      const { run, store, response, record } = await start(graph);
      await record(response('network'));

      const last = await record(response('database'));

      expect(last).toMatchObject({ held: true, runChanged: true });
      expect(await store.getRun(run.id)).toMatchObject({
        status: 'success',
        finishedAt: expect.any(String),
      });
    });

    it('fails the run with a failed response and skips what was waiting', async () => {
      const graph = [step('network'), step('database', 'network')];
      const { run, store, response, record, statuses, stepRequests } =
        await start(graph);

      const failed = await record(response('network', 'failed'));

      expect(failed).toMatchObject({ held: true, runChanged: true });
      expect(await statuses()).toEqual({
        network: 'failed',
        database: 'skipped',
      });
      expect((await store.getRun(run.id))?.status).toBe('failed');
      expect((await stepRequests()).map(r => r.step_id)).toEqual(['network']);
    });
  });
  // Only PostgreSQL records a response in one statement, planned without
  // the run's lock; SQLite writes one transaction at a time.
  (databases.eachSupportedId().some(([id]) => id === 'POSTGRES_15')
    ? describe
    : describe.skip)('on POSTGRES_15, in one statement', () => {
    const start = async (graph: ReadonlyArray<WorkflowStep>) =>
      setup(await databases.init('POSTGRES_15'), graph);

    it('records a response and starts what waited for it in one write after one read', async () => {
      const graph = [step('network'), step('database', 'network')];
      const { knex, response, record, statuses } = await start(graph);

      const counted = countStatements(knex);
      await record(response('network'));
      counted.stop();

      expect(counted.statements).toEqual([
        expect.stringMatching(/^SELECT runs.status AS run_status/),
        expect.stringMatching(/^WITH gate AS \(/),
      ]);
      expect(await statuses()).toEqual({
        network: 'success',
        database: 'running',
      });
    });

    it('records the response of a step it started in one write, planned from where the steps stood when it started them', async () => {
      const graph = [
        step('network'),
        step('database', 'network'),
        step('service', 'database'),
      ];
      const { knex, startedResponse, record, statuses } = await start(graph);

      const counted = countStatements(knex);
      await record(startedResponse('network'));
      await record(startedResponse('database'));
      counted.stop();

      expect(counted.statements).toEqual([
        expect.stringMatching(/^WITH gate AS \(/),
        expect.stringMatching(/^WITH gate AS \(/),
      ]);
      expect(await statuses()).toEqual({
        network: 'success',
        database: 'success',
        service: 'running',
      });
    });

    it('plans from a read when the steps changed since it started the step, and starts a fan-in once', async () => {
      const graph = [
        step('root'),
        step('a', 'root'),
        step('b', 'root'),
        step('join', 'a', 'b'),
      ];
      const { knex, startedResponse, record, statuses, stepRequests } =
        await start(graph);
      await record(startedResponse('root'));
      // a and b were started by one plan; a's end changes what b's knew.
      await record(startedResponse('a'));

      const counted = countStatements(knex);
      const recorded = await record(startedResponse('b'));
      counted.stop();

      // The write planned from what b knew wrote nothing; then a read.
      expect(counted.statements).toEqual([
        expect.stringMatching(/^WITH gate AS \(/),
        expect.stringMatching(/^SELECT runs.status AS run_status/),
        expect.stringMatching(/^WITH gate AS \(/),
      ]);
      expect(recorded.steps?.plan?.deliveries?.map(d => d.stepId)).toEqual([
        'join',
      ]);
      expect(await statuses()).toEqual({
        root: 'success',
        a: 'success',
        b: 'success',
        join: 'running',
      });
      expect(
        (await stepRequests()).filter(r => r.step_id === 'join'),
      ).toHaveLength(1);
    });

    it('records through a pool whose server forgot the statements it prepared', async () => {
      const testKnex = await databases.init('POSTGRES_15');
      // One connection, so that the server forgets what this one prepared.
      const single = knexFactory({
        client: 'pg',
        connection: testKnex.client.config.connection,
        pool: { min: 1, max: 1 },
      });
      try {
        const graph = [
          step('network'),
          step('database', 'network'),
          step('service', 'database'),
        ];
        const { startedResponse, record, statuses } = await setup(
          single,
          graph,
        );
        await record(startedResponse('network'));
        // As a pooler handing the next statement to another server
        // connection would: the same statement, no longer prepared.
        await single.raw('DEALLOCATE ALL');
        await record(startedResponse('database'));

        expect(await statuses()).toEqual({
          network: 'success',
          database: 'success',
          service: 'running',
        });
      } finally {
        await single.destroy();
      }
    });

    it('plans again under the run’s lock when a sibling’s end lands between reading the steps and writing', async () => {
      const graph = [
        step('database'),
        step('cluster'),
        step('service', 'database', 'cluster'),
      ];
      const { knex, run, steps, response, record, statuses, stepRequests } =
        await start(graph);
      const planned = jest.fn(response('database').steps!);
      // The cluster's callback lands after the database's response was
      // planned from "cluster running", before it is written.
      const raw = knex.raw.bind(knex);
      let interfered = false;
      Object.defineProperty(knex, 'raw', {
        configurable: true,
        value: (sql: string, bindings: Knex.RawBinding[]) => {
          if (!interfered && sql.startsWith('WITH gate')) {
            interfered = true;
            // The statement is run with options (its prepared name).
            return {
              options: (options: Readonly<Record<string, unknown>>) =>
                steps
                  .updateSteps(
                    run.id,
                    planner(graph, { stepId: 'cluster', to: 'success' }),
                  )
                  .then(() => raw(sql, bindings).options(options)),
            };
          }
          return raw(sql, bindings);
        },
      });

      const recorded = await record({
        ...response('database'),
        steps: planned,
      });

      expect(interfered).toBe(true);
      // Planned twice: from the read, then from the steps as they are.
      expect(planned).toHaveBeenCalledTimes(2);
      expect(recorded.steps?.steps.map(s => [s.stepId, s.status])).toEqual([
        ['database', 'success'],
        ['cluster', 'success'],
        ['service', 'running'],
      ]);
      expect(await statuses()).toEqual({
        database: 'success',
        cluster: 'success',
        service: 'running',
      });
      expect(
        (await stepRequests()).filter(r => r.step_id === 'service'),
      ).toHaveLength(1);
    });
  });
});

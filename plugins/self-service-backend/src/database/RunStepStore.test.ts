import { TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import type {
  WorkflowApprovalStep,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import { approvalOutcome } from '../steps/approvalOutcome';
import { planCancel, planRetry } from '../steps/operateRun';
import { planStepDeadlines } from '../steps/stepDeadlines';
import {
  claim,
  engine,
  fanOutAndIn,
  planner,
  startStepRun,
  step,
} from './__testUtils__/stepRuns';
import { DatabaseDeliveryStore } from './DatabaseDeliveryStore';
import { newDeliveryIds } from './deliveryRows';
import { type DecisionState, RunStepStore } from './RunStepStore';

jest.setTimeout(60_000);

describe('RunStepStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup(graph: ReadonlyArray<WorkflowStep>) {
      const knex = await databases.init(databaseId);
      return { knex, ...(await startStepRun(knex, graph)) };
    }

    const statusesOf = async (steps: RunStepStore, runId: string) =>
      Object.fromEntries(
        (await steps.listRunSteps(runId)).map(s => [s.stepId, s.status]),
      );

    it('runs a diamond: the roots first, both middles at once, the last once both succeeded', async () => {
      const graph = [
        step('network'),
        step('database', 'network'),
        step('cluster', 'network'),
        step('service', 'database', 'cluster'),
      ];
      const { knex, store, steps, run, started } = await setup(graph);
      expect(started.steps.map(s => [s.stepId, s.status])).toEqual([
        ['network', 'running'],
        ['database', 'pending'],
        ['cluster', 'pending'],
        ['service', 'pending'],
      ]);
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'network', to: 'success' }),
      );
      expect(await statusesOf(steps, run.id)).toEqual({
        network: 'success',
        database: 'running',
        cluster: 'running',
        service: 'pending',
      });
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'cluster', to: 'success' }),
      );
      expect((await statusesOf(steps, run.id)).service).toBe('pending');
      const last = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'database', to: 'success' }),
      );
      expect(last.steps.find(s => s.stepId === 'service')).toMatchObject({
        status: 'running',
        startedAt: expect.any(String),
      });
      const done = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'service', to: 'success' }),
      );
      expect(done.runStatus).toBe('success');
      expect((await store.getRun(run.id))?.status).toBe('success');

      // Each step's request was written once, for that step.
      const deliveries = await knex('deliveries')
        .where('run_id', run.id)
        .select('step_id');
      expect(deliveries.map(d => d.step_id).sort()).toEqual([
        'cluster',
        'database',
        'network',
        'service',
      ]);
      const delivery = await new DatabaseDeliveryStore(knex).getRunDelivery(
        run.id,
      );
      expect(delivery?.stepId).toEqual(expect.any(String));
      // Each step's token reports on that step only, never on the run.
      expect(await store.listRunTokenHashes(run.id)).toEqual([]);
      const networkHashes = await store.listRunTokenHashes(run.id, 'network');
      expect(networkHashes).toHaveLength(1);
      expect(await store.listRunTokenHashes(run.id, 'service')).toHaveLength(1);
      expect(await store.listRunTokenHashes(run.id, 'service')).not.toEqual(
        networkHashes,
      );
      // Step events carry their step.
      const events = await store.listRunEvents(run.id, {
        types: ['status_changed'],
      });
      expect(events.map(e => [e.stepId, e.data.to])).toEqual([
        ['network', 'running'],
        ['network', 'success'],
        ['database', 'running'],
        ['cluster', 'running'],
        ['cluster', 'success'],
        ['database', 'success'],
        ['service', 'running'],
        ['service', 'success'],
        [undefined, 'success'],
      ]);
    });

    it('starts the step after a 20-way fan-in once, however many of its dependencies end at the same time', async () => {
      const graph = fanOutAndIn(20);
      const middle = graph.slice(1, -1);
      const { knex, steps, run } = await setup(graph);
      const fannedOut = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'root', to: 'success' }),
      );
      expect(
        fannedOut.steps.filter(s => s.status === 'running').map(s => s.stepId),
      ).toEqual(middle.map(m => m.id));

      await Promise.all(
        middle.map(m =>
          steps.updateSteps(
            run.id,
            planner(graph, { stepId: m.id, to: 'success' }),
          ),
        ),
      );
      expect((await statusesOf(steps, run.id)).join).toBe('running');
      const joins = await knex('deliveries').where({
        run_id: run.id,
        step_id: 'join',
      });
      expect(joins).toHaveLength(1);
    });

    it('skips every step not started once one fails, and fails the run when the running ones finish', async () => {
      const graph = [
        step('network'),
        step('database', 'network'),
        step('cluster', 'network'),
        step('service', 'database', 'cluster'),
        step('docs'),
      ];
      const { store, steps, run } = await setup(graph);
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'docs', to: 'success' }),
      );
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'network', to: 'success' }),
      );
      const failed = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'database', to: 'failed' }),
      );
      expect(failed.runStatus).toBe('in_progress');
      expect(await statusesOf(steps, run.id)).toMatchObject({
        database: 'failed',
        cluster: 'running',
        service: 'skipped',
      });
      const done = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'cluster', to: 'success' }),
      );
      expect(done.runStatus).toBe('failed');
      expect((await store.getRun(run.id))?.finishedAt).toEqual(
        expect.any(String),
      );
    });

    it('writes nothing of a plan made from a state that is gone', async () => {
      const graph = [step('a'), step('b', 'a')];
      const { knex, steps, run } = await setup(graph);
      await expect(
        steps.updateSteps(run.id, () => ({
          changes: [
            { stepId: 'a', from: ['running'], to: 'success' },
            { stepId: 'b', from: ['running'], to: 'success' },
          ],
          deliveries: [
            {
              stepId: 'b',
              delivery: { ...newDeliveryIds(), maxAttempts: 1, claim: claim() },
            },
          ],
        })),
      ).rejects.toThrow('Step b of run');
      expect(await statusesOf(steps, run.id)).toEqual({
        a: 'running',
        b: 'pending',
      });
      expect(
        await knex('deliveries').where({ run_id: run.id, step_id: 'b' }),
      ).toHaveLength(0);
    });

    /** The engine's plan for a decision: the gate ends once its decisions decide it. */
    const decisionPlanner =
      (graph: ReadonlyArray<WorkflowStep>, onDecided?: () => void) =>
      (state: DecisionState, now: Date) => {
        const gate = graph.find(
          (s): s is WorkflowApprovalStep => s.kind === 'approval',
        )!;
        const outcome = approvalOutcome(gate, state.decisions);
        if (!outcome) {
          return undefined;
        }
        onDecided?.();
        return planner(graph, {
          stepId: gate.id,
          from: ['waiting_approval'],
          to: outcome === 'approved' ? 'success' : 'failed',
        })(state, now);
      };

    const approvers = Array.from(
      { length: 50 },
      (_, i) => `user:default/approver-${i}`,
    );
    const gated = (mode: 'any' | 'all'): WorkflowStep[] => [
      {
        id: 'gate',
        name: 'Production approval',
        kind: 'approval',
        dependsOn: [],
        approvers,
        mode,
      },
      step('deploy', 'gate'),
    ];

    it('takes 50 concurrent decisions on an approval step one at a time: with mode any, one decides', async () => {
      const graph = gated('any');
      const { steps, run, started } = await setup(graph);
      expect(started.steps[0].status).toBe('waiting_approval');
      const results = await Promise.allSettled(
        approvers.map((approverRef, i) =>
          steps.decideStep(
            run.id,
            {
              stepId: 'gate',
              approverRef,
              decidedBy: approverRef,
              decision: i % 2 === 0 ? 'approved' : 'rejected',
            },
            decisionPlanner(graph),
          ),
        ),
      );
      const fulfilled = results.filter(r => r.status === 'fulfilled');
      expect(fulfilled).toHaveLength(1);
      const refusals = results.flatMap(r =>
        r.status === 'rejected' ? [r.reason] : [],
      );
      expect(refusals).toHaveLength(49);
      expect(refusals.every(reason => reason instanceof ConflictError)).toBe(
        true,
      );
      const decisions = await steps.listStepDecisions(run.id, 'gate');
      expect(decisions).toHaveLength(1);
      const approved = decisions[0].decision === 'approved';
      expect(await statusesOf(steps, run.id)).toEqual(
        approved
          ? { gate: 'success', deploy: 'running' }
          : { gate: 'failed', deploy: 'skipped' },
      );
    });

    it('with mode all, passes the gate once, when the last of 50 concurrent approvals lands, and refuses a second decision by one approver', async () => {
      const graph = gated('all');
      const { knex, steps, run } = await setup(graph);
      let passed = 0;
      await Promise.all(
        approvers.map(approverRef =>
          steps.decideStep(
            run.id,
            {
              stepId: 'gate',
              approverRef,
              decidedBy: approverRef,
              decision: 'approved',
            },
            decisionPlanner(graph, () => {
              passed += 1;
            }),
          ),
        ),
      );
      expect(passed).toBe(1);
      expect(await statusesOf(steps, run.id)).toEqual({
        gate: 'success',
        deploy: 'running',
      });
      expect(
        await knex('deliveries').where({ run_id: run.id, step_id: 'deploy' }),
      ).toHaveLength(1);
      expect(await steps.listStepDecisions(run.id)).toHaveLength(50);
      await expect(
        steps.decideStep(
          run.id,
          {
            stepId: 'gate',
            approverRef: approvers[0],
            decidedBy: approvers[0],
            decision: 'rejected',
          },
          () => undefined,
        ),
      ).rejects.toThrow(ConflictError);
    });

    it('with mode all, fails the gate on the first rejection and skips what follows', async () => {
      const graph = gated('all');
      const { store, steps, run } = await setup(graph);
      await steps.decideStep(
        run.id,
        {
          stepId: 'gate',
          approverRef: approvers[0],
          decidedBy: approvers[0],
          decision: 'approved',
        },
        decisionPlanner(graph),
      );
      const rejected = await steps.decideStep(
        run.id,
        {
          stepId: 'gate',
          approverRef: approvers[1],
          decidedBy: approvers[1],
          decision: 'rejected',
        },
        decisionPlanner(graph),
      );
      expect(rejected.runStatus).toBe('failed');
      expect(await statusesOf(steps, run.id)).toEqual({
        gate: 'failed',
        deploy: 'skipped',
      });
      expect((await store.getRun(run.id))?.status).toBe('failed');
    });

    it('keeps the outputs a step ended with, for the steps after it to render', async () => {
      const graph = [step('cluster'), step('deploy', 'cluster')];
      const { steps, run } = await setup(graph);
      const hostile = { id: '","admin":true,"x":"', nodes: 3, ready: true };
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'cluster', to: 'success', outputs: hostile }),
      );
      const [cluster, deploy] = await steps.listRunSteps(run.id);
      expect(cluster).toMatchObject({ status: 'success', outputs: hostile });
      expect(deploy).toMatchObject({ status: 'running', outputs: {} });
    });

    it('keeps a wait step running until its deadline', async () => {
      const graph: WorkflowStep[] = [
        { id: 'soak', name: 'Soak', kind: 'wait', dependsOn: [], seconds: 600 },
        step('promote', 'soak'),
      ];
      const { started } = await setup(graph);
      const soak = started.steps[0];
      expect(soak.status).toBe('running');
      expect(Date.parse(soak.deadlineAt!) - Date.parse(soak.startedAt!)).toBe(
        600_000,
      );
    });

    it('lists runs with a step past its deadline, and the sweep plan ends it and starts what waited', async () => {
      const graph: WorkflowStep[] = [
        { id: 'soak', name: 'Soak', kind: 'wait', dependsOn: [], seconds: 60 },
        step('promote', 'soak'),
      ];
      const { steps, run } = await setup(graph);
      const soon = new Date(Date.now() + 61_000);
      expect(await steps.listRunsWithOverdueSteps(new Date(), 10)).toEqual([]);
      expect(await steps.listRunsWithOverdueSteps(soon, 10)).toEqual([run.id]);
      expect(await steps.listRunsWithOverdueSteps(soon, 10, [run.id])).toEqual(
        [],
      );

      await steps.updateSteps(run.id, state =>
        planStepDeadlines(engine(graph, soon), state),
      );
      expect(await statusesOf(steps, run.id)).toEqual({
        soak: 'success',
        promote: 'running',
      });
      expect(await steps.listRunsWithOverdueSteps(soon, 10)).toEqual([]);

      // A run that ended is no longer swept, whatever its steps say.
      const ended = await setup(graph);
      expect(await ended.steps.listRunsWithOverdueSteps(soon, 10)).toEqual([
        ended.run.id,
      ]);
      await ended.store.transitionRun({
        runId: ended.run.id,
        from: ['in_progress'],
        to: 'canceled',
        events: [],
      });
      expect(await ended.steps.listRunsWithOverdueSteps(soon, 10)).toEqual([]);
    });

    it('cancels a run in progress at once; a result arriving afterwards changes nothing', async () => {
      const graph = [step('network'), step('database', 'network')];
      const { store, steps, run } = await setup(graph);
      const canceled = await steps.updateSteps(
        run.id,
        (state, now) =>
          planCancel(engine(graph, now), state, 'user:default/grace')?.plan,
      );
      expect(canceled.runStatus).toBe('canceled');
      expect(await statusesOf(steps, run.id)).toEqual({
        network: 'canceled',
        database: 'canceled',
      });
      expect((await store.getRun(run.id))?.status).toBe('canceled');
      const late = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'network', to: 'success' }),
      );
      expect(late.plan).toBeUndefined();
      expect((await store.getRun(run.id))?.status).toBe('canceled');
    });

    it('retries from the failed step: succeeded steps keep their outputs and are not sent again', async () => {
      const graph = [
        step('network'),
        step('database', 'network'),
        step('cluster', 'network'),
        step('service', 'database', 'cluster'),
      ];
      const { knex, store, steps, run } = await setup(graph);
      await steps.updateSteps(
        run.id,
        planner(graph, {
          stepId: 'network',
          to: 'success',
          outputs: { vpc: 'vpc-1' },
        }),
      );
      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'cluster', to: 'success' }),
      );
      const failed = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'database', to: 'failed' }),
      );
      expect(failed.runStatus).toBe('failed');

      const retried = await steps.updateSteps(run.id, (state, now) => {
        const retry = planRetry(
          engine(graph, now),
          state,
          'user:default/grace',
          [],
        );
        return 'plan' in retry ? retry.plan : undefined;
      });
      expect(retried.runStatus).toBe('in_progress');
      expect(await statusesOf(steps, run.id)).toEqual({
        network: 'success',
        database: 'running',
        cluster: 'success',
        service: 'pending',
      });
      expect(retried.steps[0].outputs).toEqual({ vpc: 'vpc-1' });
      expect((await store.getRun(run.id))?.finishedAt).toBeUndefined();

      await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'database', to: 'success' }),
      );
      const done = await steps.updateSteps(
        run.id,
        planner(graph, { stepId: 'service', to: 'success' }),
      );
      expect(done.runStatus).toBe('success');
      const sent = await knex('deliveries')
        .where('run_id', run.id)
        .select('step_id');
      const count = (id: string) => sent.filter(d => d.step_id === id).length;
      expect({
        network: count('network'),
        cluster: count('cluster'),
        database: count('database'),
        service: count('service'),
      }).toEqual({ network: 1, cluster: 1, database: 2, service: 1 });
    });
  });
});

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import type {
  RunStepStatus,
  StepNode,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { nextStepTransitions, runStatusFromSteps } from '../steps/stepSchedule';
import { DatabaseSelfServiceStore } from './DatabaseSelfServiceStore';
import { DatabaseDeliveryStore } from './DatabaseDeliveryStore';
import { newDeliveryIds } from './deliveryRows';
import { RunStepStore } from './RunStepStore';
import type { RunStepsState, StepChange, StepPlan } from './runStepWrites';

jest.setTimeout(60_000);

const definition: WorkflowDefinition = {
  identifier: 'provision',
  name: 'Provision environment',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://infra.example.com/provision' },
};

const step = (id: string, ...dependsOn: string[]): StepNode => ({
  id,
  dependsOn,
});

let tokens = 0;
const claim = () => {
  tokens += 1;
  return {
    owner: 'replica-a',
    leaseMs: 10_000,
    tokenHash: `s${tokens}`.padStart(64, '0'),
  };
};

/**
 * What the engine decides when a step ends: the step's change, then every
 * step that can start (with its request claimed) or must be skipped, and
 * the run's status once no step is left unfinished.
 */
function planner(
  graph: ReadonlyArray<StepNode>,
  ended?: { stepId: string; to: RunStepStatus; from?: RunStepStatus[] },
) {
  return (state: RunStepsState): StepPlan | undefined => {
    const statuses = new Map(state.steps.map(s => [s.stepId, s.status]));
    const changes: StepChange[] = [];
    if (ended) {
      const from = ended.from ?? ['running'];
      if (!from.includes(statuses.get(ended.stepId)!)) {
        return undefined;
      }
      changes.push({ stepId: ended.stepId, from, to: ended.to });
      statuses.set(ended.stepId, ended.to);
    }
    const next = nextStepTransitions(graph, statuses);
    for (const id of next.start) {
      changes.push({ stepId: id, from: ['pending'], to: 'running' });
      statuses.set(id, 'running');
    }
    for (const id of next.skip) {
      changes.push({ stepId: id, from: ['pending'], to: 'skipped' });
      statuses.set(id, 'skipped');
    }
    const runStatus = runStatusFromSteps(statuses.values());
    return {
      changes,
      deliveries: next.start.map(stepId => ({
        stepId,
        delivery: { ...newDeliveryIds(), maxAttempts: 1, claim: claim() },
      })),
      events: next.start.map(stepId => ({
        type: 'status_changed' as const,
        stepId,
        data: { to: 'running' },
      })),
      ...(runStatus !== state.runStatus && {
        run: { from: [state.runStatus], to: runStatus },
      }),
    };
  };
}

describe('RunStepStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup(graph: ReadonlyArray<StepNode>) {
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const steps = new RunStepStore(knex);
      const workflow = await store.createWorkflow({
        definition,
        actor: 'user:default/ada',
      });
      const run = await store.createRun({
        workflowId: workflow.id,
        revision: 1,
        requestedBy: 'user:default/grace',
        status: 'in_progress',
        inputs: {},
      });
      // Created and started in one transaction, as a run that becomes due is.
      const started = await steps.updateSteps(run.id, state => ({
        ...planner(graph)({
          ...state,
          steps: graph.map((s, position) => ({
            stepId: s.id,
            position,
            status: 'pending',
            outputs: {},
          })),
        })!,
        create: graph.map(s => s.id),
      }));
      return { knex, store, steps, run, started };
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
      // Step events carry their step.
      const events = await store.listRunEvents(run.id, {
        types: ['status_changed'],
      });
      expect(events.map(e => e.stepId)).toEqual([
        'network',
        'database',
        'cluster',
        'service',
        undefined,
      ]);
    });

    it('starts the step after a 20-way fan-in once, however many of its dependencies end at the same time', async () => {
      const middle = Array.from({ length: 20 }, (_, i) =>
        step(`m${i}`, 'root'),
      );
      const graph = [
        step('root'),
        ...middle,
        step('join', ...middle.map(m => m.id)),
      ];
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

    it('takes 50 concurrent decisions on an approval step one at a time: with mode any, one decides', async () => {
      const graph = [step('gate'), step('deploy', 'gate')];
      const { steps, run } = await setup(graph);
      await steps.updateSteps(run.id, () => ({
        changes: [
          { stepId: 'gate', from: ['running'], to: 'waiting_approval' },
        ],
      }));
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          steps.decideStep(
            run.id,
            {
              stepId: 'gate',
              approverRef: `user:default/approver-${i}`,
              decidedBy: `user:default/approver-${i}`,
              decision: i % 2 === 0 ? 'approved' : 'rejected',
            },
            state =>
              planner(graph, {
                stepId: 'gate',
                from: ['waiting_approval'],
                to:
                  state.decisions[0].decision === 'approved'
                    ? 'success'
                    : 'failed',
              })(state),
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
      const gate = (await steps.listRunSteps(run.id))[0];
      expect(gate.status).toBe(
        decisions[0].decision === 'approved' ? 'success' : 'failed',
      );
    });

    it('with mode all, passes the gate once, when the last of 50 concurrent approvals lands, and refuses a second decision by one approver', async () => {
      const graph = [step('gate'), step('deploy', 'gate')];
      const { steps, run } = await setup(graph);
      await steps.updateSteps(run.id, () => ({
        changes: [
          { stepId: 'gate', from: ['running'], to: 'waiting_approval' },
        ],
      }));
      const approvers = Array.from(
        { length: 50 },
        (_, i) => `user:default/approver-${i}`,
      );
      let passed = 0;
      const allApproved = (state: { decisions: { approverRef: string }[] }) =>
        approvers.every(a => state.decisions.some(d => d.approverRef === a));
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
            state => {
              if (!allApproved(state)) {
                return undefined;
              }
              passed += 1;
              return planner(graph, {
                stepId: 'gate',
                from: ['waiting_approval'],
                to: 'success',
              })(state);
            },
          ),
        ),
      );
      expect(passed).toBe(1);
      expect(await statusesOf(steps, run.id)).toEqual({
        gate: 'success',
        deploy: 'running',
      });
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
  });
});

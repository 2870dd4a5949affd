import type {
  WorkflowRequestStep,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { RunStepsState } from '../database/runStepWrites';
import {
  planRunStart,
  planStepProgress,
  type StepEngineContext,
} from './planSteps';

const now = new Date('2026-12-03T10:00:00.000Z');

const request = (id: string, ...dependsOn: string[]): WorkflowRequestStep => ({
  id,
  name: id,
  kind: 'request',
  dependsOn,
  execution: { type: 'simple' },
  request: { method: 'POST', url: `https://infra.example.com/${id}` },
});

function engine(steps: WorkflowStep[], inputs = {}): StepEngineContext {
  let n = 0;
  return {
    steps,
    inputs,
    now,
    prepareRequest: step => {
      n += 1;
      return {
        id: `delivery-${step.id}-${n}`,
        webhookId: `msg_${n}`,
        maxAttempts: 1,
        claim: { owner: 'replica-a', leaseMs: 1000, tokenHash: `${n}` },
      };
    },
  };
}

const state = (
  statuses: Record<string, RunStepsState['steps'][number]['status']>,
): RunStepsState => ({
  runStatus: 'in_progress',
  steps: Object.entries(statuses).map(([stepId, status], position) => ({
    stepId,
    position,
    status,
    outputs: {},
  })),
});

const moves = (plan: ReturnType<typeof planStepProgress>) =>
  Object.fromEntries((plan?.changes ?? []).map(c => [c.stepId, c.to]));

describe('planRunStart', () => {
  it('creates every step and starts the ones that depend on nothing, each with its own request', () => {
    const steps = [
      request('network'),
      request('docs'),
      request('database', 'network'),
    ];
    const plan = planRunStart(engine(steps));
    expect(plan.create).toEqual(['network', 'docs', 'database']);
    expect(moves(plan)).toEqual({ network: 'running', docs: 'running' });
    expect(plan.deliveries?.map(d => [d.stepId, d.delivery.id])).toEqual([
      ['network', 'delivery-network-1'],
      ['docs', 'delivery-docs-2'],
    ]);
    expect(plan.run).toBeUndefined();
  });

  it('puts an approval gate in waiting_approval with its deadline, and asks its approvers', () => {
    const plan = planRunStart(
      engine([
        {
          id: 'gate',
          name: 'Production approval',
          kind: 'approval',
          dependsOn: [],
          approvers: ['group:default/sre'],
          mode: 'all',
          timeoutSeconds: 3600,
        },
        request('deploy', 'gate'),
      ]),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        stepId: 'gate',
        to: 'waiting_approval',
        deadlineAt: new Date('2026-12-03T11:00:00.000Z'),
      }),
    ]);
    expect(plan.deliveries).toBeUndefined();
    expect(plan.events).toContainEqual({
      type: 'approval_requested',
      stepId: 'gate',
      data: { approvers: ['group:default/sre'], mode: 'all' },
    });
  });

  it('runs a wait until its deadline, and passes straight through a wait whose time has come', () => {
    const wait = (
      id: string,
      extra: object,
      ...dependsOn: string[]
    ): WorkflowStep =>
      ({ id, name: id, kind: 'wait', dependsOn, ...extra } as WorkflowStep);
    const plan = planRunStart(
      engine(
        [
          wait('cool-down', { seconds: 90 }),
          wait('window', { untilParameter: 'at' }),
          request('after-window', 'window'),
        ],
        { at: '2026-12-03T09:00:00+01:00' },
      ),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        stepId: 'cool-down',
        to: 'running',
        deadlineAt: new Date('2026-12-03T10:01:30.000Z'),
      }),
      expect.objectContaining({ stepId: 'window', to: 'success' }),
      expect.objectContaining({ stepId: 'after-window', to: 'running' }),
    ]);
  });

  it('fails a wait on an input that is not a time, naming the input, and ends the run', () => {
    const plan = planRunStart(
      engine(
        [
          {
            id: 'w',
            name: 'w',
            kind: 'wait',
            dependsOn: [],
            untilParameter: 'at',
          },
          request('next', 'w'),
        ],
        { at: 'next tuesday' },
      ),
    );
    expect(plan.changes).toEqual([
      expect.objectContaining({
        stepId: 'w',
        to: 'failed',
        message: "data.at: 'next tuesday' is not an ISO 8601 date and time",
      }),
      expect.objectContaining({
        stepId: 'next',
        to: 'skipped',
        message: "Not started: step 'w' failed",
      }),
    ]);
    expect(plan.run).toEqual({
      from: ['in_progress'],
      to: 'failed',
      deadlineAt: null,
    });
    expect(plan.events?.at(-1)).toEqual({
      type: 'status_changed',
      data: { from: 'in_progress', to: 'failed', message: "Step 'w' failed" },
    });
  });
});

describe('planStepProgress', () => {
  const diamond = [
    request('network'),
    request('database', 'network'),
    request('cluster', 'network'),
    request('service', 'database', 'cluster'),
  ];

  it('starts both middles of a diamond when the root succeeds, keeping its outputs', () => {
    const plan = planStepProgress(
      engine(diamond),
      state({
        network: 'running',
        database: 'pending',
        cluster: 'pending',
        service: 'pending',
      }),
      [
        {
          stepId: 'network',
          from: ['running'],
          to: 'success',
          outputs: { vpc: 'vpc-1' },
        },
      ],
    );
    expect(plan?.changes[0]).toEqual({
      stepId: 'network',
      from: ['running'],
      to: 'success',
      deadlineAt: null,
      outputs: { vpc: 'vpc-1' },
    });
    expect(moves(plan)).toEqual({
      network: 'success',
      database: 'running',
      cluster: 'running',
    });
    expect(plan?.deliveries?.map(d => d.stepId)).toEqual([
      'database',
      'cluster',
    ]);
  });

  it('ignores an end from a status the step has left, and plans nothing', () => {
    expect(
      planStepProgress(
        engine(diamond),
        state({
          network: 'success',
          database: 'running',
          cluster: 'running',
          service: 'pending',
        }),
        [{ stepId: 'network', from: ['running'], to: 'failed' }],
      ),
    ).toBeUndefined();
  });

  it('plans nothing for a run that has already ended', () => {
    expect(
      planStepProgress(
        engine(diamond),
        { ...state({ network: 'running' }), runStatus: 'canceled' },
        [{ stepId: 'network', from: ['running'], to: 'success' }],
      ),
    ).toBeUndefined();
  });

  it('ends the run as timed out when a step timed out and the rest finished', () => {
    const plan = planStepProgress(
      engine(diamond),
      state({
        network: 'success',
        database: 'failed',
        cluster: 'running',
        service: 'skipped',
      }),
      [
        {
          stepId: 'cluster',
          from: ['running'],
          to: 'timed_out',
          message: 'No status within 600 s',
        },
      ],
    );
    expect(plan?.run?.to).toBe('timed_out');
  });

  it('ends the run as a success when the last step succeeds', () => {
    const plan = planStepProgress(
      engine(diamond),
      state({
        network: 'success',
        database: 'success',
        cluster: 'success',
        service: 'running',
      }),
      [
        {
          stepId: 'service',
          from: ['running'],
          to: 'success',
          actor: 'service:deployer',
        },
      ],
    );
    expect(plan?.run).toEqual({
      from: ['in_progress'],
      to: 'success',
      deadlineAt: null,
    });
    expect(plan?.events?.[0]).toMatchObject({
      stepId: 'service',
      actor: 'service:deployer',
    });
  });
});

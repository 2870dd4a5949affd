import type { WorkflowStep } from '@backstage-self-service/plugin-self-service-common';
import type { RunStepsState } from '../database/runStepWrites';
import { endAtDeadline, planStepDeadlines } from './stepDeadlines';

const now = new Date('2026-12-03T10:00:00.000Z');
const before = '2026-12-03T09:59:59.000Z';
const after = '2026-12-03T10:00:01.000Z';

const steps: WorkflowStep[] = [
  { id: 'soak', name: 'Soak', kind: 'wait', dependsOn: [], seconds: 60 },
  {
    id: 'gate',
    name: 'Gate',
    kind: 'approval',
    dependsOn: [],
    approvers: ['group:default/sre'],
    mode: 'any',
    timeoutSeconds: 3600,
  },
  {
    id: 'deploy',
    name: 'Deploy',
    kind: 'request',
    dependsOn: [],
    execution: { type: 'event-driven', timeoutSeconds: 600 },
    request: { method: 'POST', url: 'https://deploy.example.com' },
  },
  {
    id: 'promote',
    name: 'Promote',
    kind: 'request',
    dependsOn: ['soak'],
    execution: { type: 'simple' },
    request: { method: 'POST', url: 'https://deploy.example.com/promote' },
  },
];

const context = {
  steps,
  inputs: {},
  now,
  prepareRequest: () => ({
    id: 'd-1',
    webhookId: 'msg_1',
    maxAttempts: 1,
    claim: { owner: 'a', leaseMs: 1, tokenHash: 'h' },
  }),
};

const state = (deadlines: Record<string, string>): RunStepsState => ({
  runStatus: 'in_progress',
  steps: [
    {
      stepId: 'soak',
      position: 0,
      status: 'running',
      outputs: {},
      deadlineAt: deadlines.soak,
    },
    {
      stepId: 'gate',
      position: 1,
      status: 'waiting_approval',
      outputs: {},
      deadlineAt: deadlines.gate,
    },
    {
      stepId: 'deploy',
      position: 2,
      status: 'running',
      outputs: {},
      deadlineAt: deadlines.deploy,
    },
    { stepId: 'promote', position: 3, status: 'pending', outputs: {} },
  ],
});

describe('endAtDeadline', () => {
  it('ends a wait as a success, and times out an undecided gate or an unreported event-driven step', () => {
    expect(endAtDeadline(steps[0], 'running')?.to).toBe('success');
    expect(endAtDeadline(steps[1], 'waiting_approval')).toMatchObject({
      to: 'timed_out',
      message: 'Not decided within 3600 s',
    });
    expect(endAtDeadline(steps[2], 'running')?.to).toBe('timed_out');
    expect(endAtDeadline(steps[3], 'running')).toBeUndefined();
    expect(endAtDeadline(steps[0], 'success')).toBeUndefined();
  });
});

describe('planStepDeadlines', () => {
  it('ends only the steps whose deadline has passed, and starts what a wait held back', () => {
    const plan = planStepDeadlines(
      context,
      state({ soak: before, gate: after, deploy: after }),
    );
    expect(plan?.changes.map(c => [c.stepId, c.to])).toEqual([
      ['soak', 'success'],
      ['promote', 'running'],
    ]);
    expect(plan?.run).toBeUndefined();
  });

  it('does not act on a deadline that moved after the sweep listed the run', () => {
    expect(
      planStepDeadlines(
        context,
        state({ soak: after, gate: after, deploy: after }),
      ),
    ).toBeUndefined();
  });

  it('times out the run when its gate was never decided, skipping what waited on the wait', () => {
    const plan = planStepDeadlines(
      context,
      state({ soak: after, gate: before, deploy: after }),
    );
    expect(plan?.changes.map(c => [c.stepId, c.to])).toEqual([
      ['gate', 'timed_out'],
      ['promote', 'skipped'],
    ]);
    expect(plan?.run).toBeUndefined();
  });
});

import type {
  WorkflowRequestStep,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { RunStepsState } from '../database/runStepWrites';
import { planCancel, planRetry } from './operateRun';

const request = (
  id: string,
  dependsOn: string[] = [],
  extra: Partial<WorkflowRequestStep> = {},
): WorkflowRequestStep => ({
  id,
  name: id,
  kind: 'request',
  dependsOn,
  execution: { type: 'simple' },
  request: { method: 'POST', url: `https://infra.example.com/${id}` },
  ...extra,
});

const gate: WorkflowStep = {
  id: 'gate',
  name: 'Gate',
  kind: 'approval',
  dependsOn: ['build'],
  approvers: ['group:default/sre'],
  mode: 'any',
};

const steps: WorkflowStep[] = [
  request('build'),
  request('migrate', ['build'], {
    execution: { type: 'event-driven' },
    cancelRequest: { method: 'POST', url: 'https://infra.example.com/stop' },
  }),
  request('docs', ['build'], { execution: { type: 'event-driven' } }),
  gate,
  request('deploy', ['gate', 'migrate']),
];

let deliveries = 0;
const context = {
  steps,
  inputs: {},
  now: new Date('2026-12-03T10:00:00Z'),
  prepareRequest: () => {
    deliveries += 1;
    return {
      id: `d-${deliveries}`,
      webhookId: `msg_${deliveries}`,
      maxAttempts: 1,
      claim: { owner: 'a', leaseMs: 1, tokenHash: `${deliveries}` },
    };
  },
};

const state = (
  runStatus: RunStepsState['runStatus'],
  statuses: Record<string, RunStepsState['steps'][number]['status']>,
): RunStepsState => ({
  runStatus,
  steps: Object.entries(statuses).map(([stepId, status], position) => ({
    stepId,
    position,
    status,
    outputs: (status === 'success' ? { done: true } : {}) as Record<
      string,
      boolean
    >,
  })),
});

describe('planCancel', () => {
  it('cancels every unfinished step and the run, and names the event-driven steps to tell', () => {
    const cancel = planCancel(
      context,
      state('in_progress', {
        build: 'success',
        migrate: 'running',
        docs: 'running',
        gate: 'waiting_approval',
        deploy: 'pending',
      }),
      'user:default/ada',
    );
    expect(cancel?.plan.changes.map(c => [c.stepId, c.from, c.to])).toEqual([
      ['migrate', ['running'], 'canceled'],
      ['docs', ['running'], 'canceled'],
      ['gate', ['waiting_approval'], 'canceled'],
      ['deploy', ['pending'], 'canceled'],
    ]);
    expect(cancel?.plan.run).toEqual({
      from: ['in_progress'],
      to: 'canceled',
      deadlineAt: null,
    });
    // Only the step in progress that says how to stop it.
    expect(cancel?.notify.map(s => s.id)).toEqual(['migrate']);
  });

  it('does nothing to a run that has ended', () => {
    expect(
      planCancel(
        context,
        state('failed', { build: 'failed' }),
        'user:default/ada',
      ),
    ).toBeUndefined();
  });
});

describe('planRetry', () => {
  const failed = state('failed', {
    build: 'success',
    migrate: 'failed',
    docs: 'success',
    gate: 'success',
    deploy: 'skipped',
  });

  it('sends again only the steps that did not succeed, starting those whose dependencies did', () => {
    const retry = planRetry(context, failed, 'user:default/ada', [
      {
        stepId: 'gate',
        approverRef: 'group:default/sre',
        decision: 'approved',
      },
    ]);
    if (!('plan' in retry)) {
      throw new Error(retry.refused);
    }
    expect(retry.plan.changes.map(c => [c.stepId, c.to])).toEqual([
      ['migrate', 'pending'],
      ['deploy', 'pending'],
      ['migrate', 'running'],
    ]);
    expect(retry.plan.deliveries?.map(d => d.stepId)).toEqual(['migrate']);
    expect(retry.plan.run).toEqual({
      from: ['failed'],
      to: 'in_progress',
      deadlineAt: null,
    });
    expect(retry.plan.events?.[0]).toEqual({
      type: 'status_changed',
      actor: 'user:default/ada',
      data: {
        from: 'failed',
        to: 'in_progress',
        message: "Retried from step 'migrate' by user:default/ada",
      },
    });
  });

  it('asks an undecided gate again once its time-out failed the run', () => {
    const retry = planRetry(
      context,
      state('timed_out', {
        build: 'success',
        migrate: 'success',
        docs: 'success',
        gate: 'timed_out',
        deploy: 'skipped',
      }),
      'user:default/ada',
      [],
    );
    expect('plan' in retry && retry.plan.changes.at(-1)).toMatchObject({
      stepId: 'gate',
      to: 'waiting_approval',
    });
  });

  it('refuses a run whose gate was rejected, and a run that did not fail', () => {
    expect(
      planRetry(
        context,
        {
          ...failed,
          steps: failed.steps.map(s =>
            s.stepId === 'gate' ? { ...s, status: 'failed' } : s,
          ),
        },
        'user:default/ada',
        [
          {
            stepId: 'gate',
            approverRef: 'group:default/sre',
            decision: 'rejected',
          },
        ],
      ),
    ).toEqual({
      refused:
        "Step 'gate' was rejected, and decisions stand; start a new run to ask again",
    });
    expect(
      planRetry(
        context,
        state('in_progress', { build: 'running' }),
        'user:default/ada',
        [],
      ),
    ).toEqual({
      refused:
        'Only a failed or timed-out run can be retried; this one is in_progress',
    });
  });
});

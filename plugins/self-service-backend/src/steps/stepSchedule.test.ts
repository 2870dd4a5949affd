import type { RunStepStatus } from '@backstage-self-service/plugin-self-service-common';
import {
  nextStepTransitions,
  runStatusFromSteps,
  statusesForRetry,
} from './stepSchedule';

const step = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });
const diamond = [
  step('network'),
  step('database', 'network'),
  step('cluster', 'network'),
  step('service', 'database', 'cluster'),
];
const statuses = (entries: Record<string, RunStepStatus>) =>
  new Map(Object.entries(entries));

describe('nextStepTransitions', () => {
  it('starts the roots of a new run', () => {
    expect(
      nextStepTransitions(
        diamond,
        statuses({
          network: 'pending',
          database: 'pending',
          cluster: 'pending',
          service: 'pending',
        }),
      ),
    ).toEqual({ start: ['network'], skip: [] });
  });

  it('starts independent steps together once their dependency succeeded', () => {
    expect(
      nextStepTransitions(
        diamond,
        statuses({
          network: 'success',
          database: 'pending',
          cluster: 'pending',
          service: 'pending',
        }),
      ).start,
    ).toEqual(['database', 'cluster']);
  });

  it('waits for every dependency of a fan-in', () => {
    const half = statuses({
      network: 'success',
      database: 'success',
      cluster: 'running',
      service: 'pending',
    });
    expect(nextStepTransitions(diamond, half).start).toEqual([]);
    half.set('cluster', 'success');
    expect(nextStepTransitions(diamond, half).start).toEqual(['service']);
  });

  it('skips every pending step once one failed, and starts none', () => {
    expect(
      nextStepTransitions(
        [...diamond, step('docs')],
        statuses({
          network: 'success',
          database: 'failed',
          cluster: 'running',
          service: 'pending',
          docs: 'pending',
        }),
      ),
    ).toEqual({ start: [], skip: ['service', 'docs'] });
  });

  it('starts nothing while an approval gate is undecided', () => {
    expect(
      nextStepTransitions(
        [step('gate'), step('deploy', 'gate')],
        statuses({ gate: 'waiting_approval', deploy: 'pending' }),
      ),
    ).toEqual({ start: [], skip: [] });
  });
});

describe('runStatusFromSteps', () => {
  it('is in progress while a step is unfinished', () => {
    expect(runStatusFromSteps(['success', 'running'])).toBe('in_progress');
    expect(runStatusFromSteps(['failed', 'running'])).toBe('in_progress');
    expect(runStatusFromSteps(['waiting_approval'])).toBe('in_progress');
  });

  it('follows the worst finished step', () => {
    expect(runStatusFromSteps(['success', 'success'])).toBe('success');
    expect(runStatusFromSteps(['success', 'failed', 'skipped'])).toBe('failed');
    expect(runStatusFromSteps(['failed', 'timed_out'])).toBe('timed_out');
    expect(runStatusFromSteps(['success', 'canceled', 'canceled'])).toBe(
      'canceled',
    );
  });
});

describe('statusesForRetry', () => {
  it('keeps succeeded steps and makes every other one pending', () => {
    expect(
      Object.fromEntries(
        statusesForRetry(
          statuses({
            network: 'success',
            database: 'failed',
            cluster: 'success',
            service: 'skipped',
          }),
        ),
      ),
    ).toEqual({
      network: 'success',
      database: 'pending',
      cluster: 'success',
      service: 'pending',
    });
  });
});

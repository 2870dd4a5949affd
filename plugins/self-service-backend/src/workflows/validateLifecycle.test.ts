import { InputError } from '@backstage/errors';
import type { WorkflowParameter } from '@backstage-self-service/plugin-self-service-common';
import { runTtlSeconds } from '../runs/commands/runTtl';
import { isoDurationSeconds, readLifecycle } from './validateLifecycle';

const parameters: WorkflowParameter[] = [
  { identifier: 'branch', name: 'Branch', type: 'string', required: true },
  { identifier: 'ttl', name: 'Lifetime', type: 'string', required: false },
  { identifier: 'size', name: 'Size', type: 'integer', required: false },
];

const lifecycle = (overrides: Record<string, unknown> = {}) => ({
  ttl: { default: 'PT2H', max: 'P5D', parameter: 'ttl' },
  teardown: {
    workflow: 'teardown-preview',
    inputs: { branch: '{{data.branch}}', source: '{{run.id}}' },
  },
  ...overrides,
});

function refusal(value: unknown): string {
  try {
    readLifecycle(value, parameters);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('readLifecycle', () => {
  it('reads a lifecycle, durations normalised', () => {
    expect(
      readLifecycle(
        lifecycle({ ttl: { default: 'pt2h', max: 'P5D', parameter: 'ttl' } }),
        parameters,
      ),
    ).toEqual({
      ttl: { default: 'PT2H', max: 'P5D', parameter: 'ttl' },
      teardown: {
        workflow: 'teardown-preview',
        inputs: { branch: '{{data.branch}}', source: '{{run.id}}' },
      },
    });
    expect(readLifecycle(undefined, parameters)).toBeUndefined();
  });

  it('refuses what does not hold, naming the field', () => {
    expect(
      refusal(lifecycle({ ttl: { default: '2 hours', max: 'P5D' } })),
    ).toMatch(
      /^lifecycle\.ttl\.default: '2 hours' is not an ISO 8601 duration/,
    );
    expect(refusal(lifecycle({ ttl: { default: 'P6D', max: 'P5D' } }))).toMatch(
      /^lifecycle\.ttl\.default: may not be longer than lifecycle\.ttl\.max/,
    );
    expect(
      refusal(lifecycle({ ttl: { default: 'PT0S', max: 'P5D' } })),
    ).toMatch(/^lifecycle\.ttl\.default: /);
    expect(
      refusal(lifecycle({ ttl: { default: 'PT1H', max: 'P2Y' } })),
    ).toMatch(/^lifecycle\.ttl\.max: may be at most a year/);
    expect(
      refusal(
        lifecycle({ ttl: { default: 'PT1H', max: 'P1D', parameter: 'size' } }),
      ),
    ).toMatch(/^lifecycle\.ttl\.parameter: 'size' must be a string parameter/);
    expect(
      refusal(
        lifecycle({ ttl: { default: 'PT1H', max: 'P1D', parameter: 'nope' } }),
      ),
    ).toMatch(/^lifecycle\.ttl\.parameter: 'nope' is not a parameter/);
    expect(refusal(lifecycle({ teardown: {} }))).toMatch(
      /^lifecycle\.teardown\.workflow: required/,
    );
    expect(
      refusal(
        lifecycle({
          teardown: {
            workflow: 'x',
            inputs: { token: '{{secrets.DEPLOY_TOKEN}}' },
          },
        }),
      ),
    ).toMatch(
      /^lifecycle\.teardown\.inputs\.token: \{\{secrets\.DEPLOY_TOKEN\}\} is not a variable/,
    );
    expect(refusal(lifecycle({ extra: true }))).toMatch(
      /^lifecycle\.extra: unknown field/,
    );
  });
});

describe('isoDurationSeconds and runTtlSeconds', () => {
  it('counts ISO 8601 durations in seconds', () => {
    expect(isoDurationSeconds('P5D')).toBe(5 * 86400);
    expect(isoDurationSeconds('PT2M')).toBe(120);
    expect(isoDurationSeconds('P1DT12H')).toBe(36 * 3600);
    expect(isoDurationSeconds('5 days')).toBeUndefined();
    expect(isoDurationSeconds('PT0S')).toBeUndefined();
  });

  it("takes the requester's TTL up to max, else the default", () => {
    const workflow = { lifecycle: readLifecycle(lifecycle(), parameters) };
    expect(runTtlSeconds(workflow, { branch: 'x' })).toBe(7200);
    expect(runTtlSeconds(workflow, { branch: 'x', ttl: 'P1D' })).toBe(86400);
    expect(() => runTtlSeconds(workflow, { ttl: 'P6D' })).toThrow(
      "inputs.ttl: 'P6D' is longer than the most this workflow allows (P5D)",
    );
    expect(() => runTtlSeconds(workflow, { ttl: 'soon' })).toThrow(
      /^inputs\.ttl: 'soon' is not an ISO 8601 duration/,
    );
    expect(runTtlSeconds({}, {})).toBeUndefined();
  });
});

import type { WorkflowParameter } from '@backstage-self-service/plugin-self-service-common';
import { EgressPolicy } from '../egress';
import { type StepValidationContext, validateSteps } from './validateSteps';

const parameters: WorkflowParameter[] = [
  { identifier: 'env', name: 'Environment', type: 'string', required: true },
  {
    identifier: 'replicas',
    name: 'Replicas',
    type: 'integer',
    required: false,
  },
  { identifier: 'at', name: 'Start at', type: 'string', required: false },
];

const context: StepValidationContext = {
  scope: { type: 'global' },
  parameters,
  secretNames: new Set(['DEPLOY_TOKEN']),
  signingKeyNames: new Set(['main']),
  egressPolicy: new EgressPolicy(),
};

type Draft = Record<string, any>;

const request = (id: string, dependsOn: string[] = [], extra: Draft = {}) => ({
  id,
  name: `Create ${id}`,
  kind: 'request',
  dependsOn,
  request: { method: 'POST', url: `https://infra.example.com/${id}` },
  ...extra,
});

/** Seed 003's environment: network, then database and cluster, then a service. */
function provision(): Draft[] {
  return [
    request('network', [], { outputs: { vpcId: '/vpc/id' } }),
    request('database', ['network'], {
      request: {
        method: 'POST',
        url: 'https://infra.example.com/db?vpc={{steps.network.outputs.vpcId}}',
        body: '{"vpc": {{steps.network.outputs.vpcId}}, "env": "{{data.env}}"}',
      },
      outputs: { host: '/host' },
    }),
    request('cluster', ['network'], {
      execution: { type: 'event-driven', timeoutSeconds: 3600 },
      request: {
        method: 'POST',
        url: 'https://infra.example.com/cluster',
        headers: { Authorization: 'Bearer {{step.token}}' },
        body: '{"callback": "{{step.callbackUrl}}"}',
      },
      outputs: { endpoint: '/endpoint' },
      cancelRequest: {
        method: 'DELETE',
        url: 'https://infra.example.com/cluster/{{run.id}}',
      },
    }),
    {
      id: 'gate',
      name: 'Production sign-off',
      kind: 'approval',
      dependsOn: ['database', 'cluster'],
      approvers: ['group:platform', 'user:default/ada'],
      mode: 'all',
      timeoutSeconds: 86400,
    },
    request('service', ['gate'], {
      request: {
        method: 'POST',
        url: 'https://infra.example.com/service',
        body: '{"db": "{{steps.database.outputs.host}}", "k8s": "{{steps.cluster.outputs.endpoint}}"}',
      },
      delivery: { maxAttempts: 3, signingKey: 'main' },
    }),
    {
      id: 'settle',
      name: 'Let it settle',
      kind: 'wait',
      dependsOn: ['service'],
      seconds: 60,
    },
  ];
}

function refusal(steps: unknown): string {
  try {
    validateSteps(steps, context);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the steps to be refused');
}

function edited(edit: (steps: Draft[]) => void): Draft[] {
  const steps = provision();
  edit(steps);
  return steps;
}

describe('validateSteps', () => {
  it('accepts seed 003 environment, with defaults filled and refs normalised', () => {
    const steps = validateSteps(provision(), context);
    expect(steps.map(s => [s.id, s.kind, s.dependsOn])).toEqual([
      ['network', 'request', []],
      ['database', 'request', ['network']],
      ['cluster', 'request', ['network']],
      ['gate', 'approval', ['database', 'cluster']],
      ['service', 'request', ['gate']],
      ['settle', 'wait', ['service']],
    ]);
    expect(steps[0]).toMatchObject({
      execution: { type: 'simple' },
      outputs: { vpcId: '/vpc/id' },
    });
    expect(steps[3]).toEqual({
      id: 'gate',
      name: 'Production sign-off',
      kind: 'approval',
      dependsOn: ['database', 'cluster'],
      approvers: ['group:default/platform', 'user:default/ada'],
      mode: 'all',
      allowSelfApproval: false,
      timeoutSeconds: 86400,
    });
    expect(steps[4]).toMatchObject({
      delivery: { maxAttempts: 3, signingKey: 'main' },
    });
  });

  it('names a dependency cycle from the step listed first', () => {
    expect(
      refusal([
        request('lint'),
        request('test', ['lint']),
        request('build', ['deploy']),
        request('deploy', ['build']),
      ]),
    ).toBe('steps[2].dependsOn: build → deploy → build');
    expect(
      refusal([request('a', ['c']), request('b', ['a']), request('c', ['b'])]),
    ).toBe('steps[0].dependsOn: a → c → b → a');
  });

  it('refuses duplicate ids, unknown and repeated dependencies, and self-dependency', () => {
    expect(refusal([request('a'), request('a')])).toBe(
      "steps[1].id: duplicate 'a'",
    );
    expect(refusal([request('a'), request('b', ['nope'])])).toBe(
      "steps[1].dependsOn[0]: no step 'nope' (steps: a, b)",
    );
    expect(refusal([request('a'), request('b', ['a', 'a'])])).toBe(
      "steps[1].dependsOn[1]: 'a' is listed twice",
    );
    expect(refusal([request('a', ['a'])])).toBe(
      'steps[0].dependsOn[0]: a step cannot depend on itself',
    );
    expect(refusal([request('bad id')])).toMatch(/^steps\[0\]\.id: must be/);
  });

  it('allows 50 steps and refuses 51, and refuses none', () => {
    const chain = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        request(`s${i}`, i === 0 ? [] : [`s${i - 1}`]),
      );
    expect(validateSteps(chain(50), context)).toHaveLength(50);
    expect(refusal(chain(51))).toBe(
      'steps: at most 50 steps, got 51; split the workflow',
    );
    expect(refusal([])).toBe('steps: needs at least one step');
    expect(refusal({})).toBe('steps: must be an array');
  });

  it('refuses outputs of unknown steps, undeclared outputs and steps that do not finish first', () => {
    expect(
      refusal(
        edited(steps => {
          steps[4].request.body = '{"x": "{{steps.nope.outputs.host}}"}';
        }),
      ),
    ).toBe(
      "steps[4].request.body: unknown variable {{steps.nope.outputs.host}} (no step 'nope')",
    );
    expect(
      refusal(
        edited(steps => {
          steps[4].request.body = '{"x": "{{steps.database.outputs.port}}"}';
        }),
      ),
    ).toBe(
      "steps[4].request.body: unknown variable {{steps.database.outputs.port}} (step 'database' declares no output 'port')",
    );
    // cluster runs beside database, not before it.
    expect(
      refusal(
        edited(steps => {
          steps[1].request.url =
            'https://infra.example.com/db?k8s={{steps.cluster.outputs.endpoint}}';
        }),
      ),
    ).toBe(
      "steps[1].request.url: {{steps.cluster.outputs.endpoint}}: step 'cluster' does not finish before this step; add it to dependsOn",
    );
    expect(
      refusal(
        edited(steps => {
          steps[1].request.url =
            'https://infra.example.com/db?x={{steps.network.vpcId}}';
        }),
      ),
    ).toBe(
      "steps[1].request.url: unknown variable {{steps.network.vpcId}}; a step's output is {{steps.<id>.outputs.<name>}}",
    );
  });

  it('refuses the run-level callback variables in a step, pointing at the step ones', () => {
    expect(
      refusal(
        edited(steps => {
          steps[2].request.body = '{"callback": "{{run.callbackUrl}}"}';
        }),
      ),
    ).toBe(
      'steps[2].request.body: {{run.callbackUrl}} is for one-request workflows; a step reports back with {{step.callbackUrl}}',
    );
  });

  it('checks each step request as a workflow request, naming the step', () => {
    expect(
      refusal(
        edited(steps => {
          steps[1].request.url = 'http://169.254.169.254/latest/meta-data/';
        }),
      ),
    ).toMatch(/^steps\[1\]\.request\.url: /);
    expect(
      refusal(
        edited(steps => {
          steps[1].request.headers = { Authorization: 'Bearer hunter2' };
        }),
      ),
    ).toMatch(
      /^steps\[1\]\.request\.headers\.Authorization: this header carries a credential/,
    );
    expect(
      refusal(
        edited(steps => {
          steps[1].request.body = '{"vpc": {{steps.network.outputs.vpcId}';
        }),
      ),
    ).toMatch(/^steps\[1\]\.request\.body: /);
    expect(
      refusal(
        edited(steps => {
          steps[4].delivery = { maxAttempts: 11 };
        }),
      ),
    ).toBe(
      'steps[4].delivery.maxAttempts: must be a whole number from 1 to 10',
    );
    expect(
      refusal(
        edited(steps => {
          steps[2].execution = { type: 'event-driven', timeoutSeconds: 5 };
        }),
      ),
    ).toMatch(/^steps\[2\]\.execution\.timeoutSeconds: must be a whole number/);
  });

  it('refuses a cancel request for a simple step and malformed output pointers', () => {
    expect(
      refusal(
        edited(steps => {
          steps[0].cancelRequest = {
            method: 'DELETE',
            url: 'https://x.example.com/',
          };
        }),
      ),
    ).toMatch(/^steps\[0\]\.cancelRequest: only an event-driven step/);
    expect(
      refusal(
        edited(steps => {
          steps[0].outputs = { vpcId: 'vpc/id' };
        }),
      ),
    ).toMatch(/^steps\[0\]\.outputs\.vpcId: 'vpc\/id' is not a JSON pointer/);
    expect(
      refusal(
        edited(steps => {
          steps[0].outputs = { 'vpc-id': '/vpc' };
        }),
      ),
    ).toMatch(/^steps\[0\]\.outputs\.vpc-id: an output name/);
  });

  it('checks approval and wait steps for their kind', () => {
    expect(
      refusal(
        edited(steps => {
          steps[3].approvers = ['component:default/api'];
        }),
      ),
    ).toMatch(
      /^steps\[3\]\.approvers\[0\]: 'component:default\/api' is not a user or group/,
    );
    expect(
      refusal(
        edited(steps => {
          steps[3].mode = 'most';
        }),
      ),
    ).toBe("steps[3].mode: must be one of 'any', 'all', got \"most\"");
    expect(
      refusal(
        edited(steps => {
          steps[3].request = { method: 'GET', url: 'https://x.example.com' };
        }),
      ),
    ).toBe('steps[3].request: unknown field');
    expect(
      refusal(
        edited(steps => {
          steps[5].untilParameter = 'at';
        }),
      ),
    ).toMatch(
      /^steps\[5\]: a wait step needs either seconds or untilParameter/,
    );
    expect(
      refusal(
        edited(steps => {
          delete steps[5].seconds;
          steps[5].untilParameter = 'replicas';
        }),
      ),
    ).toMatch(
      /^steps\[5\]\.untilParameter: parameter 'replicas' is of type integer/,
    );
    expect(
      validateSteps(
        edited(steps => {
          delete steps[5].seconds;
          steps[5].untilParameter = 'at';
        }),
        context,
      )[5],
    ).toMatchObject({ kind: 'wait', untilParameter: 'at' });
    expect(
      refusal(
        edited(steps => {
          steps[5].kind = 'sleep';
        }),
      ),
    ).toBe(
      "steps[5].kind: must be one of 'request', 'approval', 'wait', got \"sleep\"",
    );
  });

  it('names the cycle even when a later step is incomplete', () => {
    expect(
      refusal([
        request('build', ['deploy']),
        request('deploy', ['build']),
        { id: 'gate', name: 'Gate', kind: 'approval' },
      ]),
    ).toBe('steps[0].dependsOn: build → deploy → build');
  });
});

import { checkPostedOutputs, readStepOutputs } from './readStepOutputs';

describe('readStepOutputs', () => {
  const declared = {
    clusterId: '/cluster/id',
    size: '/nodes/0/size',
    ok: '/ok',
  };

  it('reads every declared output by JSON pointer, keeping its type', () => {
    expect(
      readStepOutputs(
        declared,
        JSON.stringify({
          cluster: { id: 'c-1' },
          nodes: [{ size: 3 }],
          ok: true,
        }),
      ),
    ).toEqual({ outputs: { clusterId: 'c-1', size: 3, ok: true } });
    expect(
      readStepOutputs(
        { 'a/b': '/a~1b', t: '/~0' } as any,
        '{"a/b": 1, "~": "x"}',
      ),
    ).toEqual({
      outputs: { 'a/b': 1, t: 'x' },
    });
  });

  it('needs no body when nothing is declared', () => {
    expect(readStepOutputs(undefined, undefined)).toEqual({ outputs: {} });
    expect(readStepOutputs({}, 'not json')).toEqual({ outputs: {} });
  });

  it('fails, naming the output, when one is missing, null or not a scalar', () => {
    const body = (v: unknown) =>
      JSON.stringify({ cluster: { id: v }, nodes: [{ size: 1 }], ok: true });
    expect(readStepOutputs(declared, body(undefined))).toEqual({
      error: "output 'clusterId' (/cluster/id) is missing from the response",
    });
    expect(readStepOutputs(declared, body(null))).toEqual({
      error: "output 'clusterId' (/cluster/id) is missing from the response",
    });
    expect(readStepOutputs(declared, body({ nested: 'x' }))).toEqual({
      error:
        "output 'clusterId' (/cluster/id) is not a string, number or boolean in the response",
    });
    expect(
      readStepOutputs({ c: '/cluster/constructor' }, body('x')),
    ).toMatchObject({ error: expect.stringContaining("output 'c'") });
  });

  it('fails when the response is not JSON', () => {
    expect(readStepOutputs(declared, '<html>')).toEqual({
      error:
        'the response is not JSON, so its outputs (clusterId, size, ok) cannot be read',
    });
    expect(readStepOutputs(declared, '"a string"')).toEqual({
      error: 'the response is not a JSON object or array',
    });
  });
});

describe('checkPostedOutputs', () => {
  const declared = { clusterId: '/cluster/id', replicas: '/replicas' };

  it('takes exactly the declared outputs', () => {
    expect(
      checkPostedOutputs(declared, { clusterId: 'c-1', replicas: 2 }),
    ).toEqual({ outputs: { clusterId: 'c-1', replicas: 2 } });
  });

  it('refuses an undeclared, missing or structured output, naming it', () => {
    expect(
      checkPostedOutputs(declared, {
        clusterId: 'c',
        replicas: 1,
        admin: true,
      }),
    ).toEqual({
      error:
        'outputs.admin: the step declares no such output (it declares clusterId, replicas)',
    });
    expect(checkPostedOutputs(declared, { clusterId: 'c' })).toEqual({
      error: 'outputs.replicas: missing',
    });
    expect(
      checkPostedOutputs(declared, { clusterId: ['c'], replicas: 1 }),
    ).toEqual({
      error: 'outputs.clusterId: must be a string, number or boolean',
    });
    expect(
      checkPostedOutputs(declared, { clusterId: 'c', replicas: Infinity }),
    ).toEqual({
      error: 'outputs.replicas: must be a string, number or boolean',
    });
  });
});

import { findStepCycle, stepDepths, upstreamStepIds } from './stepGraph';

const step = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

describe('findStepCycle', () => {
  it('finds nothing in a diamond', () => {
    expect(
      findStepCycle([
        step('network'),
        step('database', 'network'),
        step('cluster', 'network'),
        step('service', 'database', 'cluster'),
      ]),
    ).toBeUndefined();
  });

  it('names a two-step cycle from the step listed first', () => {
    expect(
      findStepCycle([
        step('lint'),
        step('deploy', 'build'),
        step('build', 'deploy'),
      ]),
    ).toEqual({ index: 1, path: ['deploy', 'build', 'deploy'] });
  });

  it('names a longer cycle from the step listed first, whatever step the search starts at', () => {
    expect(
      findStepCycle([
        step('a', 'c'),
        step('x'),
        step('b', 'a'),
        step('c', 'b', 'x'),
      ]),
    ).toEqual({ index: 0, path: ['a', 'c', 'b', 'a'] });
    expect(
      findStepCycle([step('z', 'b'), step('b', 'c'), step('c', 'b')]),
    ).toEqual({ index: 1, path: ['b', 'c', 'b'] });
  });

  it('names a step that depends on itself', () => {
    expect(findStepCycle([step('a'), step('b', 'b')])).toEqual({
      index: 1,
      path: ['b', 'b'],
    });
  });

  it('ignores unknown ids and handles a chain of 50 steps', () => {
    const chain = Array.from({ length: 50 }, (_, i) =>
      i === 0 ? step('s0', 'missing') : step(`s${i}`, `s${i - 1}`),
    );
    expect(findStepCycle(chain)).toBeUndefined();
    chain[0] = step('s0', 's49');
    expect(findStepCycle(chain)?.path).toHaveLength(51);
  });
});

describe('upstreamStepIds', () => {
  it('collects every step a step depends on, directly or not', () => {
    const steps = [
      step('network'),
      step('database', 'network'),
      step('cluster', 'network'),
      step('service', 'database', 'cluster'),
      step('docs'),
    ];
    expect([...upstreamStepIds(steps, 'service')].sort()).toEqual([
      'cluster',
      'database',
      'network',
    ]);
    expect(upstreamStepIds(steps, 'network').size).toBe(0);
  });
});

describe('stepDepths', () => {
  it('puts each step one column after its deepest dependency', () => {
    const depths = stepDepths([
      step('service', 'database', 'cluster'),
      step('network'),
      step('database', 'network'),
      step('cluster', 'database'),
    ]);
    expect(Object.fromEntries(depths)).toEqual({
      network: 0,
      database: 1,
      cluster: 2,
      service: 3,
    });
  });

  it('gives steps on a cycle a column after the others instead of looping', () => {
    const depths = stepDepths([step('a', 'b'), step('b', 'a'), step('c')]);
    expect(depths.get('c')).toBe(0);
    expect(depths.get('a')).toBeGreaterThanOrEqual(2);
  });
});

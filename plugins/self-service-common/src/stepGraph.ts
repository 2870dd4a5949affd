/**
 * The dependency graph of a workflow's steps: what the backend validates
 * and schedules with, and what the editor and the run page draw. Only ids
 * and `dependsOn` matter here, so it takes any step-like objects.
 */

/** What the graph functions read of a step. @public */
export interface StepNode {
  id: string;
  dependsOn: ReadonlyArray<string>;
}

/**
 * A dependency cycle, if the steps have one: the ids along it, from the
 * step that comes first in the list back to itself (`['build', 'deploy',
 * 'build']`: build depends on deploy, which depends on build), with the
 * position of that first step. Dependencies on unknown ids are ignored.
 * @public
 */
export function findStepCycle(
  steps: ReadonlyArray<StepNode>,
): { index: number; path: string[] } | undefined {
  const indexOf = new Map(steps.map((step, index) => [step.id, index]));
  // 0: not visited, 1: on the current path, 2: done (no cycle through it).
  const state = new Array<number>(steps.length).fill(0);
  for (let root = 0; root < steps.length; root++) {
    if (state[root] !== 0) {
      continue;
    }
    // Iterative depth-first search, so 50 steps in a chain cannot overflow
    // anything and the order is the document's.
    const path: number[] = [root];
    const next: number[] = [0];
    state[root] = 1;
    while (path.length > 0) {
      const at = path[path.length - 1];
      const dependencies = steps[at].dependsOn;
      const position = next[next.length - 1];
      if (position >= dependencies.length) {
        state[at] = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = position + 1;
      const to = indexOf.get(dependencies[position]);
      if (to === undefined || state[to] === 2) {
        continue;
      }
      if (state[to] === 1) {
        const cycle = path.slice(path.indexOf(to));
        const first = cycle.indexOf(Math.min(...cycle));
        const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
        return {
          index: rotated[0],
          path: [...rotated, rotated[0]].map(i => steps[i].id),
        };
      }
      state[to] = 1;
      path.push(to);
      next.push(0);
    }
  }
  return undefined;
}

/**
 * Every step a step depends on, directly or through others. Assumes no
 * cycle (see {@link findStepCycle}); unknown ids are ignored.
 * @public
 */
export function upstreamStepIds(
  steps: ReadonlyArray<StepNode>,
  id: string,
): Set<string> {
  const byId = new Map(steps.map(step => [step.id, step]));
  const upstream = new Set<string>();
  const queue = [...(byId.get(id)?.dependsOn ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (upstream.has(next) || !byId.has(next)) {
      continue;
    }
    upstream.add(next);
    queue.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return upstream;
}

/**
 * The column of each step when the graph is drawn left to right: 0 for a
 * step without dependencies, otherwise one more than its deepest
 * dependency. Steps on a cycle (which validation refuses) are put after
 * the others rather than looping.
 * @public
 */
export function stepDepths(
  steps: ReadonlyArray<StepNode>,
): Map<string, number> {
  const byId = new Map(steps.map(step => [step.id, step]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depths.get(id);
    if (known !== undefined) {
      return known;
    }
    const step = byId.get(id);
    if (!step || visiting.has(id)) {
      return steps.length;
    }
    visiting.add(id);
    let depth = 0;
    for (const dependency of step.dependsOn) {
      if (byId.has(dependency)) {
        depth = Math.max(
          depth,
          Math.min(depthOf(dependency), steps.length) + 1,
        );
      }
    }
    visiting.delete(id);
    depths.set(id, depth);
    return depth;
  };
  for (const step of steps) {
    depthOf(step.id);
  }
  return depths;
}

import {
  type RunStep,
  type RunStepOutputValue,
  type StepNode,
  upstreamStepIds,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * The outputs a step's request is rendered with: those of the steps it
 * depends on, directly or not, by step id. Saving refuses a reference to
 * any other step, so no other step's outputs are handed to the renderer.
 */
export function upstreamOutputs(
  steps: ReadonlyArray<StepNode>,
  stepId: string,
  records: ReadonlyArray<Pick<RunStep, 'stepId' | 'status' | 'outputs'>>,
): Record<string, Record<string, RunStepOutputValue>> {
  const upstream = upstreamStepIds(steps, stepId);
  return Object.fromEntries(
    records
      .filter(record => upstream.has(record.stepId))
      .map(record => [record.stepId, record.outputs]),
  );
}

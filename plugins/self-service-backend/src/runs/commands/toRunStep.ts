import type { RunStep } from '@backstage-self-service/plugin-self-service-common';
import type { RunStepRecord } from '../../database/runStepWrites';

/** A step as the API answers it, without the engine's bookkeeping. */
export function toRunStep(record: RunStepRecord): RunStep {
  const { position, deadlineAt, ...step } = record;
  return step;
}

import { InputError } from '@backstage/errors';
import type {
  RunInputs,
  Workflow,
} from '@backstage-self-service/plugin-self-service-common';
import { isoDurationSeconds } from '../../workflows/validateLifecycle';

/**
 * How long a run of a workflow with a lifecycle lives once it succeeds:
 * the requester's TTL input when the workflow takes one, else its default;
 * undefined for a workflow without a lifecycle.
 * @throws InputError naming the input when it is no duration or past max.
 */
export function runTtlSeconds(
  workflow: Pick<Workflow, 'lifecycle'>,
  inputs: RunInputs,
): number | undefined {
  const lifecycle = workflow.lifecycle;
  if (!lifecycle) {
    return undefined;
  }
  const max = isoDurationSeconds(lifecycle.ttl.max)!;
  const parameter = lifecycle.ttl.parameter;
  const given = parameter !== undefined ? inputs[parameter] : undefined;
  if (typeof given === 'string' && given.trim() !== '') {
    const seconds = isoDurationSeconds(given);
    if (seconds === undefined) {
      throw new InputError(
        `inputs.${parameter}: '${given}' is not an ISO 8601 duration, like PT2H or P5D`,
      );
    }
    if (seconds > max) {
      throw new InputError(
        `inputs.${parameter}: '${given}' is longer than the most this workflow allows (${lifecycle.ttl.max})`,
      );
    }
    return seconds;
  }
  return isoDurationSeconds(lifecycle.ttl.default)!;
}

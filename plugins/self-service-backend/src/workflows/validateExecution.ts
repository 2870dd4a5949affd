import type { WorkflowExecution } from '@backstage-self-service/plugin-self-service-common';
import { describeValue } from './describeValue';
import {
  checkKeys,
  fail,
  get,
  isAbsent,
  readObject,
  readType,
} from './readFields';

/** An unfinished event-driven run times out after this long by default. */
export const DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS = 86400;
/** The shortest time-out of an event-driven run, step or approval. */
export const MIN_TIMEOUT_SECONDS = 60;
const MAX_SECONDS = 30 * 86400;

/** How a run (or a request step, at `path`) finishes. */
export function readExecution(
  value: unknown,
  path = 'execution',
): WorkflowExecution {
  const execution = readObject(value, path);
  const type = readType(get(execution, 'type'), `${path}.type`, [
    'simple',
    'event-driven',
  ] as const);
  if (type === 'simple') {
    if (!isAbsent(get(execution, 'timeoutSeconds'))) {
      fail(
        `${path}.timeoutSeconds`,
        'only event-driven workflows have a timeout',
      );
    }
    checkKeys(execution, path, ['type', 'timeoutSeconds']);
    return { type };
  }
  checkKeys(execution, path, ['type', 'timeoutSeconds']);
  const timeout = get(execution, 'timeoutSeconds');
  if (isAbsent(timeout)) {
    return { type, timeoutSeconds: DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS };
  }
  return {
    type,
    timeoutSeconds: readSeconds(
      timeout,
      `${path}.timeoutSeconds`,
      MIN_TIMEOUT_SECONDS,
    ) as number,
  };
}

/** A whole number of seconds from `min` up to 30 days; undefined when absent. */
export function readSeconds(
  value: unknown,
  path: string,
  min: number,
): number | undefined {
  if (isAbsent(value)) {
    return undefined;
  }
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_SECONDS
  ) {
    fail(
      path,
      `must be a whole number of seconds from ${min} to ${MAX_SECONDS} (30 days), got ${describeValue(
        value,
      )}`,
    );
  }
  return value;
}

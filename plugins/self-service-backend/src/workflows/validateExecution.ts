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
const MIN_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 30 * 86400;

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
  if (
    typeof timeout !== 'number' ||
    !Number.isInteger(timeout) ||
    timeout < MIN_TIMEOUT_SECONDS ||
    timeout > MAX_TIMEOUT_SECONDS
  ) {
    fail(
      `${path}.timeoutSeconds`,
      `must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS} (30 days), got ${describeValue(
        timeout,
      )}`,
    );
  }
  return { type, timeoutSeconds: timeout };
}

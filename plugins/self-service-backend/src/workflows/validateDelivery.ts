import { InputError } from '@backstage/errors';
import {
  MAX_DELIVERY_ATTEMPTS,
  type WorkflowDelivery,
} from '@backstage-self-service/plugin-self-service-common';

const FIELDS = ['maxAttempts', 'signingKey'];

/**
 * Checks a workflow's `delivery` (retries and signing). `signingKeyNames`
 * are the keys configured under `selfService.signing.keys`: a workflow can
 * only name one of those, so a run never fails for want of its key.
 */
export function validateDelivery(
  value: unknown,
  signingKeyNames: ReadonlySet<string>,
  path = 'delivery',
): WorkflowDelivery | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${path}: must be an object`);
  }
  const delivery = value as Record<string, unknown>;
  for (const key of Object.keys(delivery)) {
    if (!FIELDS.includes(key)) {
      throw new InputError(
        `${path}.${key}: unknown field; expected one of ${FIELDS.join(', ')}`,
      );
    }
  }
  const result: WorkflowDelivery = {};
  const { maxAttempts, signingKey } = delivery;
  if (maxAttempts !== undefined && maxAttempts !== null) {
    if (
      typeof maxAttempts !== 'number' ||
      !Number.isInteger(maxAttempts) ||
      maxAttempts < 1 ||
      maxAttempts > MAX_DELIVERY_ATTEMPTS
    ) {
      throw new InputError(
        `${path}.maxAttempts: must be a whole number from 1 to ${MAX_DELIVERY_ATTEMPTS}`,
      );
    }
    result.maxAttempts = maxAttempts;
  }
  if (signingKey !== undefined && signingKey !== null && signingKey !== '') {
    if (typeof signingKey !== 'string') {
      throw new InputError(`${path}.signingKey: must be a string`);
    }
    if (!signingKeyNames.has(signingKey)) {
      const known = [...signingKeyNames];
      throw new InputError(
        `${path}.signingKey: no key '${signingKey}' in selfService.signing.keys${
          known.length > 0
            ? ` (configured: ${known.join(', ')})`
            : ' (none is configured)'
        }`,
      );
    }
    result.signingKey = signingKey;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

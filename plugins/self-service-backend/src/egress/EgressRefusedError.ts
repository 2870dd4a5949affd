import type { EgressRefusal } from './EgressPolicy';

/** The `code` of {@link EgressRefusedError}, found through `fetch`'s causes. */
export const EGRESS_REFUSED = 'ERR_SELF_SERVICE_EGRESS_REFUSED';

/** A connection the egress policy refused before it was made. */
export class EgressRefusedError extends Error {
  readonly name = 'EgressRefusedError';
  readonly code = EGRESS_REFUSED;

  constructor(readonly refusal: EgressRefusal) {
    super(refusal.message);
  }
}

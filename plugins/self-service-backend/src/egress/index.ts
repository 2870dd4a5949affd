export { AllowedHosts } from './allowedHosts';
export { ALLOWED_HOSTS_KEY, EgressPolicy } from './EgressPolicy';
export type { EgressPolicyOptions, EgressRefusal } from './EgressPolicy';
export { readEgressPolicy } from './readEgressPolicy';
export { EGRESS_REFUSED, EgressRefusedError } from './EgressRefusedError';
export { createGuardedAgent } from './guardedAgent';
export { createGuardedLookup, systemResolver } from './guardedLookup';
export type { HostResolver, ResolvedAddress } from './guardedLookup';

export { AllowedHosts } from './allowedHosts';
export { ALLOWED_HOSTS_KEY, EgressPolicy } from './EgressPolicy';
export type { EgressPolicyOptions, EgressRefusal } from './EgressPolicy';
export { readEgressPolicy } from './readEgressPolicy';

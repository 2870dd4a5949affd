export { selfServiceApiRef } from './SelfServiceApi';
export type {
  ListRunsOptions,
  ListWorkflowsOptions,
  RunExpiryPermission,
  RunPageDetails,
  SelfServiceApi,
} from './SelfServiceApi';
export { SelfServiceClient } from './SelfServiceClient';

export { selfServiceApiRef } from './SelfServiceApi';
export type {
  ListRunsOptions,
  ListWorkflowsOptions,
  SelfServiceApi,
} from './SelfServiceApi';
export { SelfServiceClient } from './SelfServiceClient';

/**
 * The frontend of Backstage Self-Service: the Self-Service page and the
 * entity Workflows tab. The new frontend system plugin is the default export
 * of `@backstage-self-service/plugin-self-service/alpha`.
 *
 * @packageDocumentation
 */

export {
  selfServicePlugin,
  SelfServicePage,
  EntityWorkflowsContent,
} from './plugin';
export { rootRouteRef } from './routes';
export { selfServiceApiRef, SelfServiceClient } from './api';
export type {
  ListRunsOptions,
  ListWorkflowsOptions,
  RunExpiryPermission,
  RunPageDetails,
  SelfServiceApi,
} from './api';

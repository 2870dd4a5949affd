import { createPermissionResourceRef } from '@backstage/plugin-permission-node';
import {
  RESOURCE_TYPE_SELF_SERVICE_RUN,
  RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
  type Run,
  type Workflow,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * A filter that permission rules translate to and the self-service store
 * turns into SQL, so that lists are filtered in the database, not in memory.
 *
 * @public
 */
export type SelfServiceFilter =
  | { property: string; values: string[] }
  | { allOf: SelfServiceFilter[] }
  | { anyOf: SelfServiceFilter[] }
  | { not: SelfServiceFilter };

/**
 * A run as permission rules see it: with the owners of its entity at trigger
 * time and its approvers, which rules such as IS_ENTITY_OWNER need.
 * @public
 */
export type SelfServiceRunResource = Run & {
  entityOwners: string[];
  approvers: string[];
  /**
   * Whether the run's workflow has been deleted since. Its identifier may
   * then belong to a newer workflow, whose runs IS_RUN_OF_WORKFLOW matches
   * instead.
   */
  workflowDeleted: boolean;
};

/**
 * Permission resource ref of workflows, for rules on
 * `self-service.workflow.*` resource permissions.
 * @public
 */
export const selfServiceWorkflowPermissionResourceRef =
  createPermissionResourceRef<Workflow, SelfServiceFilter>().with({
    pluginId: 'self-service',
    resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
  });

/**
 * Permission resource ref of runs, for rules on `self-service.run.*`
 * resource permissions.
 * @public
 */
export const selfServiceRunPermissionResourceRef = createPermissionResourceRef<
  SelfServiceRunResource,
  SelfServiceFilter
>().with({
  pluginId: 'self-service',
  resourceType: RESOURCE_TYPE_SELF_SERVICE_RUN,
});

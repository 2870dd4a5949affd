import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  selfServiceRunReadPermission,
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowDeletePermission,
  selfServiceWorkflowUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import type { PolicyRule } from './AppPermissionPolicy';

/** The team that publishes and administers self-service workflows. */
export const PLATFORM_TEAM = 'group:default/platform-team';

const manageWorkflows = new Set([
  selfServiceWorkflowCreatePermission.name,
  selfServiceWorkflowUpdatePermission.name,
  selfServiceWorkflowDeletePermission.name,
]);

function isPlatformTeamMember(user: Parameters<PolicyRule>[1]): boolean {
  return user?.info.ownershipEntityRefs.includes(PLATFORM_TEAM) ?? false;
}

/**
 * Only the platform team publishes, edits and deletes workflows; everyone
 * else runs them.
 */
export const onlyPlatformTeamManagesWorkflows: PolicyRule = (request, user) => {
  if (!manageWorkflows.has(request.permission.name)) {
    return undefined;
  }
  return {
    result: isPlatformTeamMember(user)
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY,
  };
};

/**
 * The platform team sees every run. Everyone else sees what the plugin
 * always shows: the runs they requested, may approve, or whose entity they
 * own; the policy adds nothing for them.
 */
export const platformTeamSeesAllRuns: PolicyRule = (request, user) => {
  if (request.permission.name !== selfServiceRunReadPermission.name) {
    return undefined;
  }
  return {
    result: isPlatformTeamMember(user)
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY,
  };
};

/** The self-service rules of this portal, in order. */
export const selfServiceRules: PolicyRule[] = [
  onlyPlatformTeamManagesWorkflows,
  platformTeamSeesAllRuns,
];

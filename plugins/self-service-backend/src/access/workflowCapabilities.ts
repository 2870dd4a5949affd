import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import type { Entity } from '@backstage/catalog-model';
import type {
  Workflow,
  WorkflowCapabilities,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceWorkflowRules } from '@backstage-self-service/plugin-self-service-node';
import { evaluateRunAccess, type Caller } from './accessRules';

const isAllowedFor = createConditionAuthorizer(
  Object.values(selfServiceWorkflowRules),
);

/**
 * The policy's answers for a whole list, one per permission, asked once per
 * page whatever its size: ALLOW and DENY hold for every workflow, and a
 * CONDITIONAL answer is evaluated here against each workflow with the
 * workflow permission rules.
 */
export interface WorkflowListDecisions {
  run: PolicyDecision;
  edit: PolicyDecision;
  delete: PolicyDecision;
}

export const RUN_DENIED_BY_POLICY =
  'Your permissions do not allow you to run this workflow';

/**
 * What a user may do with one listed workflow. The policy decides first; the
 * workflow's own access mode (owners, selected members) then applies to
 * running it, since the permission framework allows everything when it is
 * disabled. Managed workflows are never deleted through the API.
 */
export function workflowCapabilities(
  workflow: Workflow,
  decisions: WorkflowListDecisions,
  caller: Caller,
  entity?: Entity,
): WorkflowCapabilities {
  const allowed = (decision: PolicyDecision) =>
    decision.result === AuthorizeResult.ALLOW ||
    (decision.result === AuthorizeResult.CONDITIONAL &&
      isAllowedFor(decision, workflow));
  return {
    run: allowed(decisions.run)
      ? evaluateRunAccess(workflow, caller, entity)
      : { allowed: false, reason: RUN_DENIED_BY_POLICY },
    edit: allowed(decisions.edit),
    delete: !workflow.managedBy && allowed(decisions.delete),
  };
}

import type {
  Workflow,
  WorkflowCapabilities,
  WorkflowListAccess,
  WorkflowListItem,
  WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * A workflow as lists show it: what its card and run dialog need. Built
 * field by field, so that the request template, its headers and body, the
 * delivery policy and a selected workflow's members never reach a list.
 */
export function toWorkflowListItem(
  workflow: Workflow,
  capabilities?: WorkflowCapabilities,
): WorkflowListItem {
  return {
    id: workflow.id,
    identifier: workflow.identifier,
    revision: workflow.revision,
    name: workflow.name,
    ...(workflow.description !== undefined
      ? { description: workflow.description }
      : {}),
    ...(workflow.icon !== undefined ? { icon: workflow.icon } : {}),
    ...(workflow.color !== undefined ? { color: workflow.color } : {}),
    scope: listScope(workflow.scope),
    ...(workflow.execution
      ? { execution: { type: workflow.execution.type } }
      : { stepCount: workflow.steps.length }),
    access: listAccess(workflow.access),
    parameters: workflow.parameters,
    ...(workflow.managedBy ? { managedBy: workflow.managedBy } : {}),
    updatedAt: workflow.updatedAt,
    ...(capabilities ? { runnable: capabilities.run, capabilities } : {}),
  };
}

function listScope(scope: WorkflowScope): WorkflowScope {
  if (scope.type === 'global') {
    return { type: 'global' };
  }
  return {
    type: 'entity',
    kinds: scope.kinds,
    ...(scope.types !== undefined ? { types: scope.types } : {}),
  };
}

function listAccess(access: Workflow['access']): WorkflowListAccess {
  switch (access.type) {
    case 'approval':
      return {
        type: 'approval',
        approvers: access.approvers,
        ...(access.allowSelfApproval !== undefined
          ? { allowSelfApproval: access.allowSelfApproval }
          : {}),
      };
    case 'selected':
      return { type: 'selected' };
    default:
      return { type: access.type };
  }
}

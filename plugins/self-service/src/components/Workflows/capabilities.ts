import {
  WorkflowListItem,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * Whether the caller may run a listed workflow, as the server decided for the
 * page; undefined when it did not say (a service caller), which is no denial.
 */
export function workflowRunnability(
  workflow: Pick<WorkflowListItem, 'capabilities' | 'runnable'>,
): WorkflowRunnability | undefined {
  return workflow.capabilities?.run ?? workflow.runnable;
}

/**
 * Whether the permission policy lets the caller edit a listed workflow or,
 * for a managed one, see where it is changed; decided by the server for the
 * whole page, so no card asks the permission backend itself.
 */
export function mayEditWorkflow(
  workflow: Pick<WorkflowListItem, 'capabilities'>,
): boolean {
  return workflow.capabilities?.edit === true;
}

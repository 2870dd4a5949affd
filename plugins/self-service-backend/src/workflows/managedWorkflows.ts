import type { WorkflowManager } from '@backstage-self-service/plugin-self-service-common';

/** Who changes a workflow: the API, or the source that manages it. */
export type WorkflowSource = 'api' | WorkflowManager;

/** Where each kind of managed workflow is changed, for messages. */
const WORKFLOW_MANAGER_SOURCES: Record<WorkflowManager, string> = {
  config: 'app-config (selfService.workflows)',
  extension: 'a backend module (selfServiceWorkflowsExtensionPoint)',
};

/**
 * Why the API does not change a managed workflow: it would be overwritten,
 * or brought back, at the next start-up.
 */
export function managedWorkflowMessage(
  identifier: string,
  managedBy: WorkflowManager,
): string {
  return `workflow '${identifier}' is managed by ${WORKFLOW_MANAGER_SOURCES[managedBy]}; change it there`;
}

import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';

/**
 * Lets backend modules publish workflows from code ("workflows as code").
 *
 * Each definition is checked like a `POST /workflows` body (an invalid one,
 * or an identifier published twice, stops the backend with the workflow and
 * field named), then created on start-up, or given a new revision when it
 * differs from the stored one, so a module's workflows follow its releases.
 *
 * @public
 */
export interface SelfServiceWorkflowsExtensionPoint {
  addWorkflows(...definitions: WorkflowDefinition[]): void;
}

/** @public */
export const selfServiceWorkflowsExtensionPoint =
  createExtensionPoint<SelfServiceWorkflowsExtensionPoint>({
    id: 'self-service.workflows',
  });

import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { WorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';

/**
 * Lets backend modules publish workflows from code ("workflows as code").
 *
 * Each definition is checked like a `POST /workflows` body (an invalid one,
 * or an identifier published twice, stops the backend with the workflow and
 * field named), then created on start-up, or given a new revision when it
 * differs from the stored one, so a module's workflows follow its releases.
 * They are managed by the module: the API refuses to edit or delete them
 * (409), and start-up stops rather than take over a workflow of the same
 * identifier that someone published through the API.
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

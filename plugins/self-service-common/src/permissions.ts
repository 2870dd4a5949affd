import {
  createPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/** Resource type of workflow permissions; rules for it filter workflows. @public */
export const RESOURCE_TYPE_SELF_SERVICE_WORKFLOW = 'self-service-workflow';

/** Resource type of run permissions; rules for it filter runs. @public */
export const RESOURCE_TYPE_SELF_SERVICE_RUN = 'self-service-run';

/** @public */
export type SelfServiceWorkflowPermission = ResourcePermission<
  typeof RESOURCE_TYPE_SELF_SERVICE_WORKFLOW
>;

/** @public */
export type SelfServiceRunPermission = ResourcePermission<
  typeof RESOURCE_TYPE_SELF_SERVICE_RUN
>;

/** See a workflow in lists and its definition. @public */
export const selfServiceWorkflowReadPermission = createPermission({
  name: 'self-service.workflow.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
});

/**
 * Publish a new workflow. A basic permission: there is no resource yet to
 * write rules against.
 * @public
 */
export const selfServiceWorkflowCreatePermission = createPermission({
  name: 'self-service.workflow.create',
  attributes: { action: 'create' },
});

/** Edit an existing workflow, which creates a new revision. @public */
export const selfServiceWorkflowUpdatePermission = createPermission({
  name: 'self-service.workflow.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
});

/** Delete a workflow; its runs and their history are kept. @public */
export const selfServiceWorkflowDeletePermission = createPermission({
  name: 'self-service.workflow.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
});

/**
 * Trigger (or request, for approval workflows) a run. Checked in addition to
 * the workflow's own access mode: both must allow the caller.
 * @public
 */
export const selfServiceWorkflowRunPermission = createPermission({
  name: 'self-service.workflow.run',
  attributes: {},
  resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
});

/** See a run, its inputs and its event timeline. @public */
export const selfServiceRunReadPermission = createPermission({
  name: 'self-service.run.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SELF_SERVICE_RUN,
});

/**
 * Post messages, links and status to a run with Backstage credentials
 * (for example an external system with a static external access token),
 * instead of the run's own token.
 * @public
 */
export const selfServiceRunUpdatePermission = createPermission({
  name: 'self-service.run.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SELF_SERVICE_RUN,
});

/** Every permission of the self-service plugin. @public */
export const selfServicePermissions = [
  selfServiceWorkflowReadPermission,
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowUpdatePermission,
  selfServiceWorkflowDeletePermission,
  selfServiceWorkflowRunPermission,
  selfServiceRunReadPermission,
  selfServiceRunUpdatePermission,
];

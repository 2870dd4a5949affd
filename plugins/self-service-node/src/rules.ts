import { createPermissionRule } from '@backstage/plugin-permission-node';
import { z } from 'zod';
import {
  selfServiceRunPermissionResourceRef,
  selfServiceWorkflowPermissionResourceRef,
} from './resources';

const claimsSchema = z.object({
  claims: z
    .array(z.string())
    .describe(
      'User and group entity refs to match, usually the ownership refs of the user asking',
    ),
});

function includesRef(refs: string[], candidates: string[]): boolean {
  const wanted = new Set(candidates.map(r => r.toLocaleLowerCase('en-US')));
  return refs.some(r => wanted.has(r.toLocaleLowerCase('en-US')));
}

/** The run was requested by one of the claims. @public */
export const isRunRequester = createPermissionRule({
  name: 'IS_RUN_REQUESTER',
  description: 'Allow runs requested by one of the given users',
  resourceRef: selfServiceRunPermissionResourceRef,
  paramsSchema: claimsSchema,
  apply: (run, { claims }) => includesRef([run.requestedBy], claims),
  toQuery: ({ claims }) => ({ property: 'requestedBy', values: claims }),
});

/** One of the claims owned the run's entity when it was triggered. @public */
export const isRunEntityOwner = createPermissionRule({
  name: 'IS_ENTITY_OWNER',
  description:
    'Allow runs on entities owned by one of the given users or groups',
  resourceRef: selfServiceRunPermissionResourceRef,
  paramsSchema: claimsSchema,
  apply: (run, { claims }) => includesRef(run.entityOwners, claims),
  toQuery: ({ claims }) => ({ property: 'entityOwner', values: claims }),
});

/** One of the claims may approve the run. @public */
export const isRunApprover = createPermissionRule({
  name: 'IS_RUN_APPROVER',
  description: 'Allow runs that one of the given users or groups may approve',
  resourceRef: selfServiceRunPermissionResourceRef,
  paramsSchema: claimsSchema,
  apply: (run, { claims }) => includesRef(run.approvers, claims),
  toQuery: ({ claims }) => ({ property: 'approver', values: claims }),
});

/**
 * The run is of one of the given workflows: of the workflow that has the
 * identifier now. Runs of a deleted workflow match no identifier, so a new
 * workflow that reuses a deleted one's identifier does not inherit access to
 * the old one's runs.
 * @public
 */
export const isRunOfWorkflow = createPermissionRule({
  name: 'IS_RUN_OF_WORKFLOW',
  description:
    'Allow runs of the workflows that have the given identifiers (not of deleted workflows that had them)',
  resourceRef: selfServiceRunPermissionResourceRef,
  paramsSchema: z.object({
    identifiers: z.array(z.string()).describe('Workflow identifiers'),
  }),
  apply: (run, { identifiers }) =>
    !run.workflowDeleted && identifiers.includes(run.workflowIdentifier),
  toQuery: ({ identifiers }) => ({
    property: 'workflowIdentifier',
    values: identifiers,
  }),
});

/** The workflow is one of the given identifiers. @public */
export const isWorkflow = createPermissionRule({
  name: 'IS_WORKFLOW',
  description: 'Allow the workflows with the given identifiers',
  resourceRef: selfServiceWorkflowPermissionResourceRef,
  paramsSchema: z.object({
    identifiers: z.array(z.string()).describe('Workflow identifiers'),
  }),
  apply: (workflow, { identifiers }) =>
    identifiers.includes(workflow.identifier),
  toQuery: ({ identifiers }) => ({
    property: 'identifier',
    values: identifiers,
  }),
});

/** The workflow has the given scope. @public */
export const hasWorkflowScope = createPermissionRule({
  name: 'HAS_SCOPE',
  description: 'Allow global workflows or entity-scoped workflows',
  resourceRef: selfServiceWorkflowPermissionResourceRef,
  paramsSchema: z.object({
    scope: z.enum(['global', 'entity']).describe('global or entity'),
  }),
  apply: (workflow, { scope }) => workflow.scope.type === scope,
  toQuery: ({ scope }) => ({ property: 'scopeType', values: [scope] }),
});

/** The workflow was published by one of the claims. @public */
export const isWorkflowCreator = createPermissionRule({
  name: 'IS_WORKFLOW_CREATOR',
  description: 'Allow workflows published by one of the given users',
  resourceRef: selfServiceWorkflowPermissionResourceRef,
  paramsSchema: claimsSchema,
  apply: (workflow, { claims }) => includesRef([workflow.createdBy], claims),
  toQuery: ({ claims }) => ({ property: 'createdBy', values: claims }),
});

/** Rules of `self-service-run` permissions. @public */
export const selfServiceRunRules = {
  isRunRequester,
  isRunEntityOwner,
  isRunApprover,
  isRunOfWorkflow,
};

/** Rules of `self-service-workflow` permissions. @public */
export const selfServiceWorkflowRules = {
  isWorkflow,
  hasWorkflowScope,
  isWorkflowCreator,
};

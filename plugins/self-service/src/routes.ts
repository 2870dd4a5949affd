import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

/**
 * The route of the Self-Service page. Shared by the legacy and the new
 * frontend system; route refs of `@backstage/core-plugin-api` are accepted by
 * both.
 */
export const rootRouteRef = createRouteRef({
  id: 'self-service',
});

/** The page of one run: its details, timeline and approval actions. */
export const runRouteRef = createSubRouteRef({
  id: 'self-service/run',
  parent: rootRouteRef,
  path: '/runs/:runId',
});

/** The editor of a new workflow. */
export const newWorkflowRouteRef = createSubRouteRef({
  id: 'self-service/new-workflow',
  parent: rootRouteRef,
  path: '/workflows/new',
});

/** The editor of an existing workflow. */
export const editWorkflowRouteRef = createSubRouteRef({
  id: 'self-service/edit-workflow',
  parent: rootRouteRef,
  path: '/workflows/:identifier/edit',
});

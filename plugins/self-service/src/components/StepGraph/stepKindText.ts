import type { WorkflowStepKind } from '@backstage-self-service/plugin-self-service-common';

/** What each kind of step is called wherever steps are shown. */
export const STEP_KIND_TEXT: Record<WorkflowStepKind, string> = {
  request: 'HTTP request',
  approval: 'Approval',
  wait: 'Wait',
};

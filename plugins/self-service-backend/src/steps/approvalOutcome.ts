import type { WorkflowApprovalStep } from '@backstage-self-service/plugin-self-service-common';

/** A decision as the outcome needs it: whom it stands for, and what. */
export interface ApprovalDecision {
  approverRef: string;
  decision: 'approved' | 'rejected';
}

/**
 * Whether an approval step is decided by the decisions so far, oldest
 * first. With `mode: any` the first decision decides. With `mode: all` one
 * rejection rejects, and the step is approved once every listed approver
 * (a group counts once, whichever member decided for it) approved.
 * Undefined while the step still waits.
 */
export function approvalOutcome(
  step: Pick<WorkflowApprovalStep, 'approvers' | 'mode'>,
  decisions: ReadonlyArray<ApprovalDecision>,
): 'approved' | 'rejected' | undefined {
  const listed = decisions.filter(d => step.approvers.includes(d.approverRef));
  if (listed.length === 0) {
    return undefined;
  }
  if (step.mode === 'any') {
    return listed[0].decision;
  }
  if (listed.some(d => d.decision === 'rejected')) {
    return 'rejected';
  }
  const approved = new Set(listed.map(d => d.approverRef));
  return step.approvers.every(ref => approved.has(ref))
    ? 'approved'
    : undefined;
}

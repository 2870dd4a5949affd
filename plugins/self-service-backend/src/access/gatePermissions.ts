import type {
  Run,
  RunStep,
  StepsWorkflowDefinition,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from './accessRules';

/**
 * Whether the caller may decide each gate of a run that waits for
 * approval, with the reason when not, by the same rules as the decision
 * itself: an approver the gate lists (themselves or a group of theirs)
 * that has not decided yet, and not the requester approving their own run
 * unless the gate allows it. Only waiting gates are listed.
 */
export function gatePermissions(
  run: Pick<Run, 'requestedBy'>,
  definition: StepsWorkflowDefinition,
  steps: ReadonlyArray<Pick<RunStep, 'stepId' | 'status'>>,
  decisions: ReadonlyArray<{ stepId: string; approverRef: string }>,
  caller: Caller | undefined,
): Record<string, WorkflowRunnability> {
  const waiting = new Set(
    steps.filter(s => s.status === 'waiting_approval').map(s => s.stepId),
  );
  const permissions: Record<string, WorkflowRunnability> = {};
  for (const step of definition.steps) {
    if (step.kind !== 'approval' || !waiting.has(step.id)) {
      continue;
    }
    const standsFor = caller
      ? step.approvers.filter(ref => caller.ownershipEntityRefs.includes(ref))
      : [];
    const decided = new Set(
      decisions.filter(d => d.stepId === step.id).map(d => d.approverRef),
    );
    if (standsFor.length === 0) {
      permissions[step.id] = {
        allowed: false,
        reason: `Only the approvers of step '${step.name}' can decide it`,
      };
    } else if (standsFor.every(ref => decided.has(ref))) {
      permissions[step.id] = {
        allowed: false,
        reason: 'You already decided this step',
      };
    } else if (
      caller!.userEntityRef === run.requestedBy &&
      step.allowSelfApproval !== true
    ) {
      permissions[step.id] = {
        allowed: false,
        reason:
          'You requested this run, so another approver has to approve this step',
      };
    } else {
      permissions[step.id] = { allowed: true };
    }
  }
  return permissions;
}

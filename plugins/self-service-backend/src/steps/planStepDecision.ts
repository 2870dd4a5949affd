import type { WorkflowApprovalStep } from '@backstage-self-service/plugin-self-service-common';
import type { StepPlan } from '../database/runStepWrites';
import type { DecisionState } from '../database/RunStepStore';
import type { NewRunEvent } from '../database/SelfServiceStore';
import { approvalOutcome } from './approvalOutcome';
import { planStepProgress, type StepEngineContext } from './planSteps';

/**
 * What one approver's decision on a gate does, given every decision on it
 * so far (this one included), under the run's lock: it is on the timeline
 * either way; once the gate is decided (`any`: this decision; `all`: the
 * last approval, or any rejection) the gate succeeds and its dependents
 * start, or it fails and the run with it.
 */
export function planStepDecision(
  context: StepEngineContext,
  state: DecisionState,
  step: WorkflowApprovalStep,
  decision: {
    decidedBy: string;
    decision: 'approved' | 'rejected';
    comment?: string;
  },
): StepPlan {
  const event: NewRunEvent = {
    type: decision.decision,
    stepId: step.id,
    actor: decision.decidedBy,
    data: decision.comment ? { comment: decision.comment } : {},
  };
  const outcome = approvalOutcome(step, state.decisions);
  const progress =
    outcome &&
    planStepProgress(context, state, [
      {
        stepId: step.id,
        from: ['waiting_approval'],
        to: outcome === 'approved' ? 'success' : 'failed',
        ...(outcome === 'rejected' && {
          message: `Rejected by ${decision.decidedBy}`,
        }),
        actor: decision.decidedBy,
      },
    ]);
  if (!progress) {
    return { changes: [], events: [event] };
  }
  return { ...progress, events: [event, ...(progress.events ?? [])] };
}

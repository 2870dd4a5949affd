import { ConflictError, NotAllowedError } from '@backstage/errors';
import type { RunStep } from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../../access/accessRules';
import { planStepDecision } from '../../steps/planStepDecision';
import { followStepPlan } from '../followStepPlan';
import type { RunCommandDeps } from './RunCommandDeps';
import {
  requireStep,
  requireStepsRun,
  stepRequestEntity,
} from './stepRunLookups';
import { toRunStep } from './toRunStep';

/** A decision on a gate of a run of steps. */
export interface StepDecisionRequest {
  runId: string;
  stepId: string;
  caller: Caller;
  decision: 'approved' | 'rejected';
  comment?: string;
}

/**
 * An approver decides a gate. The decision stands for the first approver
 * listed on the gate that the caller is (themselves, or a group of theirs)
 * and that has not decided yet, so with `mode: all` a group counts once,
 * whichever member decides for it. Concurrent decisions are taken one
 * after the other under the run's lock: a gate is decided once.
 * @throws NotAllowedError when the caller is not an approver of the gate,
 * or approves their own run's gate without self-approval allowed.
 * @throws ConflictError when the gate is not waiting, or every approver
 * the caller stands for already decided.
 */
export async function decideStep(
  deps: RunCommandDeps,
  request: StepDecisionRequest,
): Promise<RunStep> {
  const { caller } = request;
  const { run, definition } = await requireStepsRun(deps, request.runId);
  const step = requireStep(run, definition, request.stepId);
  if (step.kind !== 'approval') {
    throw new ConflictError(
      `Step ${step.id} is ${
        step.kind === 'request' ? 'a request' : 'a wait'
      }, which takes no approval`,
    );
  }
  const standsFor = step.approvers.filter(ref =>
    caller.ownershipEntityRefs.includes(ref),
  );
  if (standsFor.length === 0) {
    throw new NotAllowedError(
      `Only the approvers of step '${step.name}' can decide it`,
    );
  }
  if (
    request.decision === 'approved' &&
    run.requestedBy === caller.userEntityRef &&
    step.allowSelfApproval !== true
  ) {
    throw new NotAllowedError(
      'You requested this run, so another approver has to approve this step',
    );
  }
  const decided = new Set(
    (await deps.steps.listStepDecisions(run.id, step.id)).map(
      d => d.approverRef,
    ),
  );
  const approverRef = standsFor.find(ref => !decided.has(ref));
  if (approverRef === undefined) {
    throw new ConflictError(
      `You already decided step '${step.name}' of run ${
        run.id
      } for ${standsFor.join(', ')}`,
    );
  }

  const starts = deps.worker.stepStarts(
    run,
    definition,
    await stepRequestEntity(deps, run),
  );
  const applied = await deps.steps.decideStep(
    run.id,
    {
      stepId: step.id,
      approverRef,
      decidedBy: caller.userEntityRef,
      decision: request.decision,
      ...(request.comment !== undefined && { comment: request.comment }),
    },
    (state, now) =>
      planStepDecision(starts.context(now), state, step, {
        decidedBy: caller.userEntityRef,
        decision: request.decision,
        comment: request.comment,
      }),
  );
  await followStepPlan(deps, {
    runId: run.id,
    definition,
    starts,
    applied,
  });
  return toRunStep(applied.steps.find(s => s.stepId === step.id)!);
}

import { ConflictError, NotAllowedError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { type Caller, isApprover } from '../../access/accessRules';
import { deliveryEntity } from '../../delivery/renderDeliveryRequest';
import { planRunStart } from '../../steps/planSteps';
import { followStepPlan } from '../followStepPlan';
import type { RunCommandDeps } from './RunCommandDeps';
import {
  currentEntity,
  definitionOf,
  requireRun,
  statusChanged,
} from './runLookups';

/** A decision on a run waiting for approval. */
export interface RunDecision {
  runId: string;
  caller: Caller;
  comment?: string;
}

/**
 * An approver lets a pending run go ahead: the approval and the run's
 * delivery are one write, and the request goes out at once.
 */
export async function approveRun(
  deps: RunCommandDeps,
  request: RunDecision,
): Promise<Run> {
  const { run, definition } = await pendingRunForDecision(
    deps,
    request,
    'approve',
  );
  // Looked up before anything is committed: if the catalog fails, the run
  // stays pending and the approver can simply try again.
  const entity = await currentEntity(deps, run);
  const events = [
    {
      type: 'approved' as const,
      actor: request.caller.userEntityRef,
      data: request.comment ? { comment: request.comment } : {},
    },
    statusChanged('pending_approval', 'in_progress', request.caller),
  ];
  if (hasSteps(definition)) {
    const starts = deps.worker.stepStarts(
      run,
      definition,
      deliveryEntity(entity),
    );
    const approved = await deps.store.transitionRun({
      runId: run.id,
      from: ['pending_approval'],
      to: 'in_progress',
      deadlineAt: null,
      steps: starts.planner(context => planRunStart(context)),
      events,
    });
    await followStepPlan(deps, {
      runId: run.id,
      definition,
      starts,
      applied: starts.startedPlan(approved.status),
    });
    return approved;
  }
  const prepared = deps.worker.prepare(definition, deliveryEntity(entity));
  const approved = await deps.store.transitionRun({
    runId: run.id,
    from: ['pending_approval'],
    to: 'in_progress',
    deadlineAt: null,
    delivery: prepared.delivery,
    events,
  });
  deps.worker.sendPrepared(prepared, approved, definition);
  await deps.notifier.runChanged(approved);
  return approved;
}

/** An approver turns a pending run down; nothing is sent. */
export async function rejectRun(
  deps: RunCommandDeps,
  request: RunDecision,
): Promise<Run> {
  const { run, definition } = await pendingRunForDecision(
    deps,
    request,
    'reject',
  );
  const rejected = await deps.store.transitionRun({
    runId: run.id,
    from: ['pending_approval'],
    to: 'rejected',
    events: [
      {
        type: 'rejected',
        actor: request.caller.userEntityRef,
        data: request.comment ? { comment: request.comment } : {},
      },
      statusChanged('pending_approval', 'rejected', request.caller),
    ],
  });
  await deps.notifier.runFinished(rejected, definition.name);
  await deps.notifier.runChanged(rejected);
  return rejected;
}

async function pendingRunForDecision(
  deps: RunCommandDeps,
  request: RunDecision,
  decision: 'approve' | 'reject',
): Promise<{ run: Run; definition: WorkflowDefinition }> {
  const { caller } = request;
  const run = await requireRun(deps, request.runId);
  const definition = await definitionOf(deps, run);
  const approvers = await deps.store.listRunApprovers(run.id);
  if (!isApprover(caller, approvers)) {
    throw new NotAllowedError(
      `Only the approvers of this run can ${decision} it`,
    );
  }
  const selfApproval =
    definition.access.type === 'approval' &&
    definition.access.allowSelfApproval === true;
  if (
    decision === 'approve' &&
    run.requestedBy === caller.userEntityRef &&
    !selfApproval
  ) {
    throw new NotAllowedError(
      'You requested this run, so another approver has to approve it',
    );
  }
  if (run.status !== 'pending_approval') {
    throw new ConflictError(
      `Run ${run.id} is ${run.status}; it was already decided`,
    );
  }
  return { run, definition };
}

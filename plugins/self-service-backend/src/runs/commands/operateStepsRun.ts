import { ConflictError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
} from '@backstage-self-service/plugin-self-service-common';
import { type CancelPlan, planCancel, planRetry } from '../../steps/operateRun';
import { upstreamOutputs } from '../../steps/upstreamOutputs';
import { followStepPlan } from '../followStepPlan';
import type { RunCommandDeps } from './RunCommandDeps';
import { redeliverRun } from './redeliverRun';
import { definitionOf, requireRun } from './runLookups';
import { stepRequestEntity } from './stepRunLookups';

/**
 * Cancels a run in progress. A run of steps: every step not finished is
 * canceled (a request in flight included: its answer, when it comes, is
 * only on the timeline), and the external systems of event-driven steps
 * in progress are told through their `cancelRequest`. A run of one request
 * is canceled likewise; a retry of its request that is due is not sent.
 * Who may is the router's decision.
 * @throws ConflictError when the run is not in progress.
 */
export async function cancelRun(
  deps: RunCommandDeps,
  request: { runId: string; actor: string },
): Promise<Run> {
  const run = await requireRun(deps, request.runId);
  const definition = await definitionOf(deps, run);
  const refused = () =>
    new ConflictError(
      `Run ${run.id} is ${run.status.replace(
        '_',
        ' ',
      )}; only a run in progress can be canceled`,
    );
  if (!hasSteps(definition)) {
    if (run.status !== 'in_progress') {
      throw refused();
    }
    const canceled = await deps.store.transitionRun({
      runId: run.id,
      from: ['in_progress'],
      to: 'canceled',
      deadlineAt: null,
      events: [
        {
          type: 'status_changed',
          actor: request.actor,
          data: {
            from: 'in_progress',
            to: 'canceled',
            message: `Canceled by ${request.actor}`,
          },
        },
      ],
    });
    await deps.notifier.runChanged(canceled);
    return canceled;
  }

  const entity = await stepRequestEntity(deps, run);
  const starts = deps.worker.stepStarts(run, definition, entity);
  // The plan made last is the one its transaction committed.
  const planned: { cancel?: CancelPlan } = {};
  const applied = await deps.steps.updateSteps(run.id, (state, now) => {
    planned.cancel = planCancel(starts.context(now), state, request.actor);
    return planned.cancel?.plan;
  });
  if (!applied.plan) {
    throw refused();
  }
  const told = planned.cancel?.notify ?? [];
  deps.worker.sendCancelRequests(run, definition, told, entity, stepId =>
    upstreamOutputs(definition.steps, stepId, applied.steps),
  );
  const canceled = await followStepPlan(deps, {
    runId: run.id,
    definition,
    applied,
  });
  return canceled ?? (await requireRun(deps, run.id));
}

/**
 * Retries a failed or timed-out run. A run of steps goes on from the steps
 * that did not succeed: succeeded steps keep their outputs and are not
 * sent again, and decided approvals stand. A run of one request has its
 * request sent once more (as a resend). Who may is the router's decision.
 * @throws ConflictError when the run did not fail or time out, or a gate
 * of it was rejected.
 */
export async function retryRun(
  deps: RunCommandDeps,
  request: { runId: string; actor: string },
): Promise<Run> {
  const run = await requireRun(deps, request.runId);
  const definition = await definitionOf(deps, run);
  if (!hasSteps(definition)) {
    return redeliverRun(deps, request);
  }
  const decisions = await deps.steps.listStepDecisions(run.id);
  const starts = deps.worker.stepStarts(
    run,
    definition,
    await stepRequestEntity(deps, run),
  );
  let refusal: string | undefined;
  const applied = await deps.steps.updateSteps(
    run.id,
    starts.planner((context, state) => {
      const retry = planRetry(context, state, request.actor, decisions);
      refusal = 'refused' in retry ? retry.refused : undefined;
      return 'plan' in retry ? retry.plan : undefined;
    }),
  );
  if (!applied.plan) {
    throw new ConflictError(refusal ?? `Run ${run.id} cannot be retried`);
  }
  const retried = await followStepPlan(deps, {
    runId: run.id,
    definition,
    starts,
    applied,
  });
  return retried ?? (await requireRun(deps, run.id));
}

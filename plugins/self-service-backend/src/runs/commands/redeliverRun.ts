import type { Run } from '@backstage-self-service/plugin-self-service-common';
import { deliveryEntity } from '../../delivery/renderDeliveryRequest';
import type { RunCommandDeps } from './RunCommandDeps';
import { currentEntity, requireRun } from './runLookups';

/** Statuses from which a run's request can be resent. */
export const REDELIVERABLE_STATUSES = ['failed', 'timed_out'] as const;

/**
 * Resends the request of a failed or timed-out run: one more attempt of the
 * same delivery, with the same `webhook-id` and the same inputs, on the
 * same run, which is in progress again until that attempt (and, for an
 * event-driven run, the external system) finishes it. Who may is the
 * router's decision.
 */
export async function redeliverRun(
  deps: RunCommandDeps,
  request: { runId: string; actor: string },
): Promise<Run> {
  const run = await requireRun(deps, request.runId);
  const { claim, token } = deps.worker.newClaim();
  // A run from before deliveries existed gets one now, with its entity
  // as it is today.
  const entity = (await deps.deliveries.getRunDelivery(run.id))
    ? undefined
    : deliveryEntity(await currentEntity(deps, run));
  const claimed = await deps.deliveries.reopenForResend({
    runId: run.id,
    from: REDELIVERABLE_STATUSES,
    claim,
    entity,
    events: [
      {
        type: 'status_changed',
        actor: request.actor,
        data: {
          from: run.status,
          to: 'in_progress',
          message: 'The request is being sent again',
          redelivery: true,
        },
      },
    ],
  });
  deps.worker.sendClaimed(claimed, token);
  const reopened = await requireRun(deps, run.id);
  await deps.notifier.runChanged(reopened);
  return reopened;
}

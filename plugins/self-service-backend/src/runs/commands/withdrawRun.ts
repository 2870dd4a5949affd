import { NotAllowedError } from '@backstage/errors';
import type { Run } from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../../access/accessRules';
import type { RunCommandDeps } from './RunCommandDeps';
import { requireRun, statusChanged } from './runLookups';

/** The requester takes back a run that is still waiting for approval. */
export async function withdrawRun(
  deps: RunCommandDeps,
  request: { runId: string; caller: Caller },
): Promise<Run> {
  const run = await requireRun(deps, request.runId);
  if (run.requestedBy !== request.caller.userEntityRef) {
    throw new NotAllowedError('Only the requester can withdraw a run');
  }
  const withdrawn = await deps.store.transitionRun({
    runId: run.id,
    from: ['pending_approval'],
    to: 'canceled',
    events: [
      { type: 'withdrawn', actor: request.caller.userEntityRef, data: {} },
      statusChanged('pending_approval', 'canceled', request.caller),
    ],
  });
  await deps.notifier.runChanged(withdrawn);
  return withdrawn;
}

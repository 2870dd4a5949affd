import type {
  Run,
  Workflow,
} from '@backstage-self-service/plugin-self-service-common';
import type { RunCommandDeps } from './RunCommandDeps';

/**
 * Deletes a workflow (permission checks are the caller's). Its runs still
 * waiting for approval are canceled in the same transaction, and their
 * requesters told, like at the end of any run.
 */
export async function deleteWorkflow(
  deps: RunCommandDeps,
  request: { workflow: Workflow; actor: string },
): Promise<{ canceledRuns: Run[] }> {
  const result = await deps.store.deleteWorkflow({
    identifier: request.workflow.identifier,
    actor: request.actor,
  });
  for (const run of result.canceledRuns) {
    await deps.notifier.runFinished(run, run.workflowName, {
      reason: 'the workflow was deleted',
    });
    await deps.notifier.runChanged(run);
  }
  return result;
}

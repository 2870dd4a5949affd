import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
  selfServiceRunUpdatePermission,
  type WorkflowDefinition,
  type WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';
import type { Router } from 'express';
import type { Audited, Authorize } from './routeHelpers';
import { type Caller, isApprover } from '../access/accessRules';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import type { RunCommands } from '../runs/RunCommands';

/** Cancel and retry, as the run page offers them. */
export type RunOperation = 'cancel' | 'retry';

/** What the run operation routes work with, from the router that adds them. */
export interface RunOperationDeps {
  httpAuth: HttpAuthService;
  store: Pick<SelfServiceStore, 'listRunApprovers'>;
  runs: RunCommands;
  authorize: Authorize;
  audited: Audited;
  requireVisibleRun(
    runId: string,
    credentials: BackstageCredentials,
  ): Promise<Run>;
  callerOf(credentials: BackstageCredentials): Promise<Caller>;
}

const OPERABLE: Record<RunOperation, ReadonlyArray<Run['status']>> = {
  cancel: ['in_progress'],
  retry: ['failed', 'timed_out'],
};

/**
 * Whether a caller may cancel or retry a run, with the reason when not:
 * its requester, its approvers (of the run, or of any gate of its steps),
 * and whom the policy allows `self-service.run.update` on it; only a run
 * in progress is canceled, only a failed or timed-out one retried.
 */
export async function runOperationPermission(
  deps: Pick<RunOperationDeps, 'authorize'>,
  operation: RunOperation,
  run: Run,
  definition: WorkflowDefinition,
  approvers: string[],
  credentials: BackstageCredentials,
  caller: Caller | undefined,
): Promise<WorkflowRunnability> {
  if (!OPERABLE[operation].includes(run.status)) {
    return {
      allowed: false,
      reason:
        operation === 'cancel'
          ? `Only a run in progress can be canceled; this one is ${words(
              run.status,
            )}`
          : `Only a failed or timed-out run can be retried; this one is ${words(
              run.status,
            )}`,
    };
  }
  if (!caller) {
    return { allowed: false, reason: 'Only signed-in users operate runs' };
  }
  const gateApprovers = hasSteps(definition)
    ? definition.steps.flatMap(s => (s.kind === 'approval' ? s.approvers : []))
    : [];
  if (
    caller.userEntityRef === run.requestedBy ||
    isApprover(caller, [...approvers, ...gateApprovers]) ||
    (await deps.authorize(selfServiceRunUpdatePermission, credentials, run.id))
  ) {
    return { allowed: true };
  }
  return {
    allowed: false,
    reason: `Only the requester, the approvers and those allowed to update runs can ${operation} this run`,
  };
}

function words(status: string): string {
  return status.replace('_', ' ');
}

/** `POST /runs/{id}/cancel` and `/retry`. */
export function addRunOperationRoutes(
  router: Router,
  deps: RunOperationDeps,
): void {
  const { httpAuth, runs, audited } = deps;
  for (const operation of ['cancel', 'retry'] as const) {
    router.post(`/runs/:runId/${operation}`, async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const { runId } = req.params;
      const run = await audited(
        req,
        `run-${operation}`,
        'high',
        { runId },
        async () => {
          const current = await deps.requireVisibleRun(runId, credentials);
          const [definition, approvers, caller] = await Promise.all([
            runs.definitionOf(current),
            deps.store.listRunApprovers(current.id),
            deps.callerOf(credentials),
          ]);
          const permission = await runOperationPermission(
            deps,
            operation,
            current,
            definition,
            approvers,
            credentials,
            caller,
          );
          if (!permission.allowed) {
            throw OPERABLE[operation].includes(current.status)
              ? new NotAllowedError(permission.reason)
              : new ConflictError(permission.reason);
          }
          const actor = caller.userEntityRef;
          const done =
            operation === 'cancel'
              ? await runs.cancel({ runId, actor })
              : await runs.retry({ runId, actor });
          return { result: done, meta: { status: done.status } };
        },
      );
      res.json(run);
    });
  }
}

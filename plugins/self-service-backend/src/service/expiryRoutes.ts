import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  type Run,
  selfServiceRunUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import type { Router } from 'express';
import type { Caller } from '../access/accessRules';
import {
  type ExpiryDeps,
  extendRun,
  tearDownRun,
} from '../runs/commands/expireRun';
import { objectBody } from './requestBody';
import type { Audited, Authorize } from './routeHelpers';

/** What the expiry routes work with, from the router that adds them. */
export interface ExpiryRouteDeps {
  httpAuth: HttpAuthService;
  expiry: ExpiryDeps;
  authorize: Authorize;
  audited: Audited;
  requireVisibleRun(
    runId: string,
    credentials: BackstageCredentials,
  ): Promise<Run>;
  callerOf(credentials: BackstageCredentials): Promise<Caller>;
}

/**
 * `POST /runs/{id}/extend` (`{"by": "P1D"}`, up to the workflow's
 * `lifecycle.ttl.max`) and `POST /runs/{id}/teardown` (now): for the run's
 * requester, the owners of its entity, and whom the policy allows
 * `self-service.run.update` on it.
 */
export function addExpiryRoutes(router: Router, deps: ExpiryRouteDeps): void {
  const { httpAuth, audited } = deps;

  async function requireOperator(
    runId: string,
    credentials: BackstageCredentials,
  ) {
    const run = await deps.requireVisibleRun(runId, credentials);
    const caller = await deps.callerOf(credentials);
    const owners = await deps.expiry.store.listRunEntityOwners(run.id);
    if (
      caller.userEntityRef === run.requestedBy ||
      owners.some(owner => caller.ownershipEntityRefs.includes(owner)) ||
      (await deps.authorize(
        selfServiceRunUpdatePermission,
        credentials,
        run.id,
      ))
    ) {
      return { run, actor: caller.userEntityRef };
    }
    throw new NotAllowedError(
      "Only the run's requester, the owners of its entity and those allowed to update runs can extend or tear down this run",
    );
  }

  router.post('/runs/:runId/extend', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { runId } = req.params;
    const run = await audited(
      req,
      'run-extend',
      'medium',
      { runId },
      async () => {
        const { run: current, actor } = await requireOperator(
          runId,
          credentials,
        );
        const extended = await extendRun(
          deps.expiry,
          current,
          objectBody(req).by,
          actor,
        );
        return {
          result: extended,
          meta: { expiresAt: extended.expiresAt ?? null },
        };
      },
    );
    res.json(run);
  });

  router.post('/runs/:runId/teardown', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { runId } = req.params;
    const teardown = await audited(
      req,
      'run-teardown',
      'high',
      { runId, trigger: 'user' },
      async () => {
        const { run: current, actor } = await requireOperator(
          runId,
          credentials,
        );
        const started = await tearDownRun(deps.expiry, current, actor);
        return { result: started, meta: { teardownRunId: started.id } };
      },
    );
    res.status(201).json(teardown);
  });
}

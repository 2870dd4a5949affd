import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  type Run,
  selfServiceRunUpdatePermission,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import type { Router } from 'express';
import type { Caller } from '../access/accessRules';
import {
  type ExpiryDeps,
  extendRun,
  latestExpiry,
  tearDownRun,
} from '../runs/commands/expireRun';
import { definitionOf } from '../runs/commands/runLookups';
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

const NOT_ALLOWED =
  "Only the run's requester, the owners of its entity and those allowed to update runs can extend or tear down this run";

/**
 * Whether the caller may extend or tear down a run, with the reason when
 * not, and how late it may be extended to; undefined for a run that does
 * not (or no longer) expire. For the run page's Extend and Tear down.
 */
export async function expiryPermission(
  deps: Pick<ExpiryRouteDeps, 'authorize' | 'expiry'>,
  run: Run,
  definition: WorkflowDefinition,
  credentials: BackstageCredentials,
  caller: Caller | undefined,
): Promise<
  { allowed: boolean; reason?: string; latestExpiresAt?: string } | undefined
> {
  const latest = latestExpiry(run, definition);
  if (run.status !== 'success' || !run.expiresAt || !latest) {
    return undefined;
  }
  if (run.teardownRunId) {
    return { allowed: false, reason: 'The run is being torn down' };
  }
  const latestExpiresAt = latest.toUTC().toISO()!;
  if (!caller) {
    return { allowed: false, reason: NOT_ALLOWED, latestExpiresAt };
  }
  const owners = await deps.expiry.store.listRunEntityOwners(run.id);
  if (
    caller.userEntityRef === run.requestedBy ||
    owners.some(owner => caller.ownershipEntityRefs.includes(owner)) ||
    (await deps.authorize(selfServiceRunUpdatePermission, credentials, run.id))
  ) {
    return { allowed: true, latestExpiresAt };
  }
  return { allowed: false, reason: NOT_ALLOWED, latestExpiresAt };
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
    const definition = await definitionOf(deps.expiry, run);
    const permission = await expiryPermission(
      deps,
      run,
      definition,
      credentials,
      caller,
    );
    if (permission?.reason === NOT_ALLOWED) {
      throw new NotAllowedError(NOT_ALLOWED);
    }
    // A run that does not expire, or no longer: the commands say why (409).
    return { run, definition, actor: caller.userEntityRef };
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
        const {
          run: current,
          definition,
          actor,
        } = await requireOperator(runId, credentials);
        const extended = await extendRun(
          deps.expiry,
          current,
          objectBody(req).by,
          actor,
          definition,
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
        const {
          run: current,
          definition,
          actor,
        } = await requireOperator(runId, credentials);
        const started = await tearDownRun(
          deps.expiry,
          current,
          actor,
          definition,
        );
        return { result: started, meta: { teardownRunId: started.id } };
      },
    );
    res.status(201).json(teardown);
  });
}

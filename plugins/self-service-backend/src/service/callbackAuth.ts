import type {
  BackstageCredentials,
  BackstageServicePrincipal,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { selfServiceRunUpdatePermission } from '@backstage-self-service/plugin-self-service-common';
import type { JsonObject } from '@backstage/types';
import type { Request } from 'express';
import type { SelfServiceConfig } from '../config';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import { isRunToken } from '../runs/runToken';
import type { RunTokenVerifier } from '../runs/RunTokenVerifier';
import type { Authorize } from './routeHelpers';

/** What authenticating a callback needs. */
export interface CallbackAuthDeps {
  httpAuth: HttpAuthService;
  store: Pick<SelfServiceStore, 'getRun'>;
  config: Pick<SelfServiceConfig, 'callbackServices'>;
  runTokens: RunTokenVerifier;
  authorize: Authorize;
}

/**
 * Who posted a callback: an actor for Backstage service credentials, or the
 * run token that was presented (kept to redact it from what they post).
 */
export interface CallbackCaller {
  actor?: string;
  token?: string;
}

/**
 * How the routes external systems post to (callbacks, entities) tell who
 * is posting, for the run (and step) in the request's path.
 */
export function callbackAuthenticator(
  deps: CallbackAuthDeps,
): (req: Request) => Promise<CallbackCaller> {
  const { httpAuth, store, config, runTokens, authorize } = deps;
  /**
   * Who is posting to a run: the holder of the run's own token (`ssrt_...`),
   * or Backstage service credentials of a service listed in
   * `selfService.callbacks.allowedServices` that the policy allows
   * `self-service.run.update` on it. User credentials are refused: a
   * signed-in person never reports a run's progress, and a user token that
   * leaks to a CI system must not let it write to every run its owner can see.
   */
  async function authenticateCallback(req: Request): Promise<CallbackCaller> {
    const { runId, stepId } = req.params;
    const authorization = req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!bearer) {
      throw new AuthenticationError(
        "Missing credentials: send the run's token or Backstage service credentials as a Bearer token",
      );
    }
    if (isRunToken(bearer)) {
      if (!(await runTokens.verify(runId, bearer, stepId))) {
        throw new AuthenticationError(
          stepId === undefined
            ? 'The token is not the token of this run'
            : 'The token is not the token of this step of this run',
        );
      }
      return { token: bearer };
    }
    const credentials = await httpAuth.credentials(req, {
      allow: ['service', 'user'],
    });
    if (!isService(credentials)) {
      throw new NotAllowedError(
        "Callbacks take the run's token or Backstage service credentials, not a user's credentials",
      );
    }
    // The permission framework allows every service principal without
    // access restrictions, so which services may report is configured.
    const { subject } = credentials.principal;
    if (!config.callbackServices.has(subject)) {
      throw new NotAllowedError(
        config.callbackServices.size === 0
          ? `Service '${subject}' may not post to runs: no services are listed in selfService.callbacks.allowedServices, so callbacks take the run's token only`
          : `Service '${subject}' may not post to runs: it is not listed in selfService.callbacks.allowedServices`,
      );
    }
    if (!(await store.getRun(runId))) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    if (
      !(await authorize(selfServiceRunUpdatePermission, credentials, runId))
    ) {
      throw new NotAllowedError(
        'These credentials are not allowed to update this run',
      );
    }
    return { actor: `service:${credentials.principal.subject}` };
  }
  return authenticateCallback;
}

function isService(
  credentials: BackstageCredentials,
): credentials is BackstageCredentials<BackstageServicePrincipal> {
  return (credentials.principal as { type?: string }).type === 'service';
}

/** What the audit event of a callback says about it. */
export function callbackAuditMeta(
  runId: string,
  stepId: string | undefined,
  caller: CallbackCaller,
): JsonObject {
  return {
    runId,
    ...(stepId !== undefined && { stepId }),
    authenticatedBy: caller.actor ?? 'run-token',
  };
}

/**
 * The request for the auditor to identify the caller by, when the caller has
 * Backstage credentials; a run token is not one, so the event then names the
 * run token as the actor in its metadata instead.
 */
export function callbackAuditRequest(
  req: Request,
  caller: CallbackCaller,
): Request | undefined {
  return caller.actor ? req : undefined;
}

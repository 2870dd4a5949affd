import type {
  BackstageCredentials,
  BackstageServicePrincipal,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { selfServiceRunUpdatePermission } from '@backstage-self-service/plugin-self-service-common';
import type { JsonObject } from '@backstage/types';
import type { Request, Router } from 'express';
import type { Audited, Authorize } from './routeHelpers';
import type { SelfServiceConfig } from '../config';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import type { RunCommands } from '../runs/RunCommands';
import { isRunToken } from '../runs/runToken';
import type { RunTokenVerifier } from '../runs/RunTokenVerifier';
import {
  objectBody,
  optionalString,
  parseHttpUrl,
  requiredString,
} from './requestBody';

const MAX_MESSAGE_LENGTH = 64 * 1024;

/** What the callback routes work with, from the router that adds them. */
export interface CallbackRouteDeps {
  httpAuth: HttpAuthService;
  store: Pick<SelfServiceStore, 'getRun'>;
  runs: RunCommands;
  config: Pick<SelfServiceConfig, 'callbackServices'>;
  runTokens: RunTokenVerifier;
  authorize: Authorize;
  audited: Audited;
}

/**
 * The routes external systems post to: a run's messages, links and final
 * status, and the same for each step of a workflow of steps, where the
 * token a step's request carried reports on that step only.
 */
export function addCallbackRoutes(
  router: Router,
  deps: CallbackRouteDeps,
): void {
  const { httpAuth, store, runs, config, runTokens, authorize, audited } = deps;

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

  // Messages and links, of a run or of one step of a run of steps.
  for (const [prefix, eventPrefix] of [
    ['/runs/:runId', 'run'],
    ['/runs/:runId/steps/:stepId', 'run-step'],
  ] as const) {
    router.post(`${prefix}/messages`, async (req, res) => {
      const caller = await authenticateCallback(req);
      const { runId, stepId } = req.params as {
        runId: string;
        stepId?: string;
      };
      const event = await audited(
        callbackAuditRequest(req, caller),
        `${eventPrefix}-message`,
        'medium',
        callbackAuditMeta(runId, stepId, caller),
        async () => {
          const markdown = requiredString(
            objectBody(req),
            'markdown',
            MAX_MESSAGE_LENGTH,
          );
          return {
            result:
              stepId === undefined
                ? await runs.postMessage({ runId, ...caller, markdown })
                : await runs.postStepMessage({
                    runId,
                    stepId,
                    ...caller,
                    markdown,
                  }),
          };
        },
      );
      res.status(201).json(event);
    });

    router.post(`${prefix}/links`, async (req, res) => {
      const caller = await authenticateCallback(req);
      const { runId, stepId } = req.params as {
        runId: string;
        stepId?: string;
      };
      const event = await audited(
        callbackAuditRequest(req, caller),
        `${eventPrefix}-link`,
        'medium',
        callbackAuditMeta(runId, stepId, caller),
        async () => {
          const body = objectBody(req);
          const label = requiredString(body, 'label', 200);
          const url = parseHttpUrl(requiredString(body, 'url', 2000));
          return {
            result:
              stepId === undefined
                ? await runs.postLink({ runId, ...caller, label, url })
                : await runs.postStepLink({
                    runId,
                    stepId,
                    ...caller,
                    label,
                    url,
                  }),
          };
        },
      );
      res.status(201).json(event);
    });
  }

  router.post('/runs/:runId/status', async (req, res) => {
    const caller = await authenticateCallback(req);
    const { runId } = req.params;
    const run = await audited(
      callbackAuditRequest(req, caller),
      'run-status',
      'medium',
      { runId, authenticatedBy: caller.actor ?? 'run-token' },
      async () => {
        const body = objectBody(req);
        const status = body.status;
        if (status !== 'success' && status !== 'failed') {
          throw new InputError("status: must be 'success' or 'failed'");
        }
        const message = optionalString(body, 'message', MAX_MESSAGE_LENGTH);
        const finished = await runs.setFinalStatus({
          runId,
          ...caller,
          status,
          message,
        });
        return { result: finished, meta: { status: finished.status } };
      },
    );
    res.json(run);
  });

  router.post('/runs/:runId/steps/:stepId/status', async (req, res) => {
    const caller = await authenticateCallback(req);
    const { runId, stepId } = req.params;
    const step = await audited(
      callbackAuditRequest(req, caller),
      'run-step-status',
      'medium',
      { runId, stepId, authenticatedBy: caller.actor ?? 'run-token' },
      async () => {
        const body = objectBody(req);
        const status = body.status;
        if (status !== 'success' && status !== 'failed') {
          throw new InputError("status: must be 'success' or 'failed'");
        }
        const message = optionalString(body, 'message', MAX_MESSAGE_LENGTH);
        const outputs = body.outputs;
        if (
          outputs !== undefined &&
          (typeof outputs !== 'object' ||
            outputs === null ||
            Array.isArray(outputs))
        ) {
          throw new InputError(
            'outputs: must be an object of output names to values',
          );
        }
        const ended = await runs.setStepStatus({
          runId,
          stepId,
          ...caller,
          status,
          message,
          ...(outputs !== undefined && {
            outputs: outputs as Record<string, unknown>,
          }),
        });
        return { result: ended, meta: { status: ended.status } };
      },
    );
    res.json(step);
  });
}

/**
 * Who posted a callback: an actor for Backstage service credentials, or the
 * run token that was presented (kept to redact it from what they post).
 */
interface CallbackCaller {
  actor?: string;
  token?: string;
}

function isService(
  credentials: BackstageCredentials,
): credentials is BackstageCredentials<BackstageServicePrincipal> {
  return (credentials.principal as { type?: string }).type === 'service';
}

/** What the audit event of a callback says about it. */
function callbackAuditMeta(
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
function callbackAuditRequest(
  req: Request,
  caller: CallbackCaller,
): Request | undefined {
  return caller.actor ? req : undefined;
}

import { InputError } from '@backstage/errors';
import type { Router } from 'express';
import type { RunCommands } from '../runs/RunCommands';
import {
  callbackAuditMeta,
  callbackAuditRequest,
  type CallbackAuthDeps,
  callbackAuthenticator,
} from './callbackAuth';
import type { Audited } from './routeHelpers';
import {
  objectBody,
  optionalString,
  parseHttpUrl,
  requiredString,
} from './requestBody';

const MAX_MESSAGE_LENGTH = 64 * 1024;

/** What the callback routes work with, from the router that adds them. */
export interface CallbackRouteDeps extends CallbackAuthDeps {
  runs: RunCommands;
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
  const { runs, audited } = deps;
  const authenticateCallback = callbackAuthenticator(deps);

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

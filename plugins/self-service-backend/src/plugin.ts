import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  selfServicePermissions,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import {
  selfServiceRunPermissionResourceRef,
  selfServiceRunRules,
  selfServiceWorkflowPermissionResourceRef,
  selfServiceWorkflowRules,
  selfServiceWorkflowsExtensionPoint,
} from '@backstage-self-service/plugin-self-service-node';
import { readSelfServiceConfig } from './config';
import { DatabaseSelfServiceStore } from './database/DatabaseSelfServiceStore';
import { HttpRequestDispatcher } from './dispatch';
import { RunNotifier } from './runs/RunNotifier';
import { DatabaseDeliveryStore } from './database/DatabaseDeliveryStore';
import { RunEntityStore } from './database/RunEntityStore';
import { RunExpiryStore } from './database/RunExpiryStore';
import { RunExpirySweep } from './runs/RunExpirySweep';
import { RunStepStore } from './database/RunStepStore';
import { DeliveryWorker } from './delivery/DeliveryWorker';
import { RunCommands } from './runs/RunCommands';
import { RunDeadlineSweep } from './runs/RunDeadlineSweep';
import { StepDeadlineTimers } from './runs/StepDeadlineTimers';
import { createRouter } from './service/router';
import {
  publishCodeWorkflows,
  validateCodeWorkflows,
} from './workflows/publishCodeWorkflows';

/**
 * How often overdue steps are looked for: how late a wait may end when the
 * replica that started it stopped.
 */
const STEP_SWEEP_SECONDS = 10;

/**
 * The self-service backend plugin.
 *
 * @public
 */
export const selfServicePlugin = createBackendPlugin({
  pluginId: 'self-service',
  register(env) {
    const codeWorkflows: WorkflowDefinition[] = [];
    env.registerExtensionPoint(selfServiceWorkflowsExtensionPoint, {
      addWorkflows(...definitions) {
        codeWorkflows.push(...definitions);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        database: coreServices.database,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        notifications: notificationService,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { logger, httpRouter, permissionsRegistry } = deps;
        const config = readSelfServiceConfig(deps.config);
        // Checked before anything else: a bad workflow stops start-up.
        const moduleWorkflows = validateCodeWorkflows(codeWorkflows, {
          secretNames: new Set(Object.keys(config.secrets)),
          signingKeyNames: new Set(config.signingKeys.keys()),
          egressPolicy: config.egressPolicy,
          configured: config.workflows,
        });
        const store = await DatabaseSelfServiceStore.create({
          database: deps.database,
        });

        permissionsRegistry.addPermissions(selfServicePermissions);
        permissionsRegistry.addResourceType({
          resourceRef: selfServiceWorkflowPermissionResourceRef,
          rules: Object.values(selfServiceWorkflowRules),
          getResources: identifiers =>
            Promise.all(identifiers.map(id => store.getWorkflow(id))),
        });
        permissionsRegistry.addResourceType({
          resourceRef: selfServiceRunPermissionResourceRef,
          rules: Object.values(selfServiceRunRules),
          getResources: ids =>
            Promise.all(
              ids.map(async id => {
                const run = await store.getRun(id);
                if (!run) {
                  return undefined;
                }
                const [approvers, entityOwners, workflowDeleted] =
                  await Promise.all([
                    store.listRunApprovers(id),
                    store.listRunEntityOwners(id),
                    store.isWorkflowDeleted(run.workflowId),
                  ]);
                return { ...run, approvers, entityOwners, workflowDeleted };
              }),
            ),
        });

        await publishCodeWorkflows({
          store,
          logger,
          definitions: [
            ...config.workflows.map(definition => ({
              definition,
              managedBy: 'config' as const,
            })),
            ...moduleWorkflows.map(definition => ({
              definition,
              managedBy: 'extension' as const,
            })),
          ],
        });

        const callbackBaseUrl = await deps.discovery.getExternalBaseUrl(
          'self-service',
        );
        const notifier = new RunNotifier({
          notifications: deps.notifications,
          signals: deps.signals,
          logger,
        });
        const client = await deps.database.getClient();
        const deliveries = new DatabaseDeliveryStore(client);
        const runSteps = new RunStepStore(client);
        const entities = new RunEntityStore(client);
        const timers = new StepDeadlineTimers(logger);
        const worker = new DeliveryWorker({
          store,
          deliveries,
          steps: runSteps,
          timers,
          dispatcher: new HttpRequestDispatcher({
            egressPolicy: config.egressPolicy,
          }),
          notifier,
          logger,
          config,
          callbackBaseUrl,
        });
        const runDeps = {
          store,
          deliveries,
          steps: runSteps,
          timers,
          worker,
          catalog: deps.catalog,
          auth: deps.auth,
          notifier,
          logger,
          auditor: deps.auditor,
          config,
          callbackBaseUrl,
        };
        const runs = new RunCommands(runDeps);
        const expiry = { ...runDeps, expiries: new RunExpiryStore(client) };
        const expirySweep = new RunExpirySweep(expiry);
        // Global scope: one replica at a time; each notice and teardown
        // happens once whoever sweeps (see RunExpirySweep).
        await deps.scheduler.scheduleTask({
          id: 'self-service-run-expiry',
          frequency: { seconds: 10 },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 5 },
          scope: 'global',
          fn: async () => {
            const { noticed, tornDown } = await expirySweep.sweep();
            if (noticed + tornDown > 0) {
              logger.info(
                `Expiry: told ${noticed} requester(s), tore down ${tornDown} run(s)`,
              );
            }
          },
        });
        // Every replica polls: for retries that are due, and for deliveries
        // whose replica died mid-attempt (their lease expired).
        deps.lifecycle.addStartupHook(() => worker.start());
        timers.bind(runId => runs.endOverdueStepsOf(runId));
        deps.lifecycle.addShutdownHook(async () => {
          timers.stop();
          await worker.stop();
          await worker.settled();
        });

        const sweep = new RunDeadlineSweep({
          store,
          notifier,
          logger,
          auditor: deps.auditor,
        });
        // Global scope: one replica at a time ends overdue runs.
        await deps.scheduler.scheduleTask({
          id: 'self-service-run-timeouts',
          frequency: { minutes: 1 },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 30 },
          scope: 'global',
          fn: async () => {
            const count = await sweep.timeOutOverdueRuns();
            if (count > 0) {
              logger.info(`Ended ${count} overdue run(s)`);
            }
          },
        });

        // The backstop of the replicas' step timers: deadlines set on a
        // replica that stopped, or too far off to time in memory.
        await deps.scheduler.scheduleTask({
          id: 'self-service-step-deadlines',
          frequency: { seconds: STEP_SWEEP_SECONDS },
          timeout: { minutes: 5 },
          initialDelay: { seconds: STEP_SWEEP_SECONDS },
          scope: 'global',
          fn: async () => {
            const count = await runs.endOverdueSteps();
            if (count > 0) {
              logger.info(`Moved on ${count} run(s) with overdue steps`);
            }
          },
        });

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auditor: deps.auditor,
            catalog: deps.catalog,
            auth: deps.auth,
            store,
            entities,
            expiry,
            runs,
            config,
            callbackBaseUrl,
          }),
        );
        httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
        // External systems authenticate with the run's own token, which
        // the handlers check; Backstage tokens are checked there as well.
        // Entities too; reading a run's entities checks credentials itself.
        for (const callback of ['messages', 'links', 'status', 'entities']) {
          httpRouter.addAuthPolicy({
            path: `/runs/:runId/${callback}`,
            allow: 'unauthenticated',
          });
          httpRouter.addAuthPolicy({
            path: `/runs/:runId/steps/:stepId/${callback}`,
            allow: 'unauthenticated',
          });
        }
      },
    });
  },
});

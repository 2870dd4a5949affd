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
} from '@internal/plugin-self-service-common';
import {
  selfServiceRunPermissionResourceRef,
  selfServiceRunRules,
  selfServiceWorkflowPermissionResourceRef,
  selfServiceWorkflowRules,
  selfServiceWorkflowsExtensionPoint,
} from '@internal/plugin-self-service-node';
import { readSelfServiceConfig } from './config';
import { DatabaseSelfServiceStore } from './database/DatabaseSelfServiceStore';
import { HttpRequestDispatcher } from './dispatch';
import { RunNotifier } from './runs/RunNotifier';
import { RunService } from './runs/RunService';
import { createRouter } from './service/router';
import {
  publishCodeWorkflows,
  validateCodeWorkflows,
} from './workflows/publishCodeWorkflows';

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
        const runs = new RunService({
          store,
          catalog: deps.catalog,
          auth: deps.auth,
          dispatcher: new HttpRequestDispatcher({
            egressPolicy: config.egressPolicy,
          }),
          notifier: new RunNotifier({
            notifications: deps.notifications,
            signals: deps.signals,
            logger,
          }),
          logger,
          auditor: deps.auditor,
          config,
          callbackBaseUrl,
        });
        deps.lifecycle.addShutdownHook(() => runs.settled());

        // Global scope: one replica at a time ends overdue runs.
        await deps.scheduler.scheduleTask({
          id: 'self-service-run-timeouts',
          frequency: { minutes: 1 },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 30 },
          scope: 'global',
          fn: async () => {
            const count = await runs.timeOutOverdueRuns();
            if (count > 0) {
              logger.info(`Ended ${count} overdue run(s)`);
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
            store,
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
        for (const callback of ['messages', 'links', 'status']) {
          httpRouter.addAuthPolicy({
            path: `/runs/:runId/${callback}`,
            allow: 'unauthenticated',
          });
        }
      },
    });
  },
});

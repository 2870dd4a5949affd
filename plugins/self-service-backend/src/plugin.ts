import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  selfServicePermissions,
  type WorkflowDefinition,
} from '@internal/plugin-self-service-common';
import { selfServiceWorkflowsExtensionPoint } from '@internal/plugin-self-service-node';
import { DatabaseSelfServiceStore } from './database/DatabaseSelfServiceStore';
import { createRouter } from './service/router';
import { publishCodeWorkflows } from './workflows/publishCodeWorkflows';

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
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        database: coreServices.database,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({
        logger,
        httpRouter,
        httpAuth,
        userInfo,
        database,
        permissionsRegistry,
        catalog,
      }) {
        const store = await DatabaseSelfServiceStore.create({ database });

        permissionsRegistry.addPermissions(selfServicePermissions);

        await publishCodeWorkflows({
          store,
          logger,
          definitions: codeWorkflows,
        });

        httpRouter.use(
          await createRouter({ logger, httpAuth, userInfo, catalog, store }),
        );
        httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});

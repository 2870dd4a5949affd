import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { selfServiceApiRef, SelfServiceClient } from './api';
import { rootRouteRef } from './routes';

/**
 * The Self-Service plugin for the legacy frontend system.
 *
 * @public
 */
export const selfServicePlugin = createPlugin({
  id: 'self-service',
  routes: {
    root: rootRouteRef,
  },
  apis: [
    createApiFactory({
      api: selfServiceApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SelfServiceClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * The Self-Service page: the workflows the user may see and their runs, with
 * the run pages and the workflow editor below it. Mount it at a path of your
 * choice, for instance `/self-service`.
 *
 * @public
 */
export const SelfServicePage = selfServicePlugin.provide(
  createRoutableExtension({
    name: 'SelfServicePage',
    component: () => import('./components/Router').then(m => m.Router),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The Workflows tab of an entity page: the workflows that apply to the
 * entity and its recent runs. Place it inside an `EntityLayout.Route`.
 *
 * @public
 */
export const EntityWorkflowsContent = selfServicePlugin.provide(
  createComponentExtension({
    name: 'EntityWorkflowsContent',
    component: {
      lazy: () =>
        import('./components/EntityWorkflowsContent').then(
          m => m.EntityWorkflowsContent,
        ),
    },
  }),
);

import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import PlayCircleOutline from '@material-ui/icons/PlayCircleOutline';
import { selfServiceApiRef, SelfServiceClient } from './api';
import { rootRouteRef } from './routes';

/** @alpha */
export const selfServiceApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: selfServiceApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SelfServiceClient({ discoveryApi, fetchApi }),
    }),
});

/** @alpha */
export const selfServicePage = PageBlueprint.make({
  params: {
    path: '/self-service',
    title: 'Self-Service',
    icon: <PlayCircleOutline />,
    routeRef: rootRouteRef,
    // The run page and the editor below this route bring headers of their
    // own (the workflow's name, the run id), so the layout adds none.
    noHeader: true,
    loader: () => import('./components/Router').then(m => <m.Router />),
  },
});

/** @alpha */
export const entityWorkflowsContent = EntityContentBlueprint.make({
  name: 'workflows',
  params: {
    path: '/workflows',
    title: 'Workflows',
    // Kinds compare case-insensitively.
    filter: { kind: { $in: ['component', 'system', 'resource', 'api'] } },
    loader: () =>
      import('./components/EntityWorkflowsContent').then(m => (
        <m.EntityWorkflowsContent />
      )),
  },
});

/**
 * The Self-Service plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'self-service',
  title: 'Self-Service',
  icon: <PlayCircleOutline />,
  routes: {
    root: rootRouteRef,
  },
  extensions: [selfServiceApi, selfServicePage, entityWorkflowsContent],
});

// A backend with only this plugin and what it needs, for working on it alone:
// `yarn start` in plugins/self-service-backend.
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

const backend = createBackend();

backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(
  catalogServiceMock.factory({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'example-service', namespace: 'default' },
        spec: { type: 'service', owner: 'group:default/team-a' },
      },
    ],
  }),
);
backend.add(import('../src'));

backend.start();

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Auth: guest sign-in and example users for local use (see app-config.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// Development only: sign in as any example user (see app-config.yaml).
backend.add(import('./devUsersAuth'));

// Catalog, with the example organisation and entities from examples/.
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// Entities created by Self-Service runs, read from the self-service backend.
backend.add(
  import('@backstage-self-service/plugin-catalog-backend-module-self-service'),
);

// Permissions, decided by this backend's own policy (src/permissionPolicy.ts).
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissionPolicy'));

// Scaffolder, kept so that users and benchmarks can compare it with Self-Service.
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// TechDocs and search.
backend.add(import('@backstage/plugin-techdocs-backend'));
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

backend.add(import('@backstage/plugin-user-settings-backend'));

// Notifications (approvers are told through them) and signals (live updates).
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// Self-Service.
backend.add(import('@backstage-self-service/plugin-self-service-backend'));

backend.start();

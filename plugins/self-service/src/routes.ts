import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * The route of the Self-Service page. Shared by the legacy and the new
 * frontend system; route refs of `@backstage/core-plugin-api` are accepted by
 * both.
 */
export const rootRouteRef = createRouteRef({
  id: 'self-service',
});

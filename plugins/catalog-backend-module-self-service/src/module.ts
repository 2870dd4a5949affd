import {
  coreServices,
  createBackendModule,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { SelfServiceEntityProvider } from './SelfServiceEntityProvider';

const REFRESH_INTERVAL_KEY = 'selfService.catalog.refreshIntervalSeconds';
const DEFAULT_REFRESH_INTERVAL_SECONDS = 3;

/**
 * Reads `selfService.catalog.refreshIntervalSeconds`: a positive number,
 * default 3. Throws, naming the key, on any other value.
 *
 * @internal
 */
export function readRefreshIntervalSeconds(config: RootConfigService): number {
  let value: number | undefined;
  try {
    value = config.getOptionalNumber(REFRESH_INTERVAL_KEY);
  } catch (error) {
    throw new Error(
      `${REFRESH_INTERVAL_KEY} must be a positive number of seconds: ${
        (error as Error).message
      }`,
    );
  }
  if (value === undefined) {
    return DEFAULT_REFRESH_INTERVAL_SECONDS;
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `${REFRESH_INTERVAL_KEY} must be a positive number of seconds, got ${value}`,
    );
  }
  return value;
}

/**
 * Publishes in the catalog the entities that Self-Service runs created, read
 * from the self-service backend plugin.
 *
 * @public
 */
export const catalogModuleSelfServiceEntities = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'self-service-entities',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        config: coreServices.rootConfig,
      },
      async init({ catalog, discovery, auth, logger, scheduler, config }) {
        const seconds = readRefreshIntervalSeconds(config);
        const provider = new SelfServiceEntityProvider({
          discovery,
          auth,
          logger,
        });
        catalog.addEntityProvider(provider);

        // Local scope: each replica keeps its own cursor, and applying the
        // same entities again is harmless.
        await scheduler.scheduleTask({
          id: 'self-service-entities-refresh',
          frequency: { seconds },
          timeout: { seconds: 30 },
          scope: 'local',
          fn: async (signal?: AbortSignal) => provider.refresh({ signal }),
        });
      },
    });
  },
});

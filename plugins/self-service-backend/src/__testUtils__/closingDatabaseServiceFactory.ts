import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { ConfigReader } from '@backstage/config';
import type { Knex } from 'knex';

/**
 * The test backend's database service, as `databaseServiceFactory` makes it
 * (an in-memory SQLite database per plugin), except that stopping the backend
 * also destroys the SQLite clients.
 *
 * Backstage's `DatabaseManager` leaves SQLite clients open at shutdown, and
 * each keeps a pool reaper interval running; with one backend per test, a
 * suite's Jest worker then never exits on its own ("A worker process has
 * failed to exit gracefully"). Root shutdown hooks run after every plugin's
 * shutdown hooks, so the delivery worker has recorded its attempts by then.
 */
export const closingDatabaseServiceFactory = createServiceFactory({
  service: coreServices.database,
  deps: {
    lifecycle: coreServices.lifecycle,
    logger: coreServices.logger,
    pluginMetadata: coreServices.pluginMetadata,
    rootLifecycle: coreServices.rootLifecycle,
    rootLogger: coreServices.rootLogger,
  },
  async createRootContext({ rootLifecycle, rootLogger }) {
    const manager = DatabaseManager.fromConfig(
      new ConfigReader({
        backend: {
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
      }),
      { rootLifecycle, rootLogger },
    );
    const clients = new Set<Promise<Knex>>();
    rootLifecycle.addShutdownHook(async () => {
      await Promise.allSettled(
        [...clients].map(async client => (await client).destroy()),
      );
    });
    return { manager, clients };
  },
  async factory({ pluginMetadata, lifecycle, logger }, { manager, clients }) {
    const database = manager.forPlugin(pluginMetadata.getId(), {
      lifecycle,
      logger,
    });
    return {
      ...database,
      getClient() {
        const client = database.getClient();
        clients.add(client);
        return client;
      },
    };
  },
});

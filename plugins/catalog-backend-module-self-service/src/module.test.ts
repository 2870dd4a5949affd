import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import {
  catalogModuleSelfServiceEntities,
  readRefreshIntervalSeconds,
} from './module';
import { SelfServiceEntityProvider } from './SelfServiceEntityProvider';

type ConfigData = NonNullable<
  Parameters<typeof mockServices.rootConfig>[0]
>['data'];

describe('catalogModuleSelfServiceEntities', () => {
  async function start(data: ConfigData = {}) {
    const catalog = { addEntityProvider: jest.fn() };
    const scheduler = mockServices.scheduler.mock();
    const backend = await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, catalog]],
      features: [
        catalogModuleSelfServiceEntities,
        scheduler.factory,
        mockServices.rootConfig.factory({ data }),
      ],
    });
    return { backend, catalog, scheduler };
  }

  it('registers the provider and refreshes it every 3 seconds by default', async () => {
    const { backend, catalog, scheduler } = await start();

    expect(catalog.addEntityProvider).toHaveBeenCalledWith(
      expect.any(SelfServiceEntityProvider),
    );
    expect(scheduler.scheduleTask).toHaveBeenCalledWith({
      id: 'self-service-entities-refresh',
      frequency: { seconds: 3 },
      timeout: { seconds: 30 },
      scope: 'local',
      fn: expect.any(Function),
    });

    // The task calls refresh, which never throws (not connected yet here).
    const { fn } = scheduler.scheduleTask.mock.calls[0][0];
    await expect(fn(new AbortController().signal)).resolves.toBeUndefined();

    await backend.stop();
  });

  it('refreshes at the configured interval', async () => {
    const { backend, scheduler } = await start({
      selfService: { catalog: { refreshIntervalSeconds: 10 } },
    });

    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({ frequency: { seconds: 10 } }),
    );
    await backend.stop();
  });

  it('stops the backend on an invalid interval, naming the key', async () => {
    await expect(
      start({ selfService: { catalog: { refreshIntervalSeconds: 0 } } }),
    ).rejects.toThrow(/selfService\.catalog\.refreshIntervalSeconds/);
  });
});

describe('readRefreshIntervalSeconds', () => {
  const read = (value: number | string | boolean) =>
    readRefreshIntervalSeconds(
      mockServices.rootConfig({
        data: { selfService: { catalog: { refreshIntervalSeconds: value } } },
      }),
    );

  it('defaults to 3', () => {
    expect(readRefreshIntervalSeconds(mockServices.rootConfig())).toBe(3);
  });

  it('accepts positive numbers', () => {
    expect(read(0.5)).toBe(0.5);
    expect(read(60)).toBe(60);
  });

  it.each([[0], [-1], ['soon'], [true]])('refuses %p', value => {
    expect(() => read(value)).toThrow(
      /selfService\.catalog\.refreshIntervalSeconds must be a positive number/,
    );
  });
});

import { mockServices } from '@backstage/backend-test-utils';
import type { SignalPayload } from '@backstage/plugin-signals-node';
import { RunNotifier, SIGNAL_INTERVAL_MS } from './RunNotifier';

describe('RunNotifier.runChanged', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function notifier() {
    const signals: SignalPayload[] = [];
    const service = new RunNotifier({
      notifications: { send: async () => {} },
      signals: {
        publish: async (signal: SignalPayload) => {
          signals.push(signal);
        },
      },
      logger: mockServices.logger.mock(),
    });
    const statuses = () =>
      signals.map(
        s => `${(s.message as any).status}@${(s.message as any).updatedAt}`,
      );
    return { service, statuses };
  }

  it('signals at once, then coalesces a burst into one trailing signal with the latest state', async () => {
    const { service, statuses } = notifier();
    await service.runChanged({
      id: 'r1',
      status: 'in_progress',
      updatedAt: 't1',
    });
    for (const t of ['t2', 't3', 't4']) {
      await service.runChanged({
        id: 'r1',
        status: 'in_progress',
        updatedAt: t,
      });
    }
    expect(statuses()).toEqual(['in_progress@t1']);

    await jest.advanceTimersByTimeAsync(SIGNAL_INTERVAL_MS);
    expect(statuses()).toEqual(['in_progress@t1', 'in_progress@t4']);
  });

  it('sends a final status at once, dropping a pending one', async () => {
    const { service, statuses } = notifier();
    await service.runChanged({
      id: 'r1',
      status: 'in_progress',
      updatedAt: 't1',
    });
    await service.runChanged({
      id: 'r1',
      status: 'in_progress',
      updatedAt: 't2',
    });
    await service.runChanged({ id: 'r1', status: 'success', updatedAt: 't3' });
    expect(statuses()).toEqual(['in_progress@t1', 'success@t3']);

    await jest.advanceTimersByTimeAsync(SIGNAL_INTERVAL_MS * 2);
    expect(statuses()).toEqual(['in_progress@t1', 'success@t3']);
  });

  it('keeps runs apart', async () => {
    const { service, statuses } = notifier();
    await service.runChanged({
      id: 'r1',
      status: 'in_progress',
      updatedAt: 't1',
    });
    await service.runChanged({
      id: 'r2',
      status: 'in_progress',
      updatedAt: 't1',
    });
    expect(statuses()).toHaveLength(2);
  });
});

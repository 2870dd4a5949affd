import { BoundedCache } from './BoundedCache';

describe('BoundedCache', () => {
  it('loads a key once and then answers from memory', async () => {
    const cache = new BoundedCache<string, number>(10);
    const load = jest.fn(async () => 1);
    await expect(cache.getOrLoad('a', load)).resolves.toBe(1);
    await expect(cache.getOrLoad('a', load)).resolves.toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not cache undefined, nor what failed to load', async () => {
    const cache = new BoundedCache<string, number>(10);
    const missing = jest.fn(async () => undefined);
    await expect(cache.getOrLoad('a', missing)).resolves.toBeUndefined();
    await expect(cache.getOrLoad('a', missing)).resolves.toBeUndefined();
    expect(missing).toHaveBeenCalledTimes(2);

    const failing = jest.fn(async (): Promise<number> => {
      throw new Error('boom');
    });
    await expect(cache.getOrLoad('b', failing)).rejects.toThrow('boom');
    await expect(cache.getOrLoad('b', async () => 2)).resolves.toBe(2);
  });

  it('drops the oldest entry when full', async () => {
    const cache = new BoundedCache<string, string>(2);
    const load = jest.fn(async (key: string) => key.toUpperCase());
    for (const key of ['a', 'b', 'c']) {
      await cache.getOrLoad(key, () => load(key));
    }
    expect(load).toHaveBeenCalledTimes(3);
    // 'b' and 'c' are kept; 'a' was dropped to make room for 'c'.
    await cache.getOrLoad('b', () => load('b'));
    await cache.getOrLoad('c', () => load('c'));
    expect(load).toHaveBeenCalledTimes(3);
    await expect(cache.getOrLoad('a', () => load('a'))).resolves.toBe('A');
    expect(load).toHaveBeenCalledTimes(4);
  });
});

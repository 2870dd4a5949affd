/**
 * Values that never change once known, kept in memory for at most
 * `capacity` keys: when full, the oldest entry makes room.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  /**
   * The value cached for a key, or else the one `load` gives, cached unless
   * it is undefined. What `load` throws is thrown, and nothing is cached.
   */
  async getOrLoad(
    key: K,
    load: () => Promise<V | undefined>,
  ): Promise<V | undefined> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const loaded = await load();
    if (loaded !== undefined) {
      if (this.entries.size >= this.capacity) {
        // Maps iterate in insertion order: drop the oldest entry.
        this.entries.delete(this.entries.keys().next().value!);
      }
      this.entries.set(key, loaded);
    }
    return loaded;
  }

  /** Forgets a key, so the next `getOrLoad` loads it again. */
  delete(key: K): void {
    this.entries.delete(key);
  }
}

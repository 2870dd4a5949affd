import type { SelfServiceStore } from '../database/SelfServiceStore';
import { BoundedCache } from './BoundedCache';
import { runTokenMatches } from './runToken';

const MAX_CACHED_RUNS = 10_000;

/**
 * Checks run tokens on callbacks. A run's token hash never changes once set,
 * so hashes are kept in a bounded in-memory cache: a busy run reporting many
 * messages costs one database read, not one per message, on every replica.
 */
export class RunTokenVerifier {
  private readonly hashes = new BoundedCache<string, string>(MAX_CACHED_RUNS);

  constructor(private readonly store: SelfServiceStore) {}

  async verify(runId: string, token: string): Promise<boolean> {
    const hash = await this.hashes.getOrLoad(runId, () =>
      this.store.getRunTokenHash(runId),
    );
    return hash !== undefined && runTokenMatches(token, hash);
  }
}

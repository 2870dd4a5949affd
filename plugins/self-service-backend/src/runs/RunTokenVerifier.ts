import type { SelfServiceStore } from '../database/SelfServiceStore';
import { runTokenMatches } from './runToken';

const MAX_CACHED_RUNS = 10_000;

/**
 * Checks run tokens on callbacks. A run's token hash never changes once set,
 * so hashes are kept in a bounded in-memory cache: a busy run reporting many
 * messages costs one database read, not one per message, on every replica.
 */
export class RunTokenVerifier {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly store: SelfServiceStore) {}

  async verify(runId: string, token: string): Promise<boolean> {
    let hash = this.hashes.get(runId);
    if (hash === undefined) {
      hash = await this.store.getRunTokenHash(runId);
      if (hash === undefined) {
        return false;
      }
      if (this.hashes.size >= MAX_CACHED_RUNS) {
        // Maps iterate in insertion order: drop the oldest entry.
        this.hashes.delete(this.hashes.keys().next().value!);
      }
      this.hashes.set(runId, hash);
    }
    return runTokenMatches(token, hash);
  }
}

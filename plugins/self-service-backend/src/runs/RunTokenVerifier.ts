import type { SelfServiceStore } from '../database/SelfServiceStore';
import { BoundedCache } from './BoundedCache';
import { runTokenMatches } from './runToken';

const MAX_CACHED_RUNS = 10_000;

/**
 * How old a run's cached hashes may be before a token that matches none of
 * them is checked against the database again: an attempt sent by another
 * replica, or a resend, hands out a new token.
 */
const REFRESH_AFTER_MS = 1000;

interface CachedHashes {
  hashes: string[];
  loadedAt: number;
}

/**
 * Checks run tokens on callbacks. A run's token hashes are only ever added
 * to, so they are kept in a bounded in-memory cache: a busy run reporting
 * many messages costs one database read, not one per message, on every
 * replica. A token the cache does not know is looked up again at most once
 * a second per run, so wrong tokens cannot turn into a flood of reads.
 */
export class RunTokenVerifier {
  private readonly cache = new BoundedCache<string, CachedHashes>(
    MAX_CACHED_RUNS,
  );

  constructor(
    private readonly store: Pick<SelfServiceStore, 'listRunTokenHashes'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether `token` was handed out by the run (`stepId` undefined) or by
   * the requests of one of its steps: a step's token reports on that step
   * only, and the run's never on a step.
   */
  async verify(
    runId: string,
    token: string,
    stepId?: string,
  ): Promise<boolean> {
    // Step ids cannot contain '/', so the keys of a run and its steps differ.
    const key = stepId === undefined ? runId : `${runId}/${stepId}`;
    const load = () => this.load(runId, stepId);
    const cached = await this.cache.getOrLoad(key, load);
    if (!cached) {
      return false;
    }
    if (cached.hashes.some(hash => runTokenMatches(token, hash))) {
      return true;
    }
    if (this.now() - cached.loadedAt < REFRESH_AFTER_MS) {
      return false;
    }
    this.cache.delete(key);
    const fresh = await this.cache.getOrLoad(key, load);
    return fresh?.hashes.some(hash => runTokenMatches(token, hash)) ?? false;
  }

  private async load(
    runId: string,
    stepId: string | undefined,
  ): Promise<CachedHashes | undefined> {
    const hashes = await this.store.listRunTokenHashes(runId, stepId);
    // Nothing cached for a run without a token yet (or no run at all).
    return hashes.length > 0 ? { hashes, loadedAt: this.now() } : undefined;
  }
}

import type { DispatchAttempt } from '../dispatch';

/**
 * Waits before attempt n+1, after attempt n failed (index n-1): quick at
 * first, then backing off to hours, like Svix's schedule, so a receiver that
 * is down for a deploy or an afternoon still gets the request.
 */
export const RETRY_DELAYS_MS: ReadonlyArray<number> = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
  4 * 60 * 60_000,
  8 * 60 * 60_000,
];

/** Each wait is spread by up to this share either way, so retries of many runs don't arrive together. */
export const JITTER = 0.2;

/** The longest `Retry-After` honoured; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** Answers that say "try again later" (Standard Webhooks, RFC 9110). */
const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/**
 * Whether a failed attempt is worth repeating: network errors, time-outs
 * and throttling or server errors are; 410 Gone ("stop sending") and every
 * other 4xx or 3xx are not, nor a request that could not be built or that
 * the address policy refused: sending it again gets the same answer.
 */
export function isRetryable(
  attempt: Pick<DispatchAttempt, 'outcome' | 'response' | 'error'>,
): boolean {
  if (attempt.outcome === 'success') {
    return false;
  }
  if (attempt.error) {
    return ['timeout', 'connection', 'dns', 'other'].includes(
      attempt.error.kind,
    );
  }
  const status = attempt.response?.status;
  if (status === undefined) {
    return false;
  }
  return RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599);
}

/**
 * How long to wait before the next attempt, after `attemptsMade` attempts:
 * the receiver's `Retry-After` (seconds or an HTTP date) when it gave one,
 * else the schedule with jitter.
 */
export function retryDelayMs(options: {
  attemptsMade: number;
  retryAfter?: string;
  now?: number;
  random?: () => number;
}): number {
  const now = options.now ?? Date.now();
  const retryAfter = parseRetryAfter(options.retryAfter, now);
  if (retryAfter !== undefined) {
    return Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  }
  const base =
    RETRY_DELAYS_MS[
      Math.min(options.attemptsMade, RETRY_DELAYS_MS.length) - 1
    ] ?? RETRY_DELAYS_MS[0];
  const spread = ((options.random ?? Math.random)() * 2 - 1) * JITTER;
  return Math.round(base * (1 + spread));
}

/** `Retry-After` in milliseconds from now, or undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined,
  now: number,
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

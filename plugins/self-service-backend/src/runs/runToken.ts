import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * What every run token starts with: "self-service run token". A bearer
 * credential with this prefix is a run token and is checked only as one;
 * anything else is a Backstage token (a JWT or a static external access
 * token) and is checked only as one, so neither is ever tried as the other.
 */
export const RUN_TOKEN_PREFIX = 'ssrt_';

/**
 * A run's callback token: the prefix and 256 random bits, URL-safe, so it
 * can be recognised (and found by secret scanners) wherever it turns up.
 */
export function generateRunToken(): string {
  return `${RUN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored instead of the token. */
export function hashRunToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function runTokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashRunToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return (
    presented.length === stored.length && timingSafeEqual(presented, stored)
  );
}

/** Whether a bearer credential is a run token rather than a Backstage token. */
export function isRunToken(credential: string): boolean {
  return credential.startsWith(RUN_TOKEN_PREFIX);
}

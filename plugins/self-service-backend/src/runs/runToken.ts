import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A run's callback token: 256 random bits, URL-safe, with no dots, so it can
 * never be mistaken for a Backstage token (a JWT).
 */
export function generateRunToken(): string {
  return randomBytes(32).toString('base64url');
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

/** Whether a bearer credential looks like a run token rather than a JWT. */
export function looksLikeRunToken(credential: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(credential);
}

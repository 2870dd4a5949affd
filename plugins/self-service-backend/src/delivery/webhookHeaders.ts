import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks 1.0 headers of one attempt: `webhook-id` always (the
 * receiver's idempotency key, the same on every attempt of a delivery), and
 * with signing secrets `webhook-timestamp` and `webhook-signature`, one
 * `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per secret, space-separated,
 * so that during a key rotation receivers holding either secret verify it.
 *
 * Signed with node:crypto; the tests verify the result with the
 * `standardwebhooks` package that receivers use.
 */
export function webhookHeaders(options: {
  webhookId: string;
  body: string | undefined;
  /** `whsec_` secrets; no signature headers when empty. */
  secrets: ReadonlyArray<string>;
  now?: Date;
}): Record<string, string> {
  const { webhookId, secrets } = options;
  if (secrets.length === 0) {
    return { 'webhook-id': webhookId };
  }
  const timestamp = String(
    Math.floor((options.now ?? new Date()).getTime() / 1000),
  );
  const signed = `${webhookId}.${timestamp}.${options.body ?? ''}`;
  const signatures = secrets.map(
    secret =>
      `v1,${createHmac('sha256', signingKeyBytes(secret))
        .update(signed, 'utf8')
        .digest('base64')}`,
  );
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}

/** The key a `whsec_` secret stands for: the base64 after the prefix. */
function signingKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/** The names of the headers this adds; a workflow may not set them itself. */
export const WEBHOOK_HEADER_NAMES = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
] as const;

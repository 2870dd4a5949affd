import { InputError } from '@backstage/errors';

/** Position in a newest-first run list: the last run of the previous page. */
export interface RunCursor {
  createdAt: string;
  id: string;
}

/** An opaque, URL-safe token for the next page. */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** @throws InputError naming the `cursor` field when the token is not ours. */
export function decodeRunCursor(token: string): RunCursor {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof value?.createdAt === 'string' &&
      !Number.isNaN(Date.parse(value.createdAt)) &&
      typeof value?.id === 'string'
    ) {
      return { createdAt: value.createdAt, id: value.id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InputError('cursor: not a cursor returned by this API');
}

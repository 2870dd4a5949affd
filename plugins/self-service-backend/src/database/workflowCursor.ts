import { InputError } from '@backstage/errors';

/** Position in a workflow list ordered by name, then id: the last item seen. */
export interface WorkflowCursor {
  name: string;
  id: string;
}

/** An opaque, URL-safe token for the next page. */
export function encodeWorkflowCursor(cursor: WorkflowCursor): string {
  return Buffer.from(
    JSON.stringify({ n: cursor.name, i: cursor.id }),
    'utf8',
  ).toString('base64url');
}

/** @throws InputError naming the `cursor` parameter when the token is not ours. */
export function decodeWorkflowCursor(token: string): WorkflowCursor {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value?.n === 'string' && typeof value?.i === 'string') {
      return { name: value.n, id: value.i };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InputError('cursor: not a cursor returned by this API');
}

/** A response body read up to a limit. */
export interface BoundedBody {
  /** UTF-8 decoded; a character cut by the limit is left out. */
  text: string;
  /** True if bytes were left unread, or reading failed part way. */
  truncated: boolean;
  /** Why reading stopped early, if it failed. */
  error?: unknown;
}

/**
 * Reads a body (a Node stream, or a web stream) until `maxBytes`, then
 * stops reading, which destroys (cancels) the rest, so a large or endless
 * body is never buffered. Never throws.
 */
export async function readBodyUpTo(
  stream: AsyncIterable<Uint8Array> | null,
  maxBytes: number,
): Promise<BoundedBody> {
  if (!stream) {
    return { text: '', truncated: false };
  }
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let remaining = Math.max(0, maxBytes);
  try {
    for await (const value of stream) {
      if (value.byteLength > remaining) {
        text += decoder.decode(value.subarray(0, remaining), { stream: true });
        return { text, truncated: true };
      }
      remaining -= value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
    return { text: text + decoder.decode(), truncated: false };
  } catch (error) {
    return { text, truncated: true, error };
  }
}

/**
 * Text cut to at most `maxBytes` of UTF-8, never through a character; for
 * recording a body after it was redacted.
 */
export function truncateUtf8(
  text: string,
  maxBytes: number,
): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) {
    return { text, truncated: false };
  }
  let end = Math.max(0, maxBytes);
  // Back up over continuation bytes (10xxxxxx) to a character's start.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) {
    end--;
  }
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

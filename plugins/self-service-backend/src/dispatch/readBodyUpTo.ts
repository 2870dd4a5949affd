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
 * Reads a body stream until `maxBytes`, then cancels the rest, so a large or
 * endless body is never buffered. Never throws.
 */
export async function readBodyUpTo(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<BoundedBody> {
  if (!stream) {
    return { text: '', truncated: false };
  }
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  let text = '';
  let remaining = Math.max(0, maxBytes);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return { text: text + decoder.decode(), truncated: false };
      }
      if (value.byteLength > remaining) {
        text += decoder.decode(value.subarray(0, remaining), { stream: true });
        await reader.cancel().catch(() => {});
        return { text, truncated: true };
      }
      remaining -= value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
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

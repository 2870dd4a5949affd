import { Readable } from 'node:stream';
import { readBodyUpTo, truncateUtf8 } from './readBodyUpTo';

function streamOf(...chunks: Array<string | Uint8Array>) {
  const encoder = new TextEncoder();
  let cancelled = false;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= chunks.length) {
          controller.close();
          return;
        }
        const chunk = chunks[pulled++];
        controller.enqueue(
          typeof chunk === 'string' ? encoder.encode(chunk) : chunk,
        );
      },
      cancel() {
        cancelled = true;
      },
    },
    // Pull only when read, so the test sees what was actually read.
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => cancelled, pulled: () => pulled };
}

describe('readBodyUpTo', () => {
  it('reads a body within the limit', async () => {
    const { stream } = streamOf('hello ', 'wörld');
    await expect(readBodyUpTo(stream, 100)).resolves.toEqual({
      text: 'hello wörld',
      truncated: false,
    });
  });

  it('reads a body of exactly the limit as complete', async () => {
    const { stream } = streamOf('12345');
    await expect(readBodyUpTo(stream, 5)).resolves.toEqual({
      text: '12345',
      truncated: false,
    });
  });

  it('stops at the limit and cancels the rest', async () => {
    const body = streamOf('12345', '67890', 'never read');
    await expect(readBodyUpTo(body.stream, 7)).resolves.toEqual({
      text: '1234567',
      truncated: true,
    });
    expect(body.cancelled()).toBe(true);
    expect(body.pulled()).toBeLessThan(3);
  });

  it('reads a Node stream, and destroys it past the limit', async () => {
    await expect(
      readBodyUpTo(
        Readable.from([Buffer.from('hello '), Buffer.from('wörld')]),
        100,
      ),
    ).resolves.toEqual({ text: 'hello wörld', truncated: false });
    const endless = new Readable({
      read() {
        this.push(Buffer.from('0123456789'));
      },
    });
    await expect(readBodyUpTo(endless, 25)).resolves.toEqual({
      text: '0123456789012345678901234',
      truncated: true,
    });
    expect(endless.destroyed).toBe(true);
  });

  it('leaves out a character cut by the limit', async () => {
    const { stream } = streamOf('aé'); // é is two bytes
    await expect(readBodyUpTo(stream, 2)).resolves.toEqual({
      text: 'a',
      truncated: true,
    });
  });

  it('returns what arrived when reading fails', async () => {
    const failure = new Error('boom');
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) {
          controller.error(failure);
        } else {
          sent = true;
          controller.enqueue(new TextEncoder().encode('part'));
        }
      },
    });
    await expect(readBodyUpTo(stream, 100)).resolves.toEqual({
      text: 'part',
      truncated: true,
      error: failure,
    });
  });

  it('reads no body as empty', async () => {
    await expect(readBodyUpTo(null, 10)).resolves.toEqual({
      text: '',
      truncated: false,
    });
  });
});

describe('truncateUtf8', () => {
  it('keeps text within the limit and cuts longer text between characters', () => {
    expect(truncateUtf8('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(truncateUtf8('abcd', 3)).toEqual({ text: 'abc', truncated: true });
    // 'é' is two bytes and '€' three: never half of one.
    expect(truncateUtf8('aé€', 2)).toEqual({ text: 'a', truncated: true });
    expect(truncateUtf8('aé€', 5)).toEqual({ text: 'aé', truncated: true });
    expect(truncateUtf8('aé€', 6)).toEqual({ text: 'aé€', truncated: false });
    expect(truncateUtf8('abc', 0)).toEqual({ text: '', truncated: true });
  });
});

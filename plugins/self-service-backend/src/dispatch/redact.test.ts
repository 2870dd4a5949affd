import { REDACTED, Redactor, SECRET_HEADER_KEY_SUBSTRINGS } from './redact';

const token = 'run-token-abcdef';
const secret = 'p@ss word/+&=';

describe('Redactor', () => {
  const redactor = new Redactor([token, secret, '', 'abc']);

  it('knows how far past a cut the longest secret reaches', () => {
    expect(new Redactor([]).longestSecretBytes).toBe(0);
    // 'a b€' is 6 bytes; its URL-encoded form 'a%20b%E2%82%AC' is 14.
    expect(new Redactor(['abcd', 'a b€']).longestSecretBytes).toBe(14);
  });

  it('redacts header values by name, case-insensitively', () => {
    expect(
      redactor.headers({
        Authorization: 'Bearer anything',
        'X-API-KEY': 'k',
        'x-hub-signature-256': 'sha256=1',
        Cookie: 'sid=1',
        'Content-Type': 'application/json',
      }),
    ).toEqual({
      Authorization: REDACTED,
      'X-API-KEY': REDACTED,
      'x-hub-signature-256': REDACTED,
      Cookie: REDACTED,
      'Content-Type': 'application/json',
    });
    expect(SECRET_HEADER_KEY_SUBSTRINGS).toContain('token');
  });

  it('redacts secret values in other headers', () => {
    expect(redactor.headers({ 'X-Note': `run ${token}` })).toEqual({
      'X-Note': `run ${REDACTED}`,
    });
  });

  it('redacts secret values in bodies, responses and error messages', () => {
    expect(redactor.text(`{"token":"${token}","x":1}`)).toBe(
      `{"token":"${REDACTED}","x":1}`,
    );
    expect(redactor.text(`echo: ${secret} and ${secret}`)).toBe(
      `echo: ${REDACTED} and ${REDACTED}`,
    );
    expect(redactor.text(`getaddrinfo ENOTFOUND ${token}.example.com`)).toBe(
      `getaddrinfo ENOTFOUND ${REDACTED}.example.com`,
    );
  });

  it('redacts URL-, form- and JSON-encoded forms of a secret', () => {
    expect(redactor.text(encodeURIComponent(secret))).toBe(REDACTED);
    // Percent escapes match in either case of hex digits.
    expect(redactor.text('p%40ss%20word%2f%2b%26%3d')).toBe(REDACTED);
    expect(redactor.text(new URLSearchParams({ a: secret }).toString())).toBe(
      `a=${REDACTED}`,
    );
    const quoted = new Redactor(['say "hi"\n']);
    expect(quoted.text(JSON.stringify({ a: 'say "hi"\n' }))).toBe(
      `{"a":"${REDACTED}"}`,
    );
  });

  it('ignores empty and very short secret values', () => {
    expect(redactor.text('abc abcd')).toBe('abc abcd');
    expect(new Redactor([]).text('anything')).toBe('anything');
  });

  it('redacts the longest secret first', () => {
    const nested = new Redactor(['abcd', 'abcdefgh']);
    expect(nested.text('abcdefgh abcd')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('redacts URLs by query parameter name, password and secret value', () => {
    expect(
      redactor.url(
        `https://user:pw@api.example.com/runs/${token}?api_Key=k1&region=eu&Token=t&next=${encodeURIComponent(
          secret,
        )}#frag`,
      ),
    ).toBe(
      `https://user:${REDACTED}@api.example.com/runs/${REDACTED}?api_Key=${REDACTED}&region=eu&Token=${REDACTED}&next=${REDACTED}#frag`,
    );
    expect(redactor.url('https://api.example.com/x')).toBe(
      'https://api.example.com/x',
    );
    expect(redactor.url(`not a url ${token}`)).toBe(`not a url ${REDACTED}`);
  });

  it('redacts JSON-like values deeply', () => {
    const shared = { note: token };
    expect(
      redactor.value({
        password: 'hunter2',
        nested: [{ sessionId: 1, ok: `x ${token}` }, 42, null, true],
        a: shared,
        b: shared,
      }),
    ).toEqual({
      password: REDACTED,
      nested: [{ sessionId: REDACTED, ok: `x ${REDACTED}` }, 42, null, true],
      a: { note: REDACTED },
      b: { note: REDACTED },
    });
  });

  it('survives circular values', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(redactor.value(loop)).toEqual({ name: 'loop', self: '[Circular]' });
  });
});

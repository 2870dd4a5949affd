import { REDACTED, Redactor, SECRET_HEADER_KEY_SUBSTRINGS } from './redact';

const token = 'run-token-abcdef';
const secret = 'p@ss word/+&=';

describe('Redactor', () => {
  const redactor = new Redactor([token, secret, '', 'abc']);

  it('knows how far past a cut the longest secret reaches', () => {
    expect(new Redactor([]).longestSecretBytes).toBe(0);
    // 'a b€' is 6 bytes; at its longest it is 'a\u0020b%E2%82%AC': 17.
    expect(new Redactor(['abcd', 'a b€']).longestSecretBytes).toBe(17);
    // 12 bytes are 16 base64 characters, 17 when they start mid-group.
    expect(new Redactor(['abcdefghijkl']).longestSecretBytes).toBe(17);
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

  it('redacts strict RFC 3986 percent-encoding of a secret', () => {
    const strict = (text: string) =>
      encodeURIComponent(text).replace(
        /[!'()*]/g,
        c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
    const parens = "it's(a)*secret!";
    const r = new Redactor([parens]);
    expect(strict(parens)).toBe('it%27s%28a%29%2Asecret%21');
    expect(r.text(`q=${strict(parens)}&x=1`)).toBe(`q=${REDACTED}&x=1`);
    expect(r.text(`q=${encodeURIComponent(parens)}`)).toBe(`q=${REDACTED}`);
    expect(r.text(`q=${strict(parens).toLowerCase()}`)).toBe(`q=${REDACTED}`);
  });

  it('redacts JSON-escaped forms of a secret: \\/, \\", \\\\ and \\uXXXX', () => {
    const r = new Redactor(['a/b"c\\d\u0001é-end']);
    // As JSON.stringify writes it.
    expect(r.text(JSON.stringify({ t: 'a/b"c\\d\u0001é-end' }))).toBe(
      `{"t":"${REDACTED}"}`,
    );
    // PHP escapes slashes; Python escapes everything beyond ASCII; some
    // encoders write control characters in upper case hex.
    expect(r.text('{"t":"a\\/b\\"c\\\\d\\u0001\\u00e9-end"}')).toBe(
      `{"t":"${REDACTED}"}`,
    );
    expect(r.text('a\\u002Fb\\u0022c\\u005Cd\\u0001\\u00E9\\u002dend')).toBe(
      REDACTED,
    );
    const slashes = new Redactor(['https://hooks.example.com/T0/B1']);
    expect(
      slashes.text('{"url":"https:\\/\\/hooks.example.com\\/T0\\/B1"}'),
    ).toBe(`{"url":"${REDACTED}"}`);
  });

  it('redacts base64 and base64url forms of a secret, at any alignment', () => {
    const plus = 'tok>>>?en-with-bits~~';
    const r = new Redactor([plus]);
    for (const prefix of ['', 'u:', 'us:', 'user:']) {
      for (const suffix of ['', '!', 'xy']) {
        const data = Buffer.from(`${prefix}${plus}${suffix}`);
        for (const encoded of [
          data.toString('base64'),
          data.toString('base64url'),
        ]) {
          const redacted = r.text(`Authorization: Basic ${encoded}`);
          expect({ prefix, suffix, redacted }).toEqual({
            prefix,
            suffix,
            redacted: expect.stringContaining(REDACTED),
          });
          // Nothing of the secret's own characters is left: at most the
          // characters that encode the neighbours alone.
          const left = redacted
            .replace('Authorization: Basic ', '')
            .replace(REDACTED, '')
            .replace(/=+$/, '');
          expect(left.length).toBeLessThanOrEqual(
            Math.ceil((prefix.length * 8) / 6) +
              Math.ceil((suffix.length * 8) / 6),
          );
        }
      }
    }
    // Standard and URL-safe encodings differ for this secret.
    expect(Buffer.from(plus).toString('base64')).toMatch(/[+/]/);
  });

  it('leaves text alone that only resembles a secret', () => {
    const r = new Redactor(['correct-horse-battery']);
    const text =
      'correct horse battery, Y29ycmVjdC1ob3JzZQ==, correct%2Dhorse, correct-horse-batter';
    expect(r.text(text)).toBe(text);
  });

  it('ignores empty and very short secret values', () => {
    expect(redactor.text('abc abcd')).toBe('abc abcd');
    expect(new Redactor([]).text('anything')).toBe('anything');
  });

  it('redacts a secret in text exactly as long as it, and leaves shorter text alone', () => {
    const r = new Redactor(['s3cr3t-value', 'another-longer-secret']);
    expect(r.text('s3cr3t-value')).toBe(REDACTED);
    expect(r.text('s3cr3t-valu')).toBe('s3cr3t-valu');
    expect(r.text('')).toBe('');
  });

  it('redacts the same once prepared, and again after', () => {
    const r = new Redactor(['abcdefgh']).with(['run-token-abcdef']);
    r.prepare();
    expect(r.text('x run-token-abcdef abcdefgh')).toBe(
      `x ${REDACTED} ${REDACTED}`,
    );
    r.prepare();
    expect(r.url('http://h/p?q=abcdefgh')).toBe(`http://h/p?q=${REDACTED}`);
    expect(r.text('x run-token-abcdef')).toBe(`x ${REDACTED}`);
    expect(() => new Redactor([]).prepare()).not.toThrow();
  });

  it('redacts the longest secret first', () => {
    const nested = new Redactor(['abcd', 'abcdefgh']);
    expect(nested.text('abcdefgh abcd')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('adds secrets with `with`, as if they had been given at first', () => {
    const base = new Redactor(['abcdefgh', 'wxyz', 'p@ss word/+&=']);
    const patternOf = (r: Redactor) =>
      (r as unknown as { pattern?: RegExp }).pattern?.source;
    for (const extra of [
      ['abcd'],
      ['run-token-abcdef'],
      ['abcdefgh', 'qrst'],
      ['abc', ''],
      [],
    ]) {
      const added = base.with(extra);
      const fresh = new Redactor([
        'abcdefgh',
        'wxyz',
        'p@ss word/+&=',
        ...extra,
      ]);
      expect(patternOf(added)).toBe(patternOf(fresh));
      expect(added.longestSecretBytes).toBe(fresh.longestSecretBytes);
    }
    const withToken = base.with(['run-token-abcdef']);
    expect(withToken.text('run-token-abcdef abcdefgh wxyz')).toBe(
      `${REDACTED} ${REDACTED} ${REDACTED}`,
    );
    // The original is unchanged.
    expect(base.text('run-token-abcdef')).toBe('run-token-abcdef');
    expect(new Redactor([]).with(['abcd']).text('xabcdx')).toBe(
      `x${REDACTED}x`,
    );
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

  it('redacts userinfo and secret-looking pairs in fragments, in relative URLs too', () => {
    const plain = new Redactor([]);
    expect(
      plain.url(
        'https://app.example.com/callback#access_token=abc.def&token_type=bearer&state=xyz',
      ),
    ).toBe(
      `https://app.example.com/callback#access_token=${REDACTED}&token_type=${REDACTED}&state=xyz`,
    );
    expect(
      plain.url('/login?next=%2Fhome&api%5Fkey=k#/view?id_token=j&x=1'),
    ).toBe(
      `/login?next=%2Fhome&api%5Fkey=${REDACTED}#/view?id_token=${REDACTED}&x=1`,
    );
    // A user name alone is often a token (https://<token>@host).
    expect(plain.url('https://ghp_0123456789@git.example.com/repo.git')).toBe(
      `https://${REDACTED}@git.example.com/repo.git`,
    );
    expect(plain.url('//user:pw@cdn.example.com/x')).toBe(
      `//user:${REDACTED}@cdn.example.com/x`,
    );
    expect(plain.url('https://example.com/a@b?x=1')).toBe(
      'https://example.com/a@b?x=1',
    );
  });

  it('redacts URLs in Location, Content-Location, Link and Refresh response headers', () => {
    expect(
      redactor.headers({
        Location: `https://ci.example.com/jobs/1?sig=s&job_token=t&page=2#session=abc`,
        'content-location': `/runs/1?AccessKey=k&format=json`,
        link: '<https://api.example.com/items?page=2&api_key=k>; rel="next", <https://u:p@api.example.com/items?page=9>; rel="last"',
        refresh: `0; URL='https://sso.example.com/done#id_token=j&ok=1'`,
        'x-other': 'https://example.com/?api_key=k',
      }),
    ).toEqual({
      Location: `https://ci.example.com/jobs/1?sig=s&job_token=${REDACTED}&page=2#session=${REDACTED}`,
      'content-location': `/runs/1?AccessKey=${REDACTED}&format=json`,
      link: `<https://api.example.com/items?page=2&api_key=${REDACTED}>; rel="next", <https://u:${REDACTED}@api.example.com/items?page=9>; rel="last"`,
      refresh: `0; URL='https://sso.example.com/done#id_token=${REDACTED}&ok=1'`,
      // Not a URL header: only secret values are redacted.
      'x-other': 'https://example.com/?api_key=k',
    });
    expect(redactor.headers({ Location: `/r/${token}` })).toEqual({
      Location: `/r/${REDACTED}`,
    });
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

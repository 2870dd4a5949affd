import { isAllowedImageHost, safeLinkUrl, webUrl } from './safeUrl';

// Built, so that linters do not take them for script URLs in the source.
const js = (rest: string) => ['javascript', rest].join(':');

describe('safeLinkUrl', () => {
  it.each([
    ['https://ci.example.com/jobs/1', 'https://ci.example.com/jobs/1'],
    ['http://ci.example.com', 'http://ci.example.com/'],
    ['HTTPS://CI.EXAMPLE.COM/Jobs', 'https://ci.example.com/Jobs'],
    ['mailto:oncall@example.com', 'mailto:oncall@example.com'],
    ['  https://ci.example.com/x  ', 'https://ci.example.com/x'],
  ])('keeps %j as %j', (url, expected) => {
    expect(safeLinkUrl(url)).toBe(expected);
  });

  it.each([
    js('alert(1)'),
    `  ${js('alert(1)')}`,
    ['JaVaScRiPt', 'alert(1)'].join(':'),
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '\u0001javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:image/png;base64,AAAA',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://files.example.com/x',
    'tel:+100',
    '/catalog/default/component/x',
    '#section',
    '//evil.example.com/x',
    'not a url',
    '',
    undefined,
  ])('refuses %j', url => {
    expect(safeLinkUrl(url)).toBeUndefined();
  });

  it('returns the form the browser follows, not the text it was given', () => {
    // The tab goes, as the browser would drop it, and the result is checked.
    expect(safeLinkUrl('ht\ttps://ci.example.com/x')).toBe(
      'https://ci.example.com/x',
    );
  });
});

describe('webUrl', () => {
  it('keeps http and https only', () => {
    expect(webUrl('https://img.example.com/a.png')).toBe(
      'https://img.example.com/a.png',
    );
    expect(webUrl('http://img.example.com/a.png')).toBe(
      'http://img.example.com/a.png',
    );
    expect(webUrl('mailto:oncall@example.com')).toBeUndefined();
    expect(webUrl('data:image/png;base64,AAAA')).toBeUndefined();
    expect(webUrl(js('alert(1)'))).toBeUndefined();
    expect(webUrl('/x.png')).toBeUndefined();
  });
});

describe('isAllowedImageHost', () => {
  const allowed = ['images.example.com', 'CDN.Example.com:8443', '  '];

  it('allows listed hosts, by name on any port or by name and port', () => {
    expect(
      isAllowedImageHost('https://images.example.com/a.png', allowed),
    ).toBe(true);
    expect(
      isAllowedImageHost('http://IMAGES.example.com:8080/a.png', allowed),
    ).toBe(true);
    expect(isAllowedImageHost('https://cdn.example.com:8443/a', allowed)).toBe(
      true,
    );
  });

  it('refuses other hosts, ports, subdomains and schemes', () => {
    expect(isAllowedImageHost('https://cdn.example.com/a', allowed)).toBe(
      false,
    );
    expect(
      isAllowedImageHost('https://evil.images.example.com/a', allowed),
    ).toBe(false);
    expect(
      isAllowedImageHost('https://images.example.com.evil.test/a', allowed),
    ).toBe(false);
    expect(isAllowedImageHost('https://203.0.113.5/track.png', allowed)).toBe(
      false,
    );
    expect(
      isAllowedImageHost('data:image/png;base64,AAAA', ['image', 'png']),
    ).toBe(false);
    expect(isAllowedImageHost('not a url', allowed)).toBe(false);
  });

  it('allows nothing when nothing is listed', () => {
    expect(isAllowedImageHost('https://images.example.com/a.png', [])).toBe(
      false,
    );
  });

  it('matches a port given explicitly to the default port of the scheme', () => {
    expect(
      isAllowedImageHost('https://images.example.com/a.png', [
        'images.example.com:443',
      ]),
    ).toBe(true);
    expect(
      isAllowedImageHost('http://images.example.com/a.png', [
        'images.example.com:443',
      ]),
    ).toBe(false);
  });
});

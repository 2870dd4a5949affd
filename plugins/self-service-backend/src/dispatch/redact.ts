/**
 * Header names, query parameter names and object keys containing any of
 * these (case-insensitive) hold secrets.
 */
export const SECRET_HEADER_KEY_SUBSTRINGS = [
  'auth',
  'cred',
  'digest',
  'jwt',
  'key',
  'password',
  'secret',
  'sso',
  'token',
  'cookie',
  'session',
  'signature',
];

/** What a secret is replaced by. */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not redacted by value: they match too much. */
const MIN_SECRET_LENGTH = 4;

/**
 * Whether a header name, query parameter name or object key holds a secret,
 * by {@link SECRET_HEADER_KEY_SUBSTRINGS}.
 */
export function isSecretKey(key: string): boolean {
  const lowerCase = key.toLocaleLowerCase('en-US');
  return SECRET_HEADER_KEY_SUBSTRINGS.some(part => lowerCase.includes(part));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern for text, with `%XX` escapes matching either case of hex. */
function patternFor(text: string): string {
  return text
    .split(/(%[0-9A-F]{2})/)
    .map((part, i) =>
      i % 2 === 1
        ? `%[${part[1]}${part[1].toLowerCase()}][${
            part[2]
          }${part[2].toLowerCase()}]`
        : escapeRegExp(part),
    )
    .join('');
}

/** The forms a secret takes when put into a URL, a form or a JSON string. */
function encodedForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams([['', secret]]).toString().slice(1),
    JSON.stringify(secret).slice(1, -1),
  ];
}

/**
 * Removes secrets from what is recorded about a request: header values by
 * header name, and every known secret value (the run token,
 * `selfService.secrets`) wherever it appears, also URL-, form- and
 * JSON-encoded. Redaction is a precaution, not a guarantee: secrets should
 * not reach recorded text in the first place.
 */
export class Redactor {
  private readonly pattern: RegExp | undefined;
  /**
   * UTF-8 bytes of the longest form of a secret: how far past a cut a
   * secret the cut goes through can reach.
   */
  readonly longestSecretBytes: number;

  constructor(secretValues: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secretValues) {
      if (typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH) {
        encodedForms(secret).forEach(form => forms.add(form));
      }
    }
    this.longestSecretBytes = Math.max(
      0,
      ...[...forms].map(form => Buffer.byteLength(form, 'utf8')),
    );
    // Longest first, so a secret containing another is redacted whole.
    const alternatives = [...forms]
      .sort((a, b) => b.length - a.length)
      .map(patternFor);
    this.pattern =
      alternatives.length > 0
        ? new RegExp(alternatives.join('|'), 'g')
        : undefined;
  }

  /** Header values, redacted by header name and by secret value. */
  headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name,
        isSecretKey(name) ? REDACTED : this.text(value),
      ]),
    );
  }

  /** Text with every known secret value replaced. */
  text(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }

  /**
   * A URL with its password and the values of query parameters with secret
   * names replaced, and every known secret value replaced.
   */
  url(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return this.text(url);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return this.text(url);
    }
    const password = parsed.password ? `:${REDACTED}` : '';
    const credentials =
      parsed.username || password ? `${parsed.username}${password}@` : '';
    const search = parsed.search
      .split('&')
      .map(parameter => {
        const equals = parameter.indexOf('=');
        if (equals < 0) {
          return parameter;
        }
        const name = new URLSearchParams(parameter.slice(0, equals)).keys();
        return isSecretKey([...name][0] ?? '')
          ? `${parameter.slice(0, equals)}=${REDACTED}`
          : parameter;
      })
      .join('&');
    return this.text(
      `${parsed.protocol}//${credentials}${parsed.host}${parsed.pathname}${search}${parsed.hash}`,
    );
  }

  /**
   * A JSON-like value with strings redacted by secret value and the values
   * under secret-looking keys replaced, at any depth.
   */
  value(value: unknown): unknown {
    return this.redactValue(value, new Set());
  }

  private redactValue(value: unknown, ancestors: Set<object>): unknown {
    if (typeof value === 'string') {
      return this.text(value);
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    if (ancestors.has(value)) {
      return '[Circular]';
    }
    ancestors.add(value);
    const redacted = Array.isArray(value)
      ? value.map(item => this.redactValue(item, ancestors))
      : Object.fromEntries(
          Object.entries(value).map(([key, item]) => [
            key,
            isSecretKey(key) ? REDACTED : this.redactValue(item, ancestors),
          ]),
        );
    ancestors.delete(value);
    return redacted;
  }
}

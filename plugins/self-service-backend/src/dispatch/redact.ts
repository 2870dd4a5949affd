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

/**
 * Secrets shorter than this many UTF-8 bytes get no base64 form: a few
 * base64 characters match too much. Configured secrets are at least 8
 * characters long (see config.ts).
 */
const MIN_BASE64_SECRET_BYTES = 8;

/**
 * Response headers whose values are URLs (or hold them), redacted like the
 * request URL.
 */
const URL_HEADERS = new Set([
  'location',
  'content-location',
  'link',
  'refresh',
]);

const BASE64_STANDARD =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_URL =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** JSON's two-character escapes, and `\/` that some encoders write. */
const JSON_SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Hex digits matching either case: `2f` and `2F` alike. */
function hexPattern(digits: string): string {
  return digits
    .toUpperCase()
    .split('')
    .map(digit =>
      /[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit,
    )
    .join('');
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}

/**
 * The ways one character of a secret can appear in recorded text: as
 * itself; percent-encoded (UTF-8, either case of hex: `encodeURIComponent`,
 * strict RFC 3986 encoding of `!'()*`, forms); `+` for a space in forms;
 * JSON-escaped (`\"`, `\\`, `\/`, `\n`..., and `\uXXXX`, which encoders use
 * for control characters and, like Python's, for anything beyond ASCII).
 * ASCII letters and digits are only ever themselves.
 */
/**
 * Patterns of characters and of base64 digits, computed once: a redactor
 * is built for every attempt (its token is a secret), on the path from one
 * step's end to the next step's request.
 */
const characterPatterns = new Map<
  string,
  { pattern: string; maxBytes: number }
>();
const base64DigitPatterns = new Map<string, string>();

function characterPattern(character: string): {
  pattern: string;
  maxBytes: number;
} {
  let computed = characterPatterns.get(character);
  if (!computed) {
    computed = computeCharacterPattern(character);
    if (characterPatterns.size < 4096) {
      characterPatterns.set(character, computed);
    }
  }
  return computed;
}

function computeCharacterPattern(character: string): {
  pattern: string;
  maxBytes: number;
} {
  const forms = [escapeRegExp(character)];
  let maxBytes = Buffer.byteLength(character, 'utf8');
  if (!/^[A-Za-z0-9]$/.test(character)) {
    const bytes = [...Buffer.from(character, 'utf8')];
    forms.push(bytes.map(byte => `%${hexPattern(hex(byte, 2))}`).join(''));
    const units = Array.from({ length: character.length }, (_, i) =>
      character.charCodeAt(i),
    );
    forms.push(units.map(unit => `\\\\u${hexPattern(hex(unit, 4))}`).join(''));
    const short = JSON_SHORT_ESCAPES[character];
    if (short) {
      forms.push(escapeRegExp(short));
    }
    if (character === ' ') {
      forms.push('\\+');
    }
    maxBytes = Math.max(maxBytes, 3 * bytes.length, 6 * units.length);
  }
  return {
    pattern: forms.length === 1 ? forms[0] : `(?:${forms.join('|')})`,
    maxBytes,
  };
}

/** The secret in any of the text encodings of {@link characterPattern}. */
function textPattern(secret: string): { pattern: string; maxBytes: number } {
  const characters = Array.from(secret).map(characterPattern);
  return {
    pattern: characters.map(c => c.pattern).join(''),
    maxBytes: characters.reduce((sum, c) => sum + c.maxBytes, 0),
  };
}

/**
 * The secret base64-encoded inside longer data (Basic credentials such as
 * `user:secret`, a token in an encoded JSON document): for each of the three
 * positions the secret can start at within a 3-byte group, the characters
 * that encode its bits. Where a character also encodes a neighbour's bits,
 * the pattern takes every character consistent with the secret's bits.
 */
function base64Patterns(
  secret: string,
  alphabet: string,
): { patterns: string[]; maxBytes: number } {
  const bytes = Buffer.from(secret, 'utf8');
  const patterns: string[] = [];
  let maxBytes = 0;
  if (bytes.length < MIN_BASE64_SECRET_BYTES) {
    return { patterns, maxBytes };
  }
  for (let offset = 0; offset < 3; offset++) {
    const firstBit = offset * 8;
    const endBit = firstBit + bytes.length * 8;
    const bitAt = (position: number) =>
      (bytes[(position - firstBit) >> 3] >> (7 - ((position - firstBit) & 7))) &
      1;
    const first = Math.floor(firstBit / 6);
    const last = Math.floor((endBit - 1) / 6);
    let pattern = '';
    for (let index = first; index <= last; index++) {
      // The bits of this character that the secret decides, and theirs.
      let mask = 0;
      let known = 0;
      for (let bit = 0; bit < 6; bit++) {
        const position = index * 6 + bit;
        if (position >= firstBit && position < endBit) {
          mask |= 1 << (5 - bit);
          known |= bitAt(position) << (5 - bit);
        }
      }
      pattern += base64DigitPattern(alphabet, mask, known);
    }
    patterns.push(pattern);
    maxBytes = Math.max(maxBytes, last - first + 1);
  }
  return { patterns, maxBytes };
}

/** The patterns a secret is redacted by, and how long its forms get. */
/** The base64 digits whose bits under `mask` are `known`, as a pattern. */
function base64DigitPattern(
  alphabet: string,
  mask: number,
  known: number,
): string {
  const key = `${alphabet === BASE64_URL ? 'u' : 's'}${mask}:${known}`;
  let pattern = base64DigitPatterns.get(key);
  if (pattern === undefined) {
    const candidates: string[] = [];
    for (let value = 0; value < 64; value++) {
      if ((value & mask) === known) {
        candidates.push(alphabet[value]);
      }
    }
    pattern =
      candidates.length === 1
        ? escapeRegExp(candidates[0])
        : `[${candidates.map(escapeRegExp).join('')}]`;
    base64DigitPatterns.set(key, pattern);
  }
  return pattern;
}

interface SecretPatterns {
  patterns: string[];
  maxBytes: number;
  /** UTF-16 code units of the shortest text any of the patterns matches. */
  minLength: number;
}

/** Every pattern a secret is redacted by: its text and base64 forms. */
function computeSecretPatterns(secret: string): SecretPatterns {
  const text = textPattern(secret);
  const standard = base64Patterns(secret, BASE64_STANDARD);
  const urlSafe = base64Patterns(secret, BASE64_URL);
  return {
    patterns: [
      ...new Set([text.pattern, ...standard.patterns, ...urlSafe.patterns]),
    ],
    maxBytes: Math.max(text.maxBytes, standard.maxBytes, urlSafe.maxBytes),
    // Every form of a character is at least as long as the character, and
    // base64 is longer than the UTF-8 bytes, which are at least as many as
    // the UTF-16 code units.
    minLength: secret.length,
  };
}

/**
 * `key=value` pairs (a query string, or a fragment such as OAuth's
 * `#access_token=...`) with the values of secret-looking keys replaced.
 */
function redactPairs(pairs: string, separators: RegExp): string {
  return pairs
    .split(separators)
    .map(part => {
      const equals = part.indexOf('=');
      if (equals < 0 || separators.test(part)) {
        return part;
      }
      let key = part.slice(0, equals);
      try {
        key = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // Not valid percent-encoding: judged as written.
      }
      return isSecretKey(key) ? `${part.slice(0, equals)}=${REDACTED}` : part;
    })
    .join('');
}

/**
 * Removes secrets from what is recorded about a request: header values by
 * header name, and every known secret value (the run token,
 * `selfService.secrets`) wherever it appears: as is, percent-encoded
 * (including strict RFC 3986 and form encoding), JSON-escaped, and
 * base64-encoded (standard and URL-safe, at any alignment). Redaction is a
 * precaution, not a guarantee: secrets should not reach recorded text in
 * the first place, and other encodings (HTML entities, double encoding,
 * line-wrapped base64, hashes) are not recognised.
 */
export class Redactor {
  /** The secrets, longest first, with their patterns. */
  private readonly secrets: ReadonlyMap<string, SecretPatterns>;
  private readonly pattern: RegExp | undefined;
  /** Texts shorter than this hold no secret: most header values. */
  private readonly minLength: number;
  /**
   * UTF-8 bytes of the longest form of a secret: how far past a cut a
   * secret the cut goes through can reach.
   */
  readonly longestSecretBytes: number;

  /**
   * @param computed - patterns already computed for some of the secrets,
   * reused rather than computed again (see {@link Redactor.with}).
   */
  constructor(
    secretValues: Iterable<string>,
    computed: ReadonlyMap<string, SecretPatterns> = new Map(),
  ) {
    const unique = new Set<string>();
    for (const secret of secretValues) {
      if (typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH) {
        unique.add(secret);
      }
    }
    // Longest first, so a secret containing another is redacted whole.
    const ordered = [...unique].sort((a, b) => b.length - a.length);
    const secrets = new Map<string, SecretPatterns>();
    const alternatives: string[] = [];
    let longest = 0;
    let shortest = Infinity;
    for (const secret of ordered) {
      const patterns = computed.get(secret) ?? computeSecretPatterns(secret);
      secrets.set(secret, patterns);
      alternatives.push(...patterns.patterns);
      longest = Math.max(longest, patterns.maxBytes);
      shortest = Math.min(shortest, patterns.minLength);
    }
    this.secrets = secrets;
    this.longestSecretBytes = longest;
    this.minLength = shortest;
    this.pattern =
      alternatives.length > 0
        ? new RegExp(alternatives.join('|'), 'g')
        : undefined;
  }

  /**
   * A redactor of these secrets and some more, such as a run's token:
   * only the extra secrets' patterns are computed.
   */
  with(extra: Iterable<string>): Redactor {
    return new Redactor([...this.secrets.keys(), ...extra], this.secrets);
  }

  /**
   * Header values, redacted by header name and by secret value; the URLs in
   * `Location`, `Content-Location`, `Link` and `Refresh` also like
   * {@link Redactor.url}.
   */
  headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name,
        isSecretKey(name) ? REDACTED : this.headerValue(name, value),
      ]),
    );
  }

  /**
   * Compiles the pattern now rather than on first use: V8 compiles a
   * regular expression when it first runs and again, to machine code, when
   * it runs next. A redactor is made for every attempt (its token is one
   * of the secrets), so the worker prepares it while the request is out,
   * not after the answer, on the way to the next step's request.
   */
  prepare(): void {
    for (let run = 0; run < 2 && this.pattern; run++) {
      this.pattern.lastIndex = 0;
      this.pattern.test(' ');
    }
    if (this.pattern) {
      this.pattern.lastIndex = 0;
    }
  }

  /** Text with every known secret value replaced. */
  text(text: string): string {
    return this.pattern && text.length >= this.minLength
      ? text.replace(this.pattern, REDACTED)
      : text;
  }

  /**
   * A URL, absolute or relative, with its userinfo (the password, or a
   * user name given alone, which is often a token), the values of query
   * parameters and fragment `key=value` pairs with secret-looking names, and
   * every known secret value replaced. The rest is kept as written.
   */
  url(url: string): string {
    const hashAt = url.indexOf('#');
    const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
    const queryAt = beforeHash.indexOf('?');
    const base = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
    const authority = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)([^/?#]*)@/.exec(
      base,
    );
    let redacted = base;
    if (authority) {
      const [whole, start, userinfo] = authority;
      const colon = userinfo.indexOf(':');
      const kept =
        colon < 0 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`;
      redacted = `${start}${kept}@${base.slice(whole.length)}`;
    }
    if (queryAt >= 0) {
      redacted += `?${redactPairs(beforeHash.slice(queryAt + 1), /(&)/)}`;
    }
    if (hashAt >= 0) {
      // Fragments of single-page apps may carry a query of their own.
      redacted += `#${redactPairs(url.slice(hashAt + 1), /([&?])/)}`;
    }
    return this.text(redacted);
  }

  private headerValue(name: string, value: string): string {
    const lowerCase = name.toLocaleLowerCase('en-US');
    if (!URL_HEADERS.has(lowerCase)) {
      return this.text(value);
    }
    if (lowerCase === 'link') {
      // `<https://...>; rel="next", <...>; rel="prev"`
      return this.text(
        value.replace(/<([^>]*)>/g, (_, u) => `<${this.url(u)}>`),
      );
    }
    if (lowerCase === 'refresh') {
      // `5; url=https://...`, the URL optionally quoted.
      const match = /^(.*?\burl\s*=\s*)(['"]?)(.*?)\2(\s*)$/is.exec(value);
      return match
        ? this.text(
            `${match[1]}${match[2]}${this.url(match[3])}${match[2]}${match[4]}`,
          )
        : this.text(value);
    }
    return this.url(value);
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

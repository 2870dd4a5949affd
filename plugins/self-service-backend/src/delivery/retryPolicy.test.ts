import {
  isRetryable,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  RETRY_DELAYS_MS,
  retryDelayMs,
} from './retryPolicy';

const answered = (status: number) => ({
  outcome: (status < 300 ? 'success' : 'failure') as 'success' | 'failure',
  response: {
    status,
    statusText: '',
    headers: {},
    body: '',
    bodyTruncated: false,
  },
});

describe('isRetryable', () => {
  it.each([408, 425, 429, 500, 502, 503, 504, 599])('retries %p', status => {
    expect(isRetryable(answered(status))).toBe(true);
  });

  it.each([200, 204, 301, 302, 400, 401, 403, 404, 409, 410, 422])(
    'does not retry %p',
    status => {
      expect(isRetryable(answered(status))).toBe(false);
    },
  );

  it.each(['timeout', 'connection', 'dns', 'other'] as const)(
    'retries a %p error',
    kind => {
      expect(
        isRetryable({ outcome: 'failure', error: { kind, message: '' } }),
      ).toBe(true);
    },
  );

  it.each(['tls', 'invalid-request'] as const)(
    'does not retry a %p error',
    kind => {
      expect(
        isRetryable({ outcome: 'failure', error: { kind, message: '' } }),
      ).toBe(false);
    },
  );
});

describe('retryDelayMs', () => {
  it('backs off along the schedule, spread by the jitter', () => {
    const middle = () => 0.5;
    expect(retryDelayMs({ attemptsMade: 1, random: middle })).toBe(
      RETRY_DELAYS_MS[0],
    );
    expect(retryDelayMs({ attemptsMade: 3, random: middle })).toBe(
      RETRY_DELAYS_MS[2],
    );
    expect(retryDelayMs({ attemptsMade: 1, random: () => 0 })).toBe(4000);
    expect(retryDelayMs({ attemptsMade: 1, random: () => 1 })).toBe(6000);
    expect(retryDelayMs({ attemptsMade: 40, random: middle })).toBe(
      RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1],
    );
  });

  it('honours Retry-After in seconds and as an HTTP date, up to an hour', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(retryDelayMs({ attemptsMade: 1, retryAfter: '120', now })).toBe(
      120_000,
    );
    expect(
      retryDelayMs({
        attemptsMade: 1,
        retryAfter: 'Wed, 02 Dec 2026 10:00:07 GMT',
        now,
      }),
    ).toBe(7000);
    expect(retryDelayMs({ attemptsMade: 1, retryAfter: '86400', now })).toBe(
      MAX_RETRY_AFTER_MS,
    );
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('-5', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(
      parseRetryAfter(
        'Wed, 02 Dec 2026 09:00:00 GMT',
        Date.parse('2026-12-02T10:00:00Z'),
      ),
    ).toBe(0);
  });
});

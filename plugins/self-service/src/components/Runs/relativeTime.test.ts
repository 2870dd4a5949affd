import { relativeTime } from './relativeTime';

const NOW = Date.parse('2026-01-02T10:00:00.000Z');

describe('relativeTime', () => {
  it.each([
    ['2026-01-02T10:00:00.000Z', 'just now'],
    ['2026-01-02T09:59:16.000Z', 'just now'],
    ['2026-01-02T10:00:30.000Z', 'just now'],
    ['2026-01-02T09:59:10.000Z', '1 minute ago'],
    ['2026-01-02T09:55:00.000Z', '5 minutes ago'],
    ['2026-01-02T10:05:00.000Z', 'in 5 minutes'],
    ['2026-01-02T11:05:00.000+01:00', 'in 5 minutes'],
    ['2026-01-02T08:20:00.000Z', '2 hours ago'],
    ['2026-01-01T10:00:00.000Z', '1 day ago'],
    ['2025-12-19T10:00:00.000Z', '2 weeks ago'],
    ['2025-10-02T10:00:00.000Z', '3 months ago'],
    ['2024-01-02T10:00:00.000Z', '2 years ago'],
  ])('tells %s in words', (iso, text) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });

  it('rounds to the nearest unit rather than cutting it short', () => {
    // 1 hour 40 minutes is nearer 2 hours than 1.
    expect(relativeTime('2026-01-02T08:20:00.000Z', NOW)).toBe('2 hours ago');
    expect(relativeTime('2026-01-02T09:20:00.000Z', NOW)).toBe(
      '40 minutes ago',
    );
  });

  it('measures from the present by default', () => {
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60 * 1000).toISOString();
    expect(relativeTime(fiveMinutesAgo)).toBe('5 minutes ago');
  });

  it.each(['not a time', '', '2026-13-45T10:00:00.000Z'])(
    'shows %j, which is not a time, as it is',
    text => {
      expect(relativeTime(text, NOW)).toBe(text);
    },
  );
});

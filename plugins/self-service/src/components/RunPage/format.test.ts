import { Settings } from 'luxon';
import {
  durationBetween,
  formatAbsoluteTime,
  formatDuration,
  formatRelativeTime,
  formatRequestDuration,
} from './format';

describe('formatDuration', () => {
  it.each([
    [0, 'less than a second'],
    [499, 'less than a second'],
    [1_000, '1 second'],
    [45_000, '45 seconds'],
    [59_600, '1 minute'],
    [65_000, '1 minute 5 seconds'],
    [60 * 60_000, '1 hour'],
    [(2 * 60 + 3) * 60_000, '2 hours 3 minutes'],
    [((2 * 60 + 3) * 60 + 40) * 1000, '2 hours 3 minutes'],
    [(3 * 24 + 4) * 60 * 60_000, '3 days 4 hours'],
    [(24 * 60 * 60 + 5) * 1000, '1 day'],
    [(24 * 60 + 5) * 60_000, '1 day'],
  ])('tells %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, NaN, Infinity])('calls %d ms unknown', ms => {
    expect(formatDuration(ms)).toBe('unknown');
  });
});

describe('durationBetween', () => {
  it('tells the time between two instants', () => {
    expect(
      durationBetween('2026-01-02T10:00:00.000Z', '2026-01-02T10:01:05.000Z'),
    ).toBe('1 minute 5 seconds');
    expect(
      durationBetween(
        '2026-01-02T10:00:00.000Z',
        '2026-01-02T12:30:00.000+01:00',
      ),
    ).toBe('1 hour 30 minutes');
  });

  it('calls an end before the start unknown', () => {
    expect(
      durationBetween('2026-01-02T10:01:05.000Z', '2026-01-02T10:00:00.000Z'),
    ).toBe('unknown');
  });

  it('has nothing to say when either instant is not a time', () => {
    expect(
      durationBetween('not a time', '2026-01-02T10:00:00.000Z'),
    ).toBeUndefined();
    expect(durationBetween('2026-01-02T10:00:00.000Z', '')).toBeUndefined();
  });
});

describe('formatRequestDuration', () => {
  it.each([
    [0, '0 ms'],
    [123.4, '123 ms'],
    [999.4, '999 ms'],
    [1_000, '1.0 s'],
    [4_500, '4.5 s'],
  ])('tells %d ms as %j', (ms, text) => {
    expect(formatRequestDuration(ms)).toBe(text);
  });

  it.each([-1, NaN])('calls %d ms an unknown time', ms => {
    expect(formatRequestDuration(ms)).toBe('unknown time');
  });
});

describe('formatAbsoluteTime', () => {
  const { defaultLocale, defaultZone } = Settings;

  afterEach(() => {
    Settings.defaultLocale = defaultLocale;
    Settings.defaultZone = defaultZone;
  });

  it("writes a time in the user's locale and zone", () => {
    Settings.defaultZone = 'UTC';
    Settings.defaultLocale = 'en-GB';
    expect(formatAbsoluteTime('2026-01-02T10:00:00.000Z')).toBe(
      '2 Jan 2026, 10:00:00',
    );
    Settings.defaultLocale = 'de-DE';
    Settings.defaultZone = 'Europe/Berlin';
    expect(formatAbsoluteTime('2026-01-02T10:00:00.000Z')).toBe(
      '02.01.2026, 11:00:00',
    );
  });

  it('shows text that is not a time as it is', () => {
    expect(formatAbsoluteTime('not a time')).toBe('not a time');
  });
});

describe('formatRelativeTime', () => {
  it('tells how long ago a time is', () => {
    const now = Date.parse('2026-01-02T10:00:00.000Z');
    expect(formatRelativeTime('2026-01-02T09:55:00.000Z', now)).toBe(
      '5 minutes ago',
    );
  });
});

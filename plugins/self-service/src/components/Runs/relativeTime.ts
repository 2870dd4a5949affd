import { DateTime, ToRelativeUnit } from 'luxon';

/** The units a relative time is told in, largest first. */
const units: ToRelativeUnit[] = [
  'years',
  'months',
  'weeks',
  'days',
  'hours',
  'minutes',
];

/**
 * How long ago (or how far ahead) a time is, in words: `5 minutes ago`,
 * `in 2 hours`, `1 day ago`; `just now` within 45 seconds either way. Text
 * that is not an ISO 8601 time is shown as it is.
 */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const time = DateTime.fromISO(iso);
  if (!time.isValid) {
    return iso;
  }
  const base = DateTime.fromMillis(now);
  const seconds = Math.abs(time.diff(base).as('seconds'));
  if (seconds < 45) {
    return 'just now';
  }
  return (
    time.toRelative({
      base,
      locale: 'en',
      rounding: 'round',
      // Under a minute, but too long for `just now`, is `1 minute`.
      unit: seconds < 60 ? 'minutes' : units,
    }) ?? iso
  );
}

import { DateTime, Duration } from 'luxon';
import { durationInWords } from '../format/isoDuration';
import { relativeTime } from '../Runs/relativeTime';

/** How long ago a time is, in words: `5 minutes ago`, `just now`. */
export const formatRelativeTime = relativeTime;

/** A time in full, in the user's locale: `2 Jan 2026, 10:00:00`. */
export function formatAbsoluteTime(iso: string): string {
  const time = DateTime.fromISO(iso);
  if (!time.isValid) {
    return iso;
  }
  return time.toLocaleString({ dateStyle: 'medium', timeStyle: 'medium' });
}

/** The units a run's duration is told in, largest first. */
const durationUnits = ['days', 'hours', 'minutes', 'seconds'] as const;

/**
 * A duration in words, to the two largest units: `45 seconds`,
 * `1 minute 5 seconds`, `2 hours 3 minutes`, `less than a second`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return 'unknown';
  }
  const whole = Duration.fromObject({ seconds: Math.round(ms / 1000) }).shiftTo(
    ...durationUnits,
  );
  const first = durationUnits.findIndex(unit => whole.get(unit) > 0);
  if (first === -1) {
    return 'less than a second';
  }
  // A zero next unit is left out: units below a skipped one say little,
  // as in "1 day 5 seconds".
  const shown = durationUnits
    .slice(first, first + 2)
    .map(unit => [unit, whole.get(unit)]);
  return durationInWords(Duration.fromObject(Object.fromEntries(shown)));
}

/** The time between two instants, in words; undefined if either is invalid. */
export function durationBetween(
  startIso: string,
  endIso: string,
): string | undefined {
  const start = DateTime.fromISO(startIso);
  const end = DateTime.fromISO(endIso);
  if (!start.isValid || !end.isValid) {
    return undefined;
  }
  return formatDuration(end.diff(start).toMillis());
}

/** How long a request took: `123 ms`, `4.5 s`. */
export function formatRequestDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return 'unknown time';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  return `${(ms / 1000).toFixed(1)} s`;
}

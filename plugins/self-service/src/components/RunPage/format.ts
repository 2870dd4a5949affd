import { relativeTime } from '../Runs/relativeTime';

/** How long ago a time is, in words: `5 minutes ago`, `just now`. */
export const formatRelativeTime = relativeTime;

/** A time in full, in the user's locale: `2 Jan 2026, 10:00:00`. */
export function formatAbsoluteTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return iso;
  }
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(time);
}

const durationUnits: Array<[string, number]> = [
  ['day', 24 * 60 * 60],
  ['hour', 60 * 60],
  ['minute', 60],
  ['second', 1],
];

/**
 * A duration in words, to the two largest units: `45 seconds`,
 * `1 minute 5 seconds`, `2 hours 3 minutes`, `less than a second`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return 'unknown';
  }
  let rest = Math.round(ms / 1000);
  if (rest === 0) {
    return 'less than a second';
  }
  const parts: string[] = [];
  for (const [unit, size] of durationUnits) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) {
      parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
    } else if (parts.length > 0) {
      // Units below a skipped one say little: "1 day 5 seconds".
      break;
    }
    if (parts.length === 2) {
      break;
    }
  }
  return parts.join(' ');
}

/** The time between two instants, in words; undefined if either is invalid. */
export function durationBetween(
  startIso: string,
  endIso: string,
): string | undefined {
  const start = Date.parse(startIso);
  const end = Date.parse(endIso);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    return undefined;
  }
  return formatDuration(end - start);
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

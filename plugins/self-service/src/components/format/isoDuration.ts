import { Duration } from 'luxon';

/**
 * A duration in words, one unit after another as the duration holds them,
 * without the units that are zero: `5 days`, `1 day 12 hours`, `1.5 hours`.
 */
export function durationInWords(duration: Duration): string {
  return Object.entries(duration.toObject())
    .filter(([, count]) => count !== 0)
    .map(([unit, count]) =>
      Duration.fromObject({ [unit]: count }, { locale: 'en' }).toHuman(),
    )
    .join(' ');
}

/**
 * An ISO 8601 duration, such as a time to live: `P5D`, `PT2H`, `P1DT12H`;
 * undefined when the text is not one, or when it is not longer than zero
 * (`P0D`, `PT-2H`, or a part below zero as in `P1DT-1H`).
 */
export function parseIsoDuration(text: string): Duration | undefined {
  const duration = Duration.fromISO(text.trim());
  if (!duration.isValid || duration.toMillis() <= 0) {
    return undefined;
  }
  const parts = Object.values(duration.toObject());
  return parts.every(count => count >= 0) ? duration : undefined;
}

/**
 * An ISO 8601 duration in words: `P5D` is `5 days`, `PT2H` is `2 hours`,
 * `P1DT12H` is `1 day 12 hours`; text that {@link parseIsoDuration} does
 * not take is shown as it is.
 */
export function formatIsoDuration(iso: string): string {
  const duration = parseIsoDuration(iso);
  return duration ? durationInWords(duration) : iso;
}

import { RequestSentData } from './eventData';
import { formatRelativeTime, formatRequestDuration } from './format';

/** What the timeline says about an attempt whose outcome nobody recorded. */
export const UNKNOWN_OUTCOME_TEXT =
  'outcome unknown — the replica sending it stopped before recording the answer';

/**
 * Where an attempt stands in its delivery, `2 of 3`; undefined for the one
 * attempt of a delivery without retries (and for events from before
 * retries), which read as they always have.
 */
export function attemptPosition(data: RequestSentData): string | undefined {
  const { attempt, maxAttempts } = data;
  if (attempt === undefined) {
    return undefined;
  }
  if (maxAttempts === undefined) {
    return attempt > 1 ? String(attempt) : undefined;
  }
  return attempt > 1 || maxAttempts > 1
    ? `${attempt} of ${maxAttempts}`
    : undefined;
}

/** `Attempt 2 of 3`, or undefined as for {@link attemptPosition}. */
export function attemptLabel(data: RequestSentData): string | undefined {
  const position = attemptPosition(data);
  return position && `Attempt ${position}`;
}

/** Whether an attempt's replica stopped before it recorded the answer. */
export function isOutcomeUnknown(data: RequestSentData): boolean {
  return data.outcome === 'unknown';
}

/** The outcome of a request, after the method and URL in its title. */
function requestOutcome(data: RequestSentData): string {
  const duration =
    data.durationMs !== undefined
      ? ` in ${formatRequestDuration(data.durationMs)}`
      : '';
  if (data.response) {
    const { status, statusText: text } = data.response;
    return `${status} ${text}`.trim() + duration;
  }
  if (data.error) {
    return `failed: ${data.error.message}`;
  }
  return data.outcome === 'success' ? `sent${duration}` : 'failed';
}

/**
 * The title of a `request_sent` event: `Sent HTTP request POST https://… —
 * 200 OK in 12 ms`, led by the attempt when the delivery makes more than
 * one (`Attempt 2 of 3: sent HTTP request …`).
 */
export function requestSentTitle(data: RequestSentData): string {
  const label = attemptLabel(data);
  if (isOutcomeUnknown(data)) {
    return `${label ?? 'HTTP request'}: ${UNKNOWN_OUTCOME_TEXT}`;
  }
  const request = `HTTP request ${data.request?.method ?? ''} ${
    data.request?.url ?? ''
  } — ${requestOutcome(data)}`;
  return label ? `${label}: sent ${request}` : `Sent ${request}`;
}

/** Below this, a relative time says `just now`, which a schedule cannot. */
const SOON_MS = 45_000;

/**
 * When the next attempt goes out, in words: `Next attempt in 5 minutes`,
 * `Next attempt in a few seconds`; once that time has passed (the attempt
 * is then on the timeline, or about to be), `Next attempt was due 5
 * minutes ago`.
 */
export function nextAttemptText(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return `Next attempt at ${iso}`;
  }
  if (time <= now) {
    return `Next attempt was due ${formatRelativeTime(iso, now)}`;
  }
  return time - now < SOON_MS
    ? 'Next attempt in a few seconds'
    : `Next attempt ${formatRelativeTime(iso, now)}`;
}

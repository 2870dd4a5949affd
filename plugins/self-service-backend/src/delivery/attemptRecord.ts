import { type DispatchAttempt, type Redactor, truncateUtf8 } from '../dispatch';

/** Where an attempt stands in its delivery, as the timeline shows it. */
export interface AttemptPosition {
  attempt: number;
  maxAttempts: number;
  webhookId: string;
  /** When the next attempt goes out, if one will. */
  nextAttemptAt?: Date;
}

/**
 * The `request_sent` event of one attempt: everything redacted (secrets,
 * the attempt's token, signatures), bodies bounded in size.
 */
export function attemptEventData(
  attempt: DispatchAttempt,
  position: AttemptPosition,
  redactor: Redactor,
  maxResponseBodyBytes: number,
): Record<string, unknown> {
  // Redacted first, then cut to the limit: a cut never halves a secret.
  const body = attempt.response
    ? truncateUtf8(redactor.text(attempt.response.body), maxResponseBodyBytes)
    : undefined;
  return {
    ...positionData(position),
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    outcome: attempt.outcome,
    request: {
      method: attempt.request.method,
      url: redactor.url(attempt.request.url),
      headers: redactor.headers(attempt.request.headers),
      ...(attempt.request.body !== undefined
        ? { body: redactor.text(attempt.request.body) }
        : {}),
    },
    ...(attempt.response
      ? {
          response: {
            status: attempt.response.status,
            statusText: redactor.text(attempt.response.statusText),
            headers: redactor.headers(attempt.response.headers),
            body: body!.text,
            bodyTruncated: attempt.response.bodyTruncated || body!.truncated,
          },
        }
      : {}),
    ...(attempt.error
      ? {
          error: {
            kind: attempt.error.kind,
            message: redactor.text(attempt.error.message),
          },
        }
      : {}),
  };
}

/** Why nobody knows what an interrupted attempt got. */
export const INTERRUPTED_MESSAGE =
  'The replica sending this attempt stopped before it recorded what the receiver answered: the outcome is unknown';

/** The event of an attempt whose replica stopped mid-request. */
export function interruptedAttemptData(
  position: AttemptPosition,
): Record<string, unknown> {
  return {
    ...positionData(position),
    outcome: 'unknown',
    error: { kind: 'interrupted', message: INTERRUPTED_MESSAGE },
  };
}

/** Why a run fails whose last attempt's outcome is unknown. */
export function unknownOutcomeMessage(attempts: number): string {
  return `The outcome of the request is unknown: the replica sending attempt ${attempts} of ${attempts} stopped before recording what the receiver answered, and no attempts remain`;
}

function positionData(position: AttemptPosition): Record<string, unknown> {
  return {
    attempt: position.attempt,
    maxAttempts: position.maxAttempts,
    webhookId: position.webhookId,
    ...(position.nextAttemptAt
      ? { nextAttemptAt: position.nextAttemptAt.toISOString() }
      : {}),
  };
}

/** Why a failed attempt failed, in the words the run's status gives. */
export function failureReason(attempt: DispatchAttempt): string {
  if (attempt.error) {
    return attempt.error.message;
  }
  if (attempt.response) {
    return `The request got ${attempt.response.status} ${attempt.response.statusText}`.trim();
  }
  return 'The request failed';
}

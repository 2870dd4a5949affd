import type { WorkflowExecution } from '@backstage-self-service/plugin-self-service-common';
import type { AttemptRecord, ClaimedDelivery } from '../database/DeliveryStore';
import type { NewRunEvent } from '../database/SelfServiceStore';
import type { DispatchAttempt, Redactor } from '../dispatch';
import { DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS } from '../workflows/validateExecution';
import {
  type AttemptPosition,
  attemptEventData,
  failureReason,
} from './attemptRecord';
import { isRetryable, retryDelayMs } from './retryPolicy';

/**
 * How an attempt ends what it was sent for (the run's request, or one
 * step's); absent while another attempt follows.
 */
export type AttemptEnding =
  /** A simple request answered with 2xx: done. */
  | { type: 'answered'; response: NonNullable<DispatchAttempt['response']> }
  /** An event-driven request delivered: its system reports by `deadlineAt`. */
  | { type: 'delivered'; deadlineAt: Date }
  | { type: 'failed'; message: string };

/** What an attempt leads to, before it is tied to a run or a step. */
export interface AttemptDecision {
  next: AttemptRecord['next'];
  /** The attempt on the run's timeline. */
  event: NewRunEvent;
  ending?: AttemptEnding;
}

/** Where the claimed attempt stands in its delivery. */
export function positionOf(claimed: ClaimedDelivery): AttemptPosition {
  return {
    attempt: claimed.attempt,
    maxAttempts: claimed.maxAttempts,
    webhookId: claimed.webhookId,
  };
}

/**
 * Decides what one attempt leads to: done (answered, or delivered to an
 * event-driven system that now has its time-out to report), another
 * attempt later (retryable, attempts left; `Retry-After` honoured), or
 * failed, saying why with everything redacted.
 */
export function decideAttempt(input: {
  claimed: ClaimedDelivery;
  attempt: DispatchAttempt;
  execution: WorkflowExecution;
  redactor: Redactor;
  maxResponseBodyBytes: number;
  now: number;
  random?: () => number;
}): AttemptDecision {
  const { claimed, attempt, execution, redactor } = input;
  const eventOf = (nextAttemptAt?: Date): NewRunEvent => ({
    type: 'request_sent',
    ...(claimed.stepId !== undefined && { stepId: claimed.stepId }),
    data: attemptEventData(
      attempt,
      { ...positionOf(claimed), nextAttemptAt },
      redactor,
      input.maxResponseBodyBytes,
    ),
  });

  if (attempt.outcome === 'success') {
    if (execution.type === 'event-driven') {
      const timeoutSeconds =
        execution.timeoutSeconds ?? DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS;
      return {
        next: { status: 'delivered' },
        event: eventOf(),
        ending: {
          type: 'delivered',
          deadlineAt: new Date(input.now + timeoutSeconds * 1000),
        },
      };
    }
    return {
      next: { status: 'delivered' },
      event: eventOf(),
      ending: { type: 'answered', response: attempt.response! },
    };
  }

  if (isRetryable(attempt) && claimed.attempt < claimed.maxAttempts) {
    const nextAttemptAt = new Date(
      input.now +
        retryDelayMs({
          attemptsMade: claimed.attempt,
          retryAfter: headerValue(attempt, 'retry-after'),
          random: input.random,
        }),
    );
    return {
      next: { status: 'scheduled', nextAttemptAt },
      event: eventOf(nextAttemptAt),
    };
  }

  return {
    next: { status: 'failed' },
    event: eventOf(),
    ending: { type: 'failed', message: redactor.text(failureReason(attempt)) },
  };
}

function headerValue(
  attempt: DispatchAttempt,
  name: string,
): string | undefined {
  const headers = attempt.response?.headers ?? {};
  const key = Object.keys(headers).find(k => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

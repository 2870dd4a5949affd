import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, toError } from '@backstage/errors';
import type {
  Run,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SelfServiceConfig } from '../config';
import {
  type DeliveryClaim,
  type DeliveryEntity,
  type NewDelivery,
  newDeliveryIds,
} from '../database/deliveryRows';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStore,
} from '../database/DeliveryStore';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import {
  type DispatchAttempt,
  type RequestDispatcher,
  Redactor,
} from '../dispatch';
import type { RunNotifier } from '../runs/RunNotifier';
import { generateRunToken, hashRunToken } from '../runs/runToken';
import { DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS } from '../workflows/validateExecution';
import {
  type AttemptPosition,
  attemptEventData,
  failureReason,
  interruptedAttemptData,
  unknownOutcomeMessage,
} from './attemptRecord';
import { renderDeliveryRequest } from './renderDeliveryRequest';
import { isRetryable, retryDelayMs } from './retryPolicy';

/** How long a claim lasts without renewal: how soon another replica takes over from one that died. */
export const DEFAULT_LEASE_MS = 10_000;
/** How often each replica looks for due deliveries and expired leases. */
export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** Attempts one replica makes at once from what it polls (those it claims itself as runs become due are not counted). */
const DEFAULT_MAX_POLLED_ATTEMPTS = 20;
/** Waits before writing an attempt's record again after a database error. */
const RECORD_RETRY_DELAYS_MS = [200, 1000, 3000];
/** Retries this soon are timed on the replica that scheduled them; later ones are left to polling. */
const LOCAL_TIMER_LIMIT_MS = 10 * 60_000;

export type DeliveryWorkerConfig = Pick<
  SelfServiceConfig,
  'secrets' | 'requestTimeoutMs' | 'maxResponseBodyBytes' | 'signingKeys'
>;

export interface DeliveryWorkerOptions {
  store: Pick<
    SelfServiceStore,
    'getRun' | 'getWorkflowRevision' | 'appendRunEvents'
  >;
  deliveries: DeliveryStore;
  dispatcher: RequestDispatcher;
  notifier: Pick<RunNotifier, 'runChanged' | 'runFinished'>;
  logger: LoggerService;
  config: DeliveryWorkerConfig;
  /** Where external systems reach this plugin, e.g. http://host/api/self-service. */
  callbackBaseUrl: string;
  /** Names this replica in claims; unique per process by default. */
  owner?: string;
  leaseMs?: number;
  pollIntervalMs?: number;
  maxPolledAttempts?: number;
  recordRetryDelaysMs?: ReadonlyArray<number>;
  /** For retry jitter; tests make it predictable. */
  random?: () => number;
}

/** A delivery about to be written with its run, and the token its first attempt carries. */
export interface PreparedDelivery {
  delivery: NewDelivery;
  token: string;
}

/**
 * Sends the requests of runs: claims deliveries, makes their attempts,
 * records each and decides what comes next (done, retry later, or fail).
 *
 * A delivery is claimed by the replica whose command made it due, in the
 * same transaction, and sent at once; its lease is renewed while the
 * attempt runs. Every replica polls for deliveries whose retry is due or
 * whose lease expired (their replica died): such an attempt's outcome is
 * unknown, and it is resent while attempts remain (receivers deduplicate
 * on `webhook-id`), or the run fails saying so.
 */
export class DeliveryWorker {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxPolledAttempts: number;
  private readonly redactor: Redactor;
  private readonly inFlight = new Set<Promise<void>>();
  private polledInFlight = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.owner =
      options.owner ??
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.maxPolledAttempts =
      options.maxPolledAttempts ?? DEFAULT_MAX_POLLED_ATTEMPTS;
    const signingSecrets = [...options.config.signingKeys.values()].flat();
    this.redactor = new Redactor([
      ...Object.values(options.config.secrets),
      ...signingSecrets,
    ]);
  }

  /** A fresh claim by this replica, with the token its attempt will carry. */
  newClaim(): { claim: DeliveryClaim; token: string } {
    const token = generateRunToken();
    return {
      claim: {
        owner: this.owner,
        leaseMs: this.leaseMs,
        tokenHash: hashRunToken(token),
      },
      token,
    };
  }

  /** The delivery of a run that is becoming due, claimed by this replica. */
  prepare(
    definition: WorkflowDefinition,
    entity: DeliveryEntity | undefined,
  ): PreparedDelivery {
    const { claim, token } = this.newClaim();
    return {
      delivery: {
        ...newDeliveryIds(),
        maxAttempts: definition.delivery?.maxAttempts ?? 1,
        entity,
        claim,
      },
      token,
    };
  }

  /**
   * Sends the first attempt of a delivery written with its run, in the
   * background. The command hands over the run and its definition, so the
   * request leaves without reading them back.
   */
  sendPrepared(
    prepared: PreparedDelivery,
    run: Run,
    definition: WorkflowDefinition,
  ): void {
    const { delivery, token } = prepared;
    this.inBackground(
      {
        id: delivery.id,
        runId: run.id,
        webhookId: delivery.webhookId,
        status: 'sending',
        attempts: 1,
        maxAttempts: delivery.maxAttempts,
        leaseOwner: this.owner,
        ...(delivery.entity ? { entity: delivery.entity } : {}),
        attempt: 1,
        interrupted: false,
      },
      token,
      undefined,
      { run, definition },
    );
  }

  /** Makes the attempt of a delivery this replica claimed, in the background. */
  sendClaimed(claimed: ClaimedDelivery, token: string): void {
    this.inBackground(claimed, token);
  }

  /** Polls for due deliveries every interval until stopped. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.polling = this.pollOnce()
        .then(
          () => undefined,
          error =>
            this.options.logger.warn(
              'Could not poll for due deliveries; trying again',
              toError(error),
            ),
        )
        .finally(() => {
          this.polling = undefined;
          if (!this.stopped) {
            this.pollTimer = setTimeout(tick, this.pollIntervalMs);
            this.pollTimer.unref?.();
          }
        });
    };
    this.pollTimer = setTimeout(tick, this.pollIntervalMs);
    this.pollTimer.unref?.();
  }

  /**
   * Claims due deliveries (retries whose time came, attempts whose replica
   * died) while this replica has room, and starts their attempts. Resolves
   * to how many it started.
   */
  async pollOnce(now?: Date): Promise<number> {
    let started = 0;
    while (!this.stopped && this.polledInFlight < this.maxPolledAttempts) {
      const { claim, token } = this.newClaim();
      const claimed = await this.options.deliveries.claimNextDue(claim, now);
      if (!claimed) {
        break;
      }
      this.polledInFlight += 1;
      this.inBackground(claimed, token, () => {
        this.polledInFlight -= 1;
      });
      started += 1;
    }
    return started;
  }

  /** Stops polling and retry timers; attempts in flight go on (see {@link settled}). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    await this.polling;
  }

  /** Resolves when every attempt started so far has been recorded. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private inBackground(
    claimed: ClaimedDelivery,
    token: string,
    done?: () => void,
    known?: { run: Run; definition: WorkflowDefinition },
  ): void {
    this.track(
      this.attempt(claimed, token, known)
        .catch(error =>
          this.options.logger.error(
            `Attempt ${claimed.attempt} of the request of run ${claimed.runId} failed to complete; its lease expires and another attempt follows`,
            toError(error),
          ),
        )
        .finally(() => done?.()),
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => {
      this.inFlight.delete(tracked);
    });
    this.inFlight.add(tracked);
  }

  private async attempt(
    claimed: ClaimedDelivery,
    token: string,
    known?: { run: Run; definition: WorkflowDefinition },
  ) {
    const { store } = this.options;
    const loaded = known ?? (await this.load(claimed.runId));
    if (!loaded) {
      return;
    }
    const { run, definition } = loaded;
    const position = positionOf(claimed);

    if (claimed.interrupted) {
      const previous = { ...position, attempt: claimed.attempt - 1 };
      if (previous.attempt >= claimed.maxAttempts) {
        await this.record(run, definition, {
          deliveryId: claimed.id,
          runId: run.id,
          owner: this.owner,
          attempt: claimed.attempt,
          attemptsMade: previous.attempt,
          next: { status: 'failed' },
          event: {
            type: 'request_sent',
            data: interruptedAttemptData(previous),
          },
          run: failRun(unknownOutcomeMessage(previous.attempt)),
        });
        return;
      }
      await store.appendRunEvents(
        run.id,
        [{ type: 'request_sent', data: interruptedAttemptData(previous) }],
        { whileStatusIn: ['in_progress'] },
      );
    }

    const signingSecrets = definition.delivery?.signingKey
      ? this.options.config.signingKeys.get(definition.delivery.signingKey) ??
        []
      : [];
    const redactor = this.redactor.with([token]);
    const attempt = await this.withLease(claimed, () =>
      this.send(definition, run, claimed, token, signingSecrets, redactor),
    );
    await this.record(
      run,
      definition,
      this.decide(run, definition, claimed, attempt, redactor),
    );
  }

  private async load(
    runId: string,
  ): Promise<{ run: Run; definition: WorkflowDefinition } | undefined> {
    const run = await this.options.store.getRun(runId);
    if (!run) {
      return undefined;
    }
    const revision = await this.options.store.getWorkflowRevision(
      run.workflowId,
      run.workflowRevision,
    );
    if (!revision) {
      throw new Error(`Run ${run.id} refers to a missing workflow revision`);
    }
    return { run, definition: revision.definition };
  }

  /** Renders and sends one attempt; a request that cannot be built is a failed attempt. */
  private async send(
    definition: WorkflowDefinition,
    run: Run,
    claimed: ClaimedDelivery,
    token: string,
    signingSecrets: ReadonlyArray<string>,
    redactor: Redactor,
  ): Promise<DispatchAttempt> {
    try {
      const request = renderDeliveryRequest({
        definition,
        run,
        entity: claimed.entity,
        token,
        callbackBaseUrl: this.options.callbackBaseUrl,
        secrets: this.options.config.secrets,
        webhookId: claimed.webhookId,
        signingSecrets,
      });
      return await this.options.dispatcher.dispatch(request, {
        timeoutMs: this.options.config.requestTimeoutMs,
        // Read past the limit by the longest secret, so that a secret the
        // limit cuts through is still redacted before the body is cut.
        maxResponseBodyBytes:
          this.options.config.maxResponseBodyBytes +
          redactor.longestSecretBytes,
      });
    } catch (error) {
      if (!(error instanceof InputError)) {
        throw error;
      }
      return {
        startedAt: new Date().toISOString(),
        durationMs: 0,
        request: {
          method: definition.request.method,
          url: definition.request.url,
          headers: {},
        },
        error: { kind: 'invalid-request', message: error.message },
        outcome: 'failure',
      };
    }
  }

  /** What an attempt leads to: done, another attempt later, or a failed run. */
  private decide(
    run: Run,
    definition: WorkflowDefinition,
    claimed: ClaimedDelivery,
    attempt: DispatchAttempt,
    redactor: Redactor,
  ): AttemptRecord {
    const base = {
      deliveryId: claimed.id,
      runId: run.id,
      owner: this.owner,
      attempt: claimed.attempt,
    };
    const position = positionOf(claimed);
    const eventOf = (nextAttemptAt?: Date) => ({
      type: 'request_sent' as const,
      data: attemptEventData(
        attempt,
        { ...position, nextAttemptAt },
        redactor,
        this.options.config.maxResponseBodyBytes,
      ),
    });

    if (attempt.outcome === 'success') {
      const { execution } = definition;
      if (execution.type === 'event-driven') {
        // Delivered: the external system now has the workflow's timeout
        // to report back.
        const timeoutSeconds =
          execution.timeoutSeconds ?? DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS;
        return {
          ...base,
          next: { status: 'delivered' },
          event: eventOf(),
          run: {
            to: 'in_progress',
            deadlineAt: new Date(Date.now() + timeoutSeconds * 1000),
            events: [],
          },
        };
      }
      return {
        ...base,
        next: { status: 'delivered' },
        event: eventOf(),
        run: {
          to: 'success',
          deadlineAt: null,
          events: [
            {
              type: 'status_changed',
              data: { from: 'in_progress', to: 'success' },
            },
          ],
        },
      };
    }

    if (isRetryable(attempt) && claimed.attempt < claimed.maxAttempts) {
      const nextAttemptAt = new Date(
        Date.now() +
          retryDelayMs({
            attemptsMade: claimed.attempt,
            retryAfter: headerValue(attempt, 'retry-after'),
            random: this.options.random,
          }),
      );
      return {
        ...base,
        next: { status: 'scheduled', nextAttemptAt },
        event: eventOf(nextAttemptAt),
      };
    }

    return {
      ...base,
      next: { status: 'failed' },
      event: eventOf(),
      run: failRun(redactor.text(failureReason(attempt))),
    };
  }

  /**
   * Writes an attempt's record, trying again a few times after a database
   * error (checking first that the failed write did not land after all).
   * If it still fails, the lease runs out and the attempt counts as
   * interrupted: resent if attempts remain.
   */
  private async record(
    run: Run,
    definition: WorkflowDefinition,
    record: AttemptRecord,
  ): Promise<void> {
    const delays = this.options.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;
    let lastError: unknown;
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) {
        await new Promise(resolve => setTimeout(resolve, delays[i - 1]));
        const current = await this.options.deliveries
          .getRunDelivery(run.id)
          .catch(() => undefined);
        if (
          current &&
          current.id === record.deliveryId &&
          !(current.status === 'sending' && current.leaseOwner === this.owner)
        ) {
          // It landed although the database reported an error.
          await this.afterRecord(run, definition, record, true);
          return;
        }
      }
      try {
        const result = await this.options.deliveries.recordAttempt(record);
        await this.afterRecord(run, definition, record, result.runChanged);
        return;
      } catch (error) {
        lastError = error;
        this.options.logger.warn(
          `Could not record attempt ${record.attempt} of the request of run ${
            run.id
          } (try ${i + 1} of ${delays.length + 1})`,
          toError(error),
        );
      }
    }
    throw lastError;
  }

  private async afterRecord(
    run: Run,
    definition: WorkflowDefinition,
    record: AttemptRecord,
    runChanged: boolean,
  ): Promise<void> {
    const { notifier } = this.options;
    const current = await this.options.store.getRun(run.id);
    if (current) {
      if (
        runChanged &&
        record.run?.to !== 'in_progress' &&
        current.status === record.run?.to
      ) {
        await notifier.runFinished(current, definition.name);
      }
      await notifier.runChanged(current);
    }
    if (record.next.status === 'scheduled') {
      this.retryAt(record.deliveryId, record.next.nextAttemptAt);
    }
  }

  /** Claims a delivery when its retry is due, if no other replica has by then. */
  private retryAt(deliveryId: string, at: Date): void {
    const delay = at.getTime() - Date.now();
    if (this.stopped || delay > LOCAL_TIMER_LIMIT_MS) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const { claim, token } = this.newClaim();
      // Tracked from the claim on, so shutdown (and tests) wait for it too.
      this.track(
        this.options.deliveries.claim(deliveryId, claim).then(
          claimed => {
            if (claimed) {
              this.inBackground(claimed, token);
            }
          },
          error =>
            this.options.logger.warn(
              `Could not claim delivery ${deliveryId} for its retry; polling picks it up`,
              toError(error),
            ),
        ),
      );
    }, Math.max(0, delay));
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Renews the claim while `work` runs, so no other replica takes it over. */
  private async withLease<T>(
    claimed: ClaimedDelivery,
    work: () => Promise<T>,
  ): Promise<T> {
    const renew = setInterval(() => {
      this.options.deliveries
        .renewLease({
          deliveryId: claimed.id,
          owner: this.owner,
          attempt: claimed.attempt,
          leaseMs: this.leaseMs,
        })
        .then(held => {
          if (!held) {
            this.options.logger.warn(
              `Lost the claim on attempt ${claimed.attempt} of the request of run ${claimed.runId}; another replica took it over`,
            );
          }
        })
        .catch(error =>
          this.options.logger.warn(
            `Could not renew the claim on the request of run ${claimed.runId}`,
            toError(error),
          ),
        );
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    renew.unref?.();
    try {
      return await work();
    } finally {
      clearInterval(renew);
    }
  }
}

/** Where the claimed attempt stands in its delivery. */
function positionOf(claimed: ClaimedDelivery): AttemptPosition {
  return {
    attempt: claimed.attempt,
    maxAttempts: claimed.maxAttempts,
    webhookId: claimed.webhookId,
  };
}

/** The transition that ends a run as failed, saying why. */
function failRun(message: string): NonNullable<AttemptRecord['run']> {
  return {
    to: 'failed',
    deadlineAt: null,
    events: [
      {
        type: 'status_changed',
        data: { from: 'in_progress', to: 'failed', message },
      },
    ],
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

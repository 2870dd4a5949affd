import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, toError } from '@backstage/errors';
import {
  type Run,
  type StepsWorkflowDefinition,
  TERMINAL_RUN_STATUSES,
  type WorkflowDefinition,
  type WorkflowRequestStep,
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
import type { RunStepStore } from '../database/RunStepStore';
import type { RunStepsState } from '../database/runStepWrites';
import type {
  NewRunEvent,
  SelfServiceStore,
} from '../database/SelfServiceStore';
import {
  type DispatchAttempt,
  type RequestDispatcher,
  Redactor,
} from '../dispatch';
import type { RunNotifier } from '../runs/RunNotifier';
import { generateRunToken, hashRunToken } from '../runs/runToken';
import { followStepPlan } from '../runs/followStepPlan';
import type { StepDeadlineTimers } from '../runs/StepDeadlineTimers';
import { planStepAttempt } from '../steps/planStepAttempt';
import { interruptedAttemptData, unknownOutcomeMessage } from './attemptRecord';
import {
  type AttemptDecision,
  decideAttempt,
  positionOf,
} from './decideAttempt';
import {
  renderAhead,
  type RenderedAhead,
  renderAttemptRequest,
  signingSecretsOf,
} from './renderAttempt';
import {
  type AttemptTarget,
  describeRequest,
  loadAttemptTarget,
  requestOf,
  runTransitionOf,
  type StepOutputs,
} from './attemptTarget';
import { sendCancelRequest } from './sendCancelRequest';
import { StepRequestStarts } from './StepRequestStarts';

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
  steps: Pick<RunStepStore, 'listRunSteps'>;
  dispatcher: RequestDispatcher;
  notifier: Pick<
    RunNotifier,
    'runChanged' | 'runFinished' | 'stepApprovalRequested'
  >;
  logger: LoggerService;
  config: DeliveryWorkerConfig;
  /** Where external systems reach this plugin, e.g. http://host/api/self-service. */
  callbackBaseUrl: string;
  /** Acts on the step deadlines a response sets, as they come. */
  timers?: StepDeadlineTimers;
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
    this.inBackground(
      this.firstAttempt(prepared, run.id),
      prepared.token,
      undefined,
      {
        run,
        definition,
      },
    );
  }

  /**
   * Sends the first attempt of a step's request that a plan started and
   * claimed for this replica, with the outputs of the steps upstream of it.
   */
  sendPreparedStep(
    prepared: PreparedDelivery,
    stepId: string,
    run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
    definition: StepsWorkflowDefinition,
    outputs: StepOutputs,
    startedWith?: RunStepsState,
    rendered?: RenderedAhead,
  ): void {
    const target = stepTarget(stepId, run, definition, outputs);
    this.inBackground(
      { ...this.firstAttempt(prepared, run.id), stepId },
      prepared.token,
      undefined,
      {
        ...target,
        step: { ...target.step, ...(startedWith && { startedWith }) },
        ...(rendered && { renderedAhead: rendered }),
      },
    );
  }

  /**
   * Renders the first attempt of a step's request that a plan starts,
   * while the plan is being written (see {@link RenderedAhead}).
   */
  renderStepAhead(
    prepared: PreparedDelivery,
    stepId: string,
    run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
    definition: StepsWorkflowDefinition,
    outputs: StepOutputs,
  ): RenderedAhead {
    return renderAhead(
      this.options,
      stepTarget(stepId, run, definition, outputs),
      prepared.delivery,
      prepared.token,
      this.redactor.with([prepared.token]),
    );
  }

  /** How the engine plans a run's steps on this replica. */
  stepStarts(
    run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
    definition: StepsWorkflowDefinition,
    entity: DeliveryEntity | undefined,
  ): StepRequestStarts {
    return new StepRequestStarts(this, run, definition, entity);
  }

  /**
   * Tells the external systems of event-driven steps a canceled run had
   * in progress, through each step's `cancelRequest`: once, best effort,
   * in the background (see {@link sendCancelRequest}).
   */
  sendCancelRequests(
    run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
    definition: StepsWorkflowDefinition,
    steps: ReadonlyArray<WorkflowRequestStep>,
    entity: DeliveryEntity | undefined,
    outputs: (stepId: string) => StepOutputs,
  ): void {
    for (const step of steps) {
      if (!step.cancelRequest) {
        continue;
      }
      const cancel = { ...step, request: step.cancelRequest };
      this.track(
        sendCancelRequest(
          {
            send: (target, claimed, token, secrets) =>
              this.send(target, claimed, token, secrets),
            store: this.options.store,
            logger: this.options.logger,
            redactor: this.redactor,
            signingKeys: this.options.config.signingKeys,
            maxResponseBodyBytes: this.options.config.maxResponseBodyBytes,
          },
          { run, definition, step: cancel, entity, outputs: outputs(step.id) },
        ),
      );
    }
  }

  private firstAttempt(
    { delivery }: PreparedDelivery,
    runId: string,
  ): ClaimedDelivery {
    return {
      id: delivery.id,
      runId,
      webhookId: delivery.webhookId,
      status: 'sending',
      attempts: 1,
      maxAttempts: delivery.maxAttempts,
      leaseOwner: this.owner,
      ...(delivery.entity ? { entity: delivery.entity } : {}),
      attempt: 1,
      interrupted: false,
    };
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
    known?: AttemptTarget,
  ): void {
    this.track(
      this.attempt(claimed, token, known)
        .catch(error =>
          this.options.logger.error(
            `Attempt ${claimed.attempt} of ${describeRequest(
              claimed,
            )} failed to complete; its lease expires and another attempt follows`,
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
    known?: AttemptTarget,
  ) {
    const target = known ?? (await loadAttemptTarget(this.options, claimed));
    if (!target) {
      return;
    }
    if (target.ended) {
      // Canceled or timed out meanwhile: nothing more is sent for it.
      await this.options.deliveries.abandon({
        deliveryId: claimed.id,
        owner: this.owner,
        attempt: claimed.attempt,
      });
      return;
    }
    const sent = requestOf(target);

    if (claimed.interrupted) {
      const previous = { ...positionOf(claimed), attempt: claimed.attempt - 1 };
      const event: NewRunEvent = {
        type: 'request_sent',
        ...(claimed.stepId !== undefined && { stepId: claimed.stepId }),
        data: interruptedAttemptData(previous),
      };
      if (previous.attempt >= claimed.maxAttempts) {
        await this.record(
          target,
          claimed,
          {
            next: { status: 'failed' },
            event,
            ending: {
              type: 'failed',
              message: unknownOutcomeMessage(previous.attempt),
            },
          },
          this.redactor,
          previous.attempt,
        );
        return;
      }
      await this.options.store.appendRunEvents(target.run.id, [event], {
        whileStatusIn: ['in_progress'],
      });
    }

    const signingSecrets = signingSecretsOf(this.options, target);
    const redactor =
      target.renderedAhead?.redactor ?? this.redactor.with([token]);
    const sending = this.withLease(claimed, () =>
      this.send(target, claimed, token, signingSecrets, redactor),
    );
    // Once the request has left (an immediate runs after the socket writes).
    setImmediate(() => redactor.prepare());
    const attempt = await sending;
    const decision = decideAttempt({
      claimed,
      attempt,
      execution: sent.execution,
      redactor,
      maxResponseBodyBytes: this.options.config.maxResponseBodyBytes,
      now: Date.now(),
      random: this.options.random,
    });
    await this.record(target, claimed, decision, redactor);
  }

  /** Renders and sends one attempt; a request that cannot be built is a failed attempt. */
  private async send(
    target: AttemptTarget,
    claimed: ClaimedDelivery,
    token: string,
    signingSecrets: ReadonlyArray<string>,
    redactor: Redactor = this.redactor.with([token]),
  ): Promise<DispatchAttempt> {
    const { request } = requestOf(target);
    const ahead = target.renderedAhead;
    try {
      if (ahead && 'error' in ahead) {
        throw ahead.error;
      }
      const rendered =
        ahead?.request ??
        renderAttemptRequest(
          this.options,
          target,
          claimed,
          token,
          signingSecrets,
        );
      return await this.options.dispatcher.dispatch(rendered, {
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
        request: { method: request.method, url: request.url, headers: {} },
        error: { kind: 'invalid-request', message: error.message },
        outcome: 'failure',
      };
    }
  }

  /**
   * Writes an attempt's record, trying again a few times after a database
   * error (checking first that the failed write did not land after all).
   * If it still fails, the lease runs out and the attempt counts as
   * interrupted: resent if attempts remain.
   */
  private async record(
    target: AttemptTarget,
    claimed: ClaimedDelivery,
    decision: AttemptDecision,
    redactor: Redactor,
    attemptsMade?: number,
  ): Promise<void> {
    const starts = target.step
      ? this.stepStarts(
          target.run,
          target.definition as StepsWorkflowDefinition,
          claimed.entity,
        )
      : undefined;
    const record: AttemptRecord = {
      deliveryId: claimed.id,
      runId: target.run.id,
      owner: this.owner,
      attempt: claimed.attempt,
      ...(attemptsMade !== undefined && { attemptsMade }),
      next: decision.next,
      event: decision.event,
      ...(target.step?.startedWith && {
        knownSteps: target.step.startedWith,
      }),
      ...(decision.ending &&
        (target.step
          ? {
              steps: starts!.planner((context, state) =>
                planStepAttempt(
                  context,
                  state,
                  target.step!.step,
                  decision.ending!,
                  redactor,
                ),
              ),
            }
          : { run: runTransitionOf(decision.ending) })),
    };
    const delays = this.options.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;
    let lastError: unknown;
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) {
        await new Promise(resolve => setTimeout(resolve, delays[i - 1]));
        const current = await this.options.deliveries
          .getDelivery(record.deliveryId)
          .catch(() => undefined);
        if (
          current &&
          !(current.status === 'sending' && current.leaseOwner === this.owner)
        ) {
          // It landed although the database reported an error.
          if (starts) {
            await this.sendLanded(starts);
          }
          await this.afterRecord(target, record, true);
          return;
        }
      }
      try {
        const result = await this.options.deliveries.recordAttempt(record);
        if (starts && result.steps?.plan) {
          await followStepPlan(this.options, {
            runId: target.run.id,
            definition: target.definition as StepsWorkflowDefinition,
            starts,
            applied: result.steps,
          });
          this.scheduleRetry(record);
          return;
        }
        await this.afterRecord(target, record, result.runChanged);
        return;
      } catch (error) {
        lastError = error;
        this.options.logger.warn(
          `Could not record attempt ${record.attempt} of ${describeRequest(
            claimed,
          )} (try ${i + 1} of ${delays.length + 1})`,
          toError(error),
        );
      }
    }
    throw lastError;
  }

  /**
   * After a record that landed although the database reported an error:
   * the step requests it started are claimed by this replica but were
   * never handed over, so they are sent from what is stored.
   */
  private async sendLanded(starts: StepRequestStarts): Promise<void> {
    for (const id of starts.preparedIds()) {
      const delivery = await this.options.deliveries.getDelivery(id);
      if (
        delivery?.status === 'sending' &&
        delivery.leaseOwner === this.owner &&
        delivery.attempts === 1
      ) {
        this.inBackground(
          { ...delivery, attempt: 1, interrupted: false },
          starts.tokenOf(id)!,
        );
      }
    }
  }

  private async afterRecord(
    target: AttemptTarget,
    record: AttemptRecord,
    runChanged: boolean,
  ): Promise<void> {
    const { notifier } = this.options;
    const current = await this.options.store.getRun(target.run.id);
    if (current) {
      if (runChanged && TERMINAL_RUN_STATUSES.includes(current.status)) {
        await notifier.runFinished(current, target.definition.name);
      }
      await notifier.runChanged(current);
    }
    this.scheduleRetry(record);
  }

  private scheduleRetry(record: AttemptRecord): void {
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

/** What a step's first attempt is sent for, as the plan that started it knows. */
function stepTarget(
  stepId: string,
  run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>,
  definition: StepsWorkflowDefinition,
  outputs: StepOutputs,
): AttemptTarget & { step: NonNullable<AttemptTarget['step']> } {
  const step = definition.steps.find(s => s.id === stepId);
  if (step?.kind !== 'request') {
    throw new Error(`Step ${stepId} of run ${run.id} sends no request`);
  }
  return { run, definition, step: { step, outputs } };
}

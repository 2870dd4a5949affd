import type { RunStatus } from '@backstage-self-service/plugin-self-service-common';
import type {
  Delivery,
  DeliveryClaim,
  DeliveryEntity,
  DeliveryStatus,
} from './deliveryRows';
import type {
  AppliedStepPlan,
  RunStepsState,
  StepPlanner,
} from './runStepWrites';
import type { NewRunEvent } from './SelfServiceStore';

/** A delivery some replica just took, for the attempt it is to make. */
export interface ClaimedDelivery extends Delivery {
  /** The number of the attempt to make now, from 1. */
  attempt: number;
  /**
   * The previous attempt's replica stopped (its lease expired) before it
   * recorded an outcome: nobody knows whether the receiver got it.
   */
  interrupted: boolean;
}

/** What an attempt leads to, written in one transaction. */
export interface AttemptRecord {
  deliveryId: string;
  runId: string;
  /** The claim this replica holds: the record lands only while it does. */
  owner: string;
  attempt: number;
  /**
   * Attempts made, when not `attempt`: an interrupted attempt found with
   * none left is given up without making the one claimed.
   */
  attemptsMade?: number;
  /** The delivery afterwards: another attempt later, or done. */
  next:
    | { status: 'scheduled'; nextAttemptAt: Date }
    | { status: Extract<DeliveryStatus, 'delivered' | 'failed'> };
  /** The attempt on the run's timeline. */
  event: NewRunEvent;
  /** The run's transition out of `in_progress`, if the attempt ends it. */
  run?: { to: RunStatus; deadlineAt?: Date | null; events: NewRunEvent[] };
  /**
   * For a step's request: what the engine decides, under the run's lock,
   * once the attempt is recorded (the step's end, the requests of the
   * steps that start, the run's end).
   */
  steps?: StepPlanner;
  /**
   * Where the run's steps stood once the plan that started this step's
   * request was written, if this replica wrote it: on PostgreSQL the
   * record is planned from it, without reading them, and lands only if
   * nothing changed them since.
   */
  knownSteps?: RunStepsState;
}

/** What {@link DeliveryStore.recordAttempt} did. */
export interface RecordedAttempt {
  /**
   * False when this replica no longer held the claim (another replica took
   * the delivery over): the attempt is still on the timeline, but nothing
   * else changed.
   */
  held: boolean;
  /** Whether the run changed status (false if it had ended meanwhile). */
  runChanged: boolean;
  /** What the record's `steps` planner applied, when the claim was held. */
  steps?: AppliedStepPlan;
}

/**
 * Persistence of deliveries: the outgoing requests of runs as work any
 * replica can claim under a renewable lease. Implementations own the SQL.
 */
export interface DeliveryStore {
  /** The newest delivery of a run, if it has one. */
  getRunDelivery(runId: string): Promise<Delivery | undefined>;

  getDelivery(deliveryId: string): Promise<Delivery | undefined>;

  /**
   * Claims one delivery for its next attempt if it is due: scheduled for
   * now or earlier, or sending under a lease that expired. Exactly one of
   * any number of concurrent claimers, on any replica, gets it; the others
   * get undefined. The claim's token hash is stored with it.
   */
  claim(
    deliveryId: string,
    claim: DeliveryClaim,
    now?: Date,
  ): Promise<ClaimedDelivery | undefined>;

  /** Claims the due delivery that has waited longest, skipping ones other replicas are claiming. */
  claimNextDue(
    claim: DeliveryClaim,
    now?: Date,
  ): Promise<ClaimedDelivery | undefined>;

  /** Extends the lease of an attempt in flight; false if it was lost. */
  renewLease(options: {
    deliveryId: string;
    owner: string;
    attempt: number;
    leaseMs: number;
  }): Promise<boolean>;

  /**
   * Gives up a claimed delivery without making its attempt, because what
   * it was for ended (the run was canceled or timed out, its step was
   * canceled): nothing is sent and the attempt is not counted. False when
   * the claim was no longer held.
   */
  abandon(options: {
    deliveryId: string;
    owner: string;
    attempt: number;
  }): Promise<boolean>;

  /** Records an attempt's outcome, the delivery's next state and the run's transition, atomically. */
  recordAttempt(record: AttemptRecord): Promise<RecordedAttempt>;

  /**
   * Reopens a failed or timed-out run for one more attempt of its delivery
   * (the same `webhook-id`), claimed at once; a run from before deliveries
   * existed gets its first delivery. The run's status change and `events`
   * are written with it.
   * @throws NotFoundError when there is no such run.
   * @throws ConflictError when the run is not in one of `from`, or its
   * delivery is still under way.
   */
  reopenForResend(options: {
    runId: string;
    from: ReadonlyArray<RunStatus>;
    claim: DeliveryClaim;
    /** For a run without a delivery yet. */
    entity?: DeliveryEntity;
    events: NewRunEvent[];
  }): Promise<ClaimedDelivery>;
}

import type { SelfServiceFilter } from '@backstage-self-service/plugin-self-service-node';
import type {
  Page,
  Run,
  RunEvent,
  RunEventType,
  RunInputs,
  RunStatus,
  Workflow,
  WorkflowDefinition,
  WorkflowManager,
} from '@backstage-self-service/plugin-self-service-common';
import type { WorkflowSource } from '../workflows/managedWorkflows';
import type { NewDelivery } from './deliveryRows';
import type { StepPlanner } from './runStepWrites';

/** A workflow as it stood at one revision. */
export interface WorkflowRevision {
  id: string;
  workflowId: string;
  revision: number;
  definition: WorkflowDefinition;
  createdAt: string;
  createdBy: string;
}

/**
 * One page of a workflow list; all given filters must hold. Ordered by
 * name, then id.
 */
export interface WorkflowListQuery {
  /** A permission policy's conditions on reading workflows. */
  filter?: SelfServiceFilter;
  /** Words that must all appear in the name, description or identifier. */
  search?: string;
  scope?: 'global' | 'entity';
  /** Only workflows that need an approval when true. */
  approval?: boolean;
  /**
   * Only workflows that apply to an entity of this kind and `spec.type`:
   * global ones, and entity-scoped ones as `workflowAppliesToEntity` decides.
   */
  appliesTo?: { kind: string; type?: string };
  cursor?: string;
  limit: number;
}

/** A page of workflows with how many match the query in all. */
export interface WorkflowListPage extends Page<Workflow> {
  totalCount: number;
}

/** What to record when a run is triggered. */
export interface NewRun {
  /** A new UUID, when the caller needs it before the run is written. */
  id?: string;
  workflowId: string;
  revision: number;
  entityRef?: string;
  requestedBy: string;
  status: RunStatus;
  inputs: RunInputs;
  /** User or group refs who may approve, for approval workflows. */
  approvers?: string[];
  /** Owners of the entity at trigger time (user or group refs). */
  entityOwners?: string[];
  /** SHA-256 of the run's callback token. */
  tokenHash?: string;
  /** When an unfinished run times out. */
  deadlineAt?: Date;
  /**
   * Events that follow `triggered` on the new run's timeline, such as
   * `approval_requested`; written in the same transaction as the run.
   */
  events?: NewRunEvent[];
  /** The run's request, due now: written in the same transaction. */
  delivery?: NewDelivery;
  /**
   * For a workflow of steps that starts now: creates its steps and starts
   * the first, in the same transaction.
   */
  steps?: StepPlanner;
  /** For a workflow with a lifecycle: how long it lives once it succeeds. */
  ttlSeconds?: number;
  /**
   * For a teardown run: the run it tears down, claimed in the same
   * transaction (ConflictError when another teardown claimed it first).
   */
  tearsDownRunId?: string;
}

/** Filters of a run list; all given ones must hold. */
export interface RunFilter {
  entityRef?: string;
  /**
   * Runs on this entity, or that created, changed or removed it (an
   * entity a run created has runs that touched it but none on it).
   */
  touching?: string;
  /** Successful runs that expire and are not torn down yet. */
  expiring?: boolean;
  /**
   * Runs of the workflow that has this identifier now; not of a deleted
   * workflow that had it.
   */
  workflowIdentifier?: string;
  status?: RunStatus[];
  requestedBy?: string;
  /**
   * Pending runs that one of the `ownershipEntityRefs` may approve; runs
   * `userEntityRef` requested only where the run's workflow revision allows
   * self-approval.
   */
  approvableBy?: { userEntityRef: string; ownershipEntityRefs: string[] };
}

/** An event to append to a run's timeline. */
export interface NewRunEvent {
  type: RunEventType;
  actor?: string;
  /** The step of a multi-step run the event belongs to. */
  stepId?: string;
  data: Record<string, unknown>;
}

/** Conditions of {@link SelfServiceStore.appendRunEvents}. */
export interface AppendRunEventsOptions {
  /** Appended only while the run's status is one of these. */
  whileStatusIn?: ReadonlyArray<RunStatus>;
  /**
   * The most callback events (messages and links) the run may hold; set
   * when the events come from a callback, and counted only then.
   */
  callbackEventLimit?: number;
}

/** A change of a run's status, applied only while it is in one of `from`. */
export interface RunTransition {
  runId: string;
  from: ReadonlyArray<RunStatus>;
  to: RunStatus;
  /** Recorded in the same transaction as the change. */
  events: NewRunEvent[];
  /** A new deadline, or null to clear it. */
  deadlineAt?: Date | null;
  /** SHA-256 of a new callback token (a run gets one when dispatched). */
  tokenHash?: string;
  /**
   * Applied only while the run's deadline is before this: a time-out does
   * not end a run whose deadline was extended after it was read.
   */
  deadlineBefore?: Date;
  /** The run's request, due now (an approval): written in the same transaction. */
  delivery?: NewDelivery;
  /** For a workflow of steps that starts now (an approval): its steps. */
  steps?: StepPlanner;
}

/**
 * Who is asking: a run is visible to them when they requested it, when one
 * of their ownership refs (themselves and their groups) may approve it or
 * owned its entity, or when the permission policy's filter allows it.
 */
export interface RunVisibility {
  userEntityRef: string;
  ownershipEntityRefs: string[];
  /** What the permission policy allows beyond that, if anything. */
  policyFilter?: SelfServiceFilter;
}

/**
 * Persistence of workflows, their revisions, runs and run events.
 *
 * Implementations own all SQL; callers never see rows.
 */
export interface SelfServiceStore {
  /**
   * Every workflow that is not deleted, with its definition, ordered by
   * name, optionally filtered by a permission policy's conditions (in SQL):
   * for code that goes through all of them, such as publishing from code.
   * Lists that people page through use {@link listWorkflowPage}.
   */
  listWorkflows(options?: { filter?: SelfServiceFilter }): Promise<Workflow[]>;

  /**
   * One page of the workflows that are not deleted, filtered, counted and
   * paged in SQL. Only the page's definitions are read.
   * @throws InputError when the cursor is not one this store handed out.
   */
  listWorkflowPage(query: WorkflowListQuery): Promise<WorkflowListPage>;

  /** The latest revision of a workflow, or undefined if there is none. */
  getWorkflow(identifier: string): Promise<Workflow | undefined>;

  /** One revision of a workflow, deleted or not. */
  getWorkflowRevision(
    workflowId: string,
    revision: number,
  ): Promise<WorkflowRevision | undefined>;

  /**
   * Publishes a workflow as its revision 1; `managedBy` when it comes from
   * app-config or a backend module rather than the API.
   * @throws ConflictError when a workflow with that identifier exists.
   */
  createWorkflow(options: {
    definition: WorkflowDefinition;
    actor: string;
    managedBy?: WorkflowManager;
  }): Promise<Workflow>;

  /**
   * Appends a revision. The identifier cannot change. `source` is who edits
   * it (default `api`): the API may not edit a managed workflow; a manager
   * takes the workflow over as it writes it.
   * @throws NotFoundError when there is no such workflow.
   * @throws ConflictError when another edit landed since `expectedRevision`,
   * or when the API edits a managed workflow.
   */
  updateWorkflow(options: {
    identifier: string;
    definition: WorkflowDefinition;
    actor: string;
    expectedRevision?: number;
    source?: WorkflowSource;
  }): Promise<Workflow>;

  /**
   * Records who manages a workflow, without a new revision; null releases it
   * to the API.
   * @throws NotFoundError when there is no such workflow.
   */
  setWorkflowManager(
    identifier: string,
    managedBy: WorkflowManager | null,
  ): Promise<void>;

  /**
   * Soft-deletes a workflow through the API: it disappears from lists and its
   * identifier can be reused, while its revisions and runs stay. Its runs
   * still waiting for approval are canceled in the same transaction, each
   * with a `status_changed` event; they are returned.
   * @throws NotFoundError when there is no such workflow.
   * @throws ConflictError when the workflow is managed.
   */
  deleteWorkflow(options: {
    identifier: string;
    actor: string;
  }): Promise<{ canceledRuns: Run[] }>;

  /** Whether a workflow, by its id, has been deleted. */
  isWorkflowDeleted(workflowId: string): Promise<boolean>;

  /**
   * Records a new run, its `triggered` event and any further `events` in
   * one transaction: all of it or nothing, and only while its workflow is
   * not deleted.
   * @throws NotFoundError when the workflow has no such revision.
   * @throws ConflictError when the workflow was deleted.
   */
  createRun(run: NewRun): Promise<Run>;

  /** One run, or undefined if there is none. */
  getRun(id: string): Promise<Run | undefined>;

  /**
   * Runs newest first, filtered in SQL, one page at a time.
   * @throws InputError when the cursor is not one this store handed out.
   */
  listRuns(options: {
    filter?: RunFilter;
    /** Without it every run is visible (the policy allowed them all). */
    visibility?: RunVisibility;
    cursor?: string;
    limit: number;
  }): Promise<Page<Run>>;

  /**
   * Whether one run matches a visibility rule, evaluated in SQL like lists.
   */
  isRunVisible(id: string, visibility: RunVisibility): Promise<boolean>;

  /**
   * Changes a run's status and records events, atomically, only while the
   * run is in one of `from` (and its deadline is before `deadlineBefore`,
   * when given); terminal statuses also set `finishedAt`. `to` may equal the
   * current status, to record events and a new deadline together.
   * @throws NotFoundError when there is no such run.
   * @throws ConflictError naming the current status when it is not in `from`.
   */
  transitionRun(transition: RunTransition): Promise<Run>;

  /**
   * Appends events to a run's timeline, in order, while its status is in
   * `whileStatusIn` (any status when omitted). With `callbackEventLimit`,
   * the events are messages or links an external system posted: they count
   * towards the run's callback events, and are refused (nothing stored)
   * when they would bring them past the limit. The check and the append are
   * one conditional write, so concurrent posts on any number of replicas
   * never pass the limit.
   * @throws NotFoundError / ConflictError as for transitionRun.
   * @throws ConflictError naming the limit when it is reached.
   */
  appendRunEvents(
    runId: string,
    events: NewRunEvent[],
    options?: AppendRunEventsOptions,
  ): Promise<RunEvent[]>;

  /** A run's timeline, oldest first; only events of `types` when given. */
  listRunEvents(
    runId: string,
    options?: { types?: ReadonlyArray<RunEventType> },
  ): Promise<RunEvent[]>;

  /**
   * The stored hashes of every callback token the run handed out (each
   * attempt of its request carries one). They outlive the run so that a
   * late callback learns the run is finished rather than that it is unknown.
   * With `stepId`, the tokens of that step's requests, which report on it
   * only; without, the run's own, never a step's.
   */
  listRunTokenHashes(runId: string, stepId?: string): Promise<string[]>;

  /** Approvers (user or group refs) recorded for a run. */
  listRunApprovers(runId: string): Promise<string[]>;

  /** Owners of a run's entity when it was triggered. */
  listRunEntityOwners(runId: string): Promise<string[]>;

  /**
   * Unfinished runs whose deadline is before `now`, oldest deadline first,
   * leaving out the runs of `excludeIds`.
   */
  listOverdueRuns(
    now: Date,
    limit: number,
    excludeIds?: ReadonlyArray<string>,
  ): Promise<Run[]>;
}

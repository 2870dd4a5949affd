import type {
  Page,
  Run,
  RunInputs,
  RunStatus,
  Workflow,
  WorkflowDefinition,
} from '@internal/plugin-self-service-common';

/** A workflow as it stood at one revision. */
export interface WorkflowRevision {
  id: string;
  workflowId: string;
  revision: number;
  definition: WorkflowDefinition;
  createdAt: string;
  createdBy: string;
}

/** What to record when a run is triggered. */
export interface NewRun {
  workflowId: string;
  revision: number;
  entityRef?: string;
  requestedBy: string;
  status: RunStatus;
  inputs: RunInputs;
  /** User or group refs who may approve, for approval workflows. */
  approvers?: string[];
  /** SHA-256 of the run's callback token. */
  tokenHash?: string;
  /** When an unfinished run times out. */
  deadlineAt?: Date;
}

/** Filters of a run list; all given ones must hold. */
export interface RunFilter {
  entityRef?: string;
  workflowIdentifier?: string;
  status?: RunStatus[];
  requestedBy?: string;
}

/**
 * Who is asking: a run is visible to them when they requested it or any of
 * their ownership refs (themselves and their groups) may approve it.
 */
export interface RunViewer {
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

/**
 * Persistence of workflows, their revisions, runs and run events.
 *
 * Implementations own all SQL; callers never see rows.
 */
export interface SelfServiceStore {
  /** Workflows that are not deleted, ordered by name. */
  listWorkflows(): Promise<Workflow[]>;

  /** The latest revision of a workflow, or undefined if there is none. */
  getWorkflow(identifier: string): Promise<Workflow | undefined>;

  /** One revision of a workflow, deleted or not. */
  getWorkflowRevision(
    workflowId: string,
    revision: number,
  ): Promise<WorkflowRevision | undefined>;

  /**
   * Publishes a workflow as its revision 1.
   * @throws ConflictError when a workflow with that identifier exists.
   */
  createWorkflow(options: {
    definition: WorkflowDefinition;
    actor: string;
  }): Promise<Workflow>;

  /**
   * Appends a revision. The identifier cannot change.
   * @throws NotFoundError when there is no such workflow.
   * @throws ConflictError when another edit landed since `expectedRevision`.
   */
  updateWorkflow(options: {
    identifier: string;
    definition: WorkflowDefinition;
    actor: string;
    expectedRevision?: number;
  }): Promise<Workflow>;

  /**
   * Soft-deletes a workflow: it disappears from lists and its identifier can
   * be reused, while its revisions and runs stay.
   * @throws NotFoundError when there is no such workflow.
   */
  deleteWorkflow(options: { identifier: string; actor: string }): Promise<void>;

  /**
   * Records a new run and its `triggered` event in one transaction.
   * @throws NotFoundError when the workflow has no such revision.
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
    viewer?: RunViewer;
    cursor?: string;
    limit: number;
  }): Promise<Page<Run>>;
}

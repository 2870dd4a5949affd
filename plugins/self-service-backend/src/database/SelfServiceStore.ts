import type {
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
}

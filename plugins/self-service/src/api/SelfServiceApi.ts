import { createApiRef } from '@backstage/core-plugin-api';
import {
  Page,
  RequestPreview,
  Run,
  RunDetails,
  RunEntityActionRecord,
  RunInputs,
  RunStatus,
  RunStep,
  Workflow,
  WorkflowDefinition,
  WorkflowListFilters,
  WorkflowPage,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * Options of {@link SelfServiceApi.listWorkflows}: the filters the server
 * applies, and which page to answer.
 *
 * @public
 */
export interface ListWorkflowsOptions extends WorkflowListFilters {
  /** The `nextCursor` of a previous page, asked with the same filters. */
  cursor?: string;
  /** The largest number of workflows to return, 1 to 100; 24 by default. */
  limit?: number;
}

/**
 * Options of {@link SelfServiceApi.listRuns}.
 *
 * @public
 */
export interface ListRunsOptions {
  /** Only runs against this entity, as a full entity ref. */
  entityRef?: string;
  /**
   * Only runs against this entity, or that created, changed or removed it
   * in the catalog, as a full entity ref.
   */
  touching?: string;
  /** Only successful runs that expire and are not torn down yet. */
  expiring?: boolean;
  /** Only runs of the workflow with this identifier. */
  workflow?: string;
  /** Only runs in one of these statuses. */
  status?: RunStatus | RunStatus[];
  /** Only runs the caller requested. */
  mine?: boolean;
  /** Only pending runs the caller may approve. */
  approvable?: boolean;
  /** The `nextCursor` of a previous page. */
  cursor?: string;
  /** The largest number of runs to return. */
  limit?: number;
}

/**
 * Whether the caller may extend or tear down a run that expires, why not
 * when they may not, and the latest time it may be extended to.
 *
 * @public
 */
export interface RunExpiryPermission {
  allowed: boolean;
  reason?: string;
  /** ISO time: the run's end plus its workflow's `lifecycle.ttl.max`. */
  latestExpiresAt?: string;
}

/**
 * A run with everything its page shows, as `GET /runs/{id}` answers it:
 * for a successful run that expires, `permissions.expiry` says whether the
 * caller may extend or tear it down.
 *
 * @public
 */
export type RunPageDetails = RunDetails & {
  permissions: RunDetails['permissions'] & {
    /** Present only for a successful run that expires. */
    expiry?: RunExpiryPermission;
  };
};

/**
 * Client of the Self-Service backend.
 *
 * @public
 */
export interface SelfServiceApi {
  /**
   * One page of the workflows the caller may see that match the filters,
   * ordered by name, with what the caller may do with each and how many
   * match in all.
   */
  listWorkflows(options?: ListWorkflowsOptions): Promise<WorkflowPage>;
  /** One workflow at its latest revision. */
  getWorkflow(identifier: string): Promise<Workflow>;
  /** One page of runs, newest first. */
  listRuns(options?: ListRunsOptions): Promise<Page<Run>>;
  /** A run with its timeline and what the caller may do with it. */
  getRun(runId: string): Promise<RunPageDetails>;
  /**
   * What a run did to catalog entities (created, updated, removed), in
   * the order it did it.
   */
  listRunEntities(runId: string): Promise<RunEntityActionRecord[]>;
  /**
   * Moves a successful run's expiry later by an ISO 8601 duration such as
   * `PT1H` or `P1D`; resolves to the run with its new `expiresAt`. Fails
   * with 400 (a message starting `by:`) past the workflow's longest time
   * to live, and with 409 for a run that does not expire or is torn down.
   */
  extendRun(runId: string, by: string): Promise<Run>;
  /**
   * Tears a successful run down now: triggers its workflow's teardown
   * workflow, once. Resolves to the teardown run; fails with 409 when the
   * run is torn down already.
   */
  tearDownRun(runId: string): Promise<Run>;
  /** Triggers a run, or requests one for approval workflows. */
  triggerRun(
    identifier: string,
    request: { entityRef?: string; inputs: RunInputs },
  ): Promise<Run>;
  /** Approves a pending run; it is dispatched at once. */
  approveRun(runId: string, comment?: string): Promise<Run>;
  /** Rejects a pending run. */
  rejectRun(runId: string, comment?: string): Promise<Run>;
  /** The requester withdraws a pending run. */
  withdrawRun(runId: string): Promise<Run>;
  /**
   * Resends the request of a failed or timed-out run, with the same inputs
   * and `webhook-id`; the run is in progress again. Fails with 409 when the
   * run is not failed or timed out, or is still being delivered, and with
   * 403 when the caller may not.
   */
  redeliverRun(runId: string): Promise<Run>;
  /** Cancels a run in progress (its steps not finished are canceled). */
  cancelRun(runId: string): Promise<Run>;
  /** Retries a failed or timed-out run; a run of steps from its failed step. */
  retryRun(runId: string): Promise<Run>;
  /** Starts a new run of the same workflow with the same inputs. */
  rerunRun(runId: string): Promise<Run>;
  /** An approver decides a gate of a run of steps; resolves to the step. */
  decideRunStep(
    runId: string,
    stepId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<RunStep>;
  /** Publishes a workflow. */
  createWorkflow(definition: WorkflowDefinition): Promise<Workflow>;
  /**
   * Edits a workflow. With `revision`, fails with 409 when someone else
   * edited it since.
   */
  updateWorkflow(
    identifier: string,
    definition: WorkflowDefinition,
    revision?: number,
  ): Promise<Workflow>;
  /** Deletes a workflow; its runs stay. */
  deleteWorkflow(identifier: string): Promise<void>;
  /** Renders a workflow's request for sample inputs without sending it. */
  previewRequest(request: {
    definition: WorkflowDefinition;
    inputs: RunInputs;
    entityRef?: string;
  }): Promise<RequestPreview>;
}

/**
 * The API reference of {@link SelfServiceApi}.
 *
 * @public
 */
export const selfServiceApiRef = createApiRef<SelfServiceApi>({
  id: 'plugin.self-service.service',
});

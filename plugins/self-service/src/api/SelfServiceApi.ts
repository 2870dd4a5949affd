import { createApiRef } from '@backstage/core-plugin-api';
import {
  Page,
  Run,
  RunStatus,
  Workflow,
  WorkflowSummary,
} from '@internal/plugin-self-service-common';

/**
 * Options of {@link SelfServiceApi.listWorkflows}.
 *
 * @public
 */
export interface ListWorkflowsOptions {
  /**
   * Only workflows that apply to this entity, as a full entity ref such as
   * `component:default/payments`.
   */
  entityRef?: string;
}

/**
 * Options of {@link SelfServiceApi.listRuns}.
 *
 * @public
 */
export interface ListRunsOptions {
  /** Only runs against this entity, as a full entity ref. */
  entityRef?: string;
  /** Only runs of the workflow with this identifier. */
  workflow?: string;
  /** Only runs in this status. */
  status?: RunStatus;
  /** Only runs the caller requested. */
  mine?: boolean;
  /** The `nextCursor` of a previous page. */
  cursor?: string;
  /** The largest number of runs to return. */
  limit?: number;
}

/**
 * Client of the Self-Service backend.
 *
 * @public
 */
export interface SelfServiceApi {
  /** Workflows the caller may see, ordered by name. */
  listWorkflows(options?: ListWorkflowsOptions): Promise<WorkflowSummary[]>;
  /** One workflow at its latest revision. */
  getWorkflow(identifier: string): Promise<Workflow>;
  /** One page of runs, newest first. */
  listRuns(options?: ListRunsOptions): Promise<Page<Run>>;
}

/**
 * The API reference of {@link SelfServiceApi}.
 *
 * @public
 */
export const selfServiceApiRef = createApiRef<SelfServiceApi>({
  id: 'plugin.self-service.service',
});

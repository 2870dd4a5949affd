import type { RunStep, WorkflowStep } from './steps';

/** Where a workflow applies. @public */
export type WorkflowScope =
  | { type: 'global' }
  | {
      type: 'entity';
      /** Entity kinds the workflow applies to, for example `Component`. */
      kinds: string[];
      /** Optional `spec.type` values; empty means every type of those kinds. */
      types?: string[];
    };

/** How a run finishes. @public */
export type WorkflowExecution =
  | { type: 'simple' }
  | {
      type: 'event-driven';
      /** An unfinished run is failed as `timed_out` after this many seconds. */
      timeoutSeconds?: number;
    };

/** Who may run a workflow. @public */
export type WorkflowAccess =
  | { type: 'everyone' }
  | {
      type: 'approval';
      /** User or group entity refs whose members may approve. */
      approvers: string[];
      /** By default a requester may not approve their own run. */
      allowSelfApproval?: boolean;
    }
  | {
      type: 'selected';
      /** User or group entity refs allowed to run. */
      members: string[];
    }
  | { type: 'owners' };

/** Types an input parameter can take. @public */
export type WorkflowParameterType =
  | 'string'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'select';

/** Every parameter type. @public */
export const WORKFLOW_PARAMETER_TYPES: ReadonlyArray<WorkflowParameterType> = [
  'string',
  'integer',
  'float',
  'boolean',
  'select',
];

/** A typed input of a workflow. @public */
export interface WorkflowParameter {
  /** Machine-readable; used as `{{data.<identifier>}}`. */
  identifier: string;
  name: string;
  description?: string;
  type: WorkflowParameterType;
  required: boolean;
  /** Choices of a `select` parameter. */
  options?: string[];
  default?: string | number | boolean;
}

/** HTTP methods a workflow request may use. @public */
export type WorkflowRequestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every request method a workflow may use. @public */
export const WORKFLOW_REQUEST_METHODS: ReadonlyArray<WorkflowRequestMethod> = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
];

/** The outgoing request of a workflow, with `{{...}}` variables. @public */
export interface WorkflowRequest {
  method: WorkflowRequestMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * How a run's request is delivered: retries and signing.
 * @public
 */
export interface WorkflowDelivery {
  /**
   * Attempts at most, from 1 (no retries, the default) to 10. Retried are
   * network errors, time-outs, 408, 425, 429 and 5xx answers, with backoff
   * and jitter, honouring `Retry-After`; never 410 or another 4xx.
   */
  maxAttempts?: number;
  /**
   * The name of a key in `selfService.signing.keys`: requests then carry
   * Standard Webhooks signatures (`webhook-signature`), one per secret of
   * the key.
   */
  signingKey?: string;
}

/** The most attempts a workflow's delivery may make. @public */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** What every workflow definition has, whatever it runs. @public */
export interface WorkflowDefinitionBase {
  identifier: string;
  name: string;
  description?: string;
  icon?: string;
  color?: string;
  scope: WorkflowScope;
  access: WorkflowAccess;
  parameters: WorkflowParameter[];
  /** Successful runs expire, and are torn down by another workflow. */
  lifecycle?: WorkflowLifecycle;
  /** What runs may do to the catalog (`POST /runs/{id}/entities`). */
  catalog?: WorkflowCatalogRules;
}

/** What a workflow's runs may do to the catalog. @public */
export interface WorkflowCatalogRules {
  /**
   * Entities its runs create may be owned by any group, not only by the
   * groups the run's requester belongs to (the default).
   */
  anyOwner?: boolean;
}

/**
 * How long what a successful run made lives, and how it is torn down:
 * at expiry the system triggers the teardown workflow, and once that
 * succeeds the entities the run created leave the catalog. @public
 */
export interface WorkflowLifecycle {
  ttl: {
    /** ISO 8601 duration, like `PT2H`. */
    default: string;
    /** The longest a run may live, extensions included (ISO 8601). */
    max: string;
    /** A string parameter by which the requester picks the TTL (ISO 8601). */
    parameter?: string;
  };
  teardown: {
    /** Identifier of the workflow that tears a run down. */
    workflow: string;
    /**
     * Its inputs by parameter identifier: templates over the original run's
     * `{{data.*}}`, `{{entity.*}}`, `{{run.id}}` and, for a workflow of
     * steps, `{{steps.<id>.outputs.<name>}}`.
     */
    inputs?: Record<string, string>;
  };
}

/**
 * A workflow that sends one HTTP request: exactly a one-step workflow,
 * and the shape every workflow had before steps existed. @public
 */
export interface RequestWorkflowDefinition extends WorkflowDefinitionBase {
  execution: WorkflowExecution;
  request: WorkflowRequest;
  /** Retries and signing of the request; one unsigned attempt when absent. */
  delivery?: WorkflowDelivery;
  steps?: undefined;
}

/**
 * A workflow of several steps (requests, approval gates, waits) with
 * dependencies between them, run as one unit. @public
 */
export interface StepsWorkflowDefinition extends WorkflowDefinitionBase {
  steps: WorkflowStep[];
  execution?: undefined;
  request?: undefined;
  delivery?: undefined;
}

/**
 * What a platform team publishes: everything but bookkeeping. Either one
 * request (`execution`, `request`, `delivery`) or `steps`. @public
 */
export type WorkflowDefinition =
  | RequestWorkflowDefinition
  | StepsWorkflowDefinition;

/** Whether a definition declares steps rather than one request. @public */
export function hasSteps(
  definition: WorkflowDefinition,
): definition is StepsWorkflowDefinition {
  return Array.isArray(definition.steps);
}

/**
 * The fields of a {@link WorkflowDefinition}, the roots of the field paths
 * that validation errors name (`request.url: …`).
 * @public
 */
export const WORKFLOW_DEFINITION_FIELDS: ReadonlyArray<
  keyof RequestWorkflowDefinition
> = [
  'identifier',
  'name',
  'description',
  'icon',
  'color',
  'scope',
  'execution',
  'access',
  'parameters',
  'request',
  'delivery',
  'steps',
  'lifecycle',
  'catalog',
];

/**
 * Where a workflow is published from, when not through the API:
 * `config` is `selfService.workflows` in app-config, `extension` is a backend
 * module using `selfServiceWorkflowsExtensionPoint`. Such a workflow is
 * brought in line with its source at every start-up, so the API refuses to
 * edit or delete it.
 * @public
 */
export type WorkflowManager = 'config' | 'extension';

/** A stored workflow's bookkeeping. @public */
export interface WorkflowRecord {
  id: string;
  revision: number;
  /**
   * Set when the workflow is published from app-config or by a backend
   * module rather than through the API; absent otherwise. Managed workflows
   * are changed at their source, not through the API.
   */
  managedBy?: WorkflowManager;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** A stored workflow at its latest revision. @public */
export type Workflow = WorkflowDefinition & WorkflowRecord;

/** Why a caller may not run a workflow, in words a user can act on. @public */
export interface WorkflowRunnability {
  allowed: boolean;
  reason?: string;
}

/**
 * How a listed workflow is accessed: the access type, with the approvers of an
 * approval workflow (a run dialog names them), but not a selected workflow's
 * member list, which can be long and is the editor's business. @public
 */
export type WorkflowListAccess =
  | { type: 'everyone' }
  | {
      type: 'approval';
      approvers: string[];
      allowSelfApproval?: boolean;
    }
  | { type: 'selected' }
  | { type: 'owners' };

/**
 * What the caller may do with a listed workflow, decided on the server for a
 * whole page at once. Present for user callers. @public
 */
export interface WorkflowCapabilities {
  /** Whether they may run it, and in words they can act on why not. */
  run: WorkflowRunnability;
  /**
   * Whether the permission policy lets them edit it. For a managed workflow
   * (`managedBy`), which the API does not change, this says they may see
   * where it is changed.
   */
  edit: boolean;
  /** Whether the policy lets them delete it (never for managed ones). */
  delete: boolean;
}

/**
 * A workflow as listed: what its card and run dialog need, not its request
 * template or delivery policy, which come with `GET /workflows/{identifier}`.
 * @public
 */
export interface WorkflowListItem {
  id: string;
  identifier: string;
  revision: number;
  name: string;
  description?: string;
  icon?: string;
  color?: string;
  scope: WorkflowScope;
  /** How a one-request workflow finishes; absent for a workflow of steps. */
  execution?: { type: WorkflowExecution['type'] };
  /** How many steps a workflow of steps has; absent for one request. */
  stepCount?: number;
  access: WorkflowListAccess;
  parameters: WorkflowParameter[];
  managedBy?: WorkflowManager;
  updatedAt: string;
  /** Whether the caller may run it; the same as `capabilities.run`. */
  runnable?: WorkflowRunnability;
  capabilities?: WorkflowCapabilities;
}

/**
 * A whole workflow with whether the caller may run it: what `GET /workflows`
 * answered before it was paged.
 * @deprecated Lists answer {@link WorkflowListItem}; this goes once nothing uses it.
 * @public
 */
export type WorkflowSummary = Workflow & {
  runnable?: WorkflowRunnability;
};

/** The workflows filters a list asks for, applied by the server. @public */
export interface WorkflowListFilters {
  /** Words that must all appear in the name, description or identifier. */
  search?: string;
  scope?: WorkflowScope['type'];
  /** Only workflows that need an approval. */
  approval?: boolean;
  /** Only workflows that apply to this entity, as a full entity ref. */
  entityRef?: string;
}

/**
 * A page of workflows, ordered by name, with how many match the filters in
 * all (not only on this page). @public
 */
export interface WorkflowPage extends Page<WorkflowListItem> {
  totalCount: number;
}

/** Lifecycle of a run. @public */
export type RunStatus =
  | 'pending_approval'
  | 'rejected'
  | 'canceled'
  | 'in_progress'
  | 'success'
  | 'failed'
  | 'timed_out';

/** Every run status, in lifecycle order. @public */
export const RUN_STATUSES: ReadonlyArray<RunStatus> = [
  'pending_approval',
  'rejected',
  'canceled',
  'in_progress',
  'success',
  'failed',
  'timed_out',
];

/**
 * The longest comment an approver may give with a decision, in characters.
 * @public
 */
export const MAX_DECISION_COMMENT_LENGTH = 4000;

/** Statuses a run never leaves. @public */
export const TERMINAL_RUN_STATUSES: ReadonlyArray<RunStatus> = [
  'rejected',
  'canceled',
  'success',
  'failed',
  'timed_out',
];

/** Input values of a run, keyed by parameter identifier. @public */
export type RunInputs = Record<string, string | number | boolean>;

/** One execution of a workflow. @public */
export interface Run {
  id: string;
  workflowId: string;
  workflowIdentifier: string;
  workflowName: string;
  workflowRevision: number;
  entityRef?: string;
  requestedBy: string;
  status: RunStatus;
  inputs: RunInputs;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** When a successful run of a workflow with a lifecycle is torn down. */
  expiresAt?: string;
  /** The run that tears this one down, once triggered. */
  teardownRunId?: string;
  /** For a teardown run: the run it tears down. */
  tearsDownRunId?: string;
}

/** Kinds of events on a run's timeline. @public */
export type RunEventType =
  | 'triggered'
  | 'approval_requested'
  | 'approved'
  | 'rejected'
  | 'withdrawn'
  | 'request_sent'
  | 'message'
  | 'link'
  | 'status_changed'
  | 'expiry_extended'
  | 'teardown_triggered';

/** An immutable entry on a run's timeline. @public */
export interface RunEvent {
  id: string;
  runId: string;
  /** Position on the run's timeline, starting at 1. */
  sequence: number;
  type: RunEventType;
  /** Who caused it: a user or service entity ref, absent for the system. */
  actor?: string;
  /** The step of a multi-step run it belongs to; absent for the run as a whole. */
  stepId?: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A run with everything its page shows. @public */
export interface RunDetails {
  run: Run;
  /** The workflow as it stood at the run's revision. */
  workflow: WorkflowDefinition;
  /** The timeline, oldest first. */
  events: RunEvent[];
  /** The steps of a run of a workflow of steps, in workflow order. */
  steps?: RunStep[];
  /** User and group refs who may approve it, for approval workflows. */
  approvers: string[];
  /** What the caller may do with the run now. */
  permissions: {
    approve: WorkflowRunnability;
    withdraw: boolean;
    /**
     * Whether the caller may resend the request of this failed or timed-out
     * run (`POST /runs/{id}/redeliver`), with the reason when not.
     */
    redeliver: WorkflowRunnability;
    /** Whether the caller may cancel this run in progress (`POST /runs/{id}/cancel`). */
    cancel?: WorkflowRunnability;
    /**
     * Whether the caller may retry this failed or timed-out run (`POST
     * /runs/{id}/retry`): a run of steps from its failed step.
     */
    retry?: WorkflowRunnability;
    /** Whether the caller may decide each gate that waits, by step id. */
    steps?: Record<string, WorkflowRunnability>;
  };
}

/** A workflow's request rendered for sample inputs, not sent. @public */
export interface RequestPreview {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A page of a list, with the cursor of the next page if there is one. @public */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

import type {
  WorkflowDelivery,
  WorkflowExecution,
  WorkflowRequest,
} from './types';

/**
 * What a step does: send an HTTP request, pause for an approval, or wait.
 * @public
 */
export type WorkflowStepKind = 'request' | 'approval' | 'wait';

/** Every step kind. @public */
export const WORKFLOW_STEP_KINDS: ReadonlyArray<WorkflowStepKind> = [
  'request',
  'approval',
  'wait',
];

/** The most steps a workflow may have. @public */
export const MAX_WORKFLOW_STEPS = 50;

/** What every step has, whatever its kind. @public */
export interface WorkflowStepBase {
  /**
   * Unique within the workflow; used in `dependsOn` and as
   * `{{steps.<id>.outputs.<name>}}`.
   */
  id: string;
  name: string;
  /** Ids of the steps that must succeed before this one starts. */
  dependsOn: string[];
}

/**
 * An HTTP request, `simple` (done when it is answered with 2xx) or
 * `event-driven` (done when its external system posts the step's status).
 * @public
 */
export interface WorkflowRequestStep extends WorkflowStepBase {
  kind: 'request';
  request: WorkflowRequest;
  execution: WorkflowExecution;
  delivery?: WorkflowDelivery;
  /**
   * Named outputs, each a JSON pointer into the step's JSON response (for
   * example `{ "clusterId": "/cluster/id" }`). The external system of an
   * event-driven step may post them instead with the step's status. Every
   * declared output must have a string, number or boolean value when the
   * step succeeds.
   */
  outputs?: Record<string, string>;
  /**
   * Sent (once, best effort) when a run is canceled while this
   * event-driven step is in progress, so the external system can stop.
   */
  cancelRequest?: WorkflowRequest;
}

/** Whether any one approver decides a step, or all of them must approve. @public */
export type WorkflowApprovalMode = 'any' | 'all';

/**
 * Pauses the run until its approvers decide. With `mode: all`, every
 * approver listed (a group counts as one, decided by any of its members)
 * must approve; one rejection fails the step.
 * @public
 */
export interface WorkflowApprovalStep extends WorkflowStepBase {
  kind: 'approval';
  /** User or group entity refs. */
  approvers: string[];
  mode: WorkflowApprovalMode;
  /** By default the requester may not approve their own run's step. */
  allowSelfApproval?: boolean;
  /** Undecided after this long, the step and the run are `timed_out`. */
  timeoutSeconds?: number;
}

/**
 * Waits a number of seconds, or until the time a `string` input holds
 * (ISO 8601), before its dependents start.
 * @public
 */
export interface WorkflowWaitStep extends WorkflowStepBase {
  kind: 'wait';
  seconds?: number;
  /** The identifier of an input holding an ISO 8601 date and time. */
  untilParameter?: string;
}

/** One step of a workflow. @public */
export type WorkflowStep =
  | WorkflowRequestStep
  | WorkflowApprovalStep
  | WorkflowWaitStep;

/** Where a step of a run stands. @public */
export type RunStepStatus =
  | 'pending'
  | 'waiting_approval'
  | 'running'
  | 'success'
  | 'failed'
  | 'skipped'
  | 'canceled'
  | 'timed_out';

/** Every step status. @public */
export const RUN_STEP_STATUSES: ReadonlyArray<RunStepStatus> = [
  'pending',
  'waiting_approval',
  'running',
  'success',
  'failed',
  'skipped',
  'canceled',
  'timed_out',
];

/** Step statuses that are never left (short of a retry). @public */
export const TERMINAL_RUN_STEP_STATUSES: ReadonlyArray<RunStepStatus> = [
  'success',
  'failed',
  'skipped',
  'canceled',
  'timed_out',
];

/** A value a step output may take. @public */
export type RunStepOutputValue = string | number | boolean;

/** One step of one run. @public */
export interface RunStep {
  stepId: string;
  status: RunStepStatus;
  outputs: Record<string, RunStepOutputValue>;
  /** Why it failed, was skipped or timed out. */
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

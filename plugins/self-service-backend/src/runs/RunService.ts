import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  toError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  TERMINAL_RUN_STATUSES,
  type Run,
  type RunEvent,
  type RunStatus,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowExecution,
} from '@internal/plugin-self-service-common';
import {
  entityOwnerRefs,
  evaluateRunAccess,
  isApprover,
  type Caller,
} from '../access/accessRules';
import type { RunServiceConfig } from '../config';
import type {
  NewRunEvent,
  RunTransition,
  SelfServiceStore,
} from '../database/SelfServiceStore';
import {
  type DispatchAttempt,
  REDACTED,
  Redactor,
  renderRequest,
  type RequestDispatcher,
  truncateUtf8,
} from '../dispatch';
import {
  templateData,
  type TemplateContext,
} from '../workflows/templateContext';
import { validateRunInputs } from '../workflows/validateRunInputs';
import { DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS } from '../workflows/validateWorkflowDefinition';
import { workflowAppliesToEntity } from '../workflows/workflowAppliesToEntity';
import { BoundedCache } from './BoundedCache';
import type { RunNotifier } from './RunNotifier';
import { generateRunToken, hashRunToken } from './runToken';

/**
 * Slack beyond the request timeout before a run whose request was never
 * recorded is ended: its replica most likely stopped mid-request.
 */
const DISPATCH_GRACE_MS = 60_000;

/**
 * Waits before trying again to record a request's result after a database
 * error; then the request is recorded on its own, if that still works.
 */
const RECORD_RETRY_DELAYS_MS = [200, 1000, 3000];

/**
 * Marks the `status_changed` event of a run the deadline sweep ended, so a
 * request result recorded after it can say so.
 */
export const DEADLINE_REASON = 'deadline';

/** Why the sweep ends a run none of whose request result was recorded. */
export const NO_RESULT_RECORDED_MESSAGE =
  'No result of its HTTP request was recorded before its deadline';

/** Runs whose execution type is kept in memory for callbacks. */
const MAX_CACHED_RUNS = 10_000;

export interface RunServiceOptions {
  store: SelfServiceStore;
  catalog: CatalogService;
  auth: AuthService;
  dispatcher: RequestDispatcher;
  notifier: RunNotifier;
  logger: LoggerService;
  /** Records the runs the deadline sweep ends, like the API's writes. */
  auditor: AuditorService;
  config: RunServiceConfig;
  /** Where external systems reach this plugin, e.g. http://host/api/self-service. */
  callbackBaseUrl: string;
  /** Waits between attempts to record a request's result; for tests. */
  recordRetryDelaysMs?: ReadonlyArray<number>;
}

/**
 * The lifecycle of runs: trigger, approval, dispatch of the HTTP request,
 * progress reported back by external systems, and time-outs.
 *
 * Every status change goes through the store's conditional transitions, so
 * concurrent approvals, callbacks and time-outs resolve to one outcome on
 * any number of replicas. Permission-framework checks happen before these
 * methods are called; the workflow's own access rules are enforced here.
 */
export class RunService {
  private readonly redactor: Redactor;
  /** Dispatches still in flight, so shutdown and tests can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Execution types of runs that posted callbacks; they never change. */
  private readonly executionTypes = new BoundedCache<
    string,
    WorkflowExecution['type']
  >(MAX_CACHED_RUNS);

  constructor(private readonly options: RunServiceOptions) {
    this.redactor = new Redactor(Object.values(options.config.secrets));
  }

  /**
   * Starts (or, for approval workflows, requests) a run. The HTTP request is
   * sent in the background; the run is returned as soon as it is recorded.
   */
  async trigger(request: {
    workflow: Workflow;
    entityRef?: string;
    inputs: unknown;
    caller: Caller;
    credentials: BackstageCredentials;
  }): Promise<Run> {
    const { workflow, caller, credentials } = request;
    const entity = await this.resolveEntity(
      workflow,
      request.entityRef,
      credentials,
    );
    const inputs = validateRunInputs(workflow.parameters, request.inputs);
    const access = evaluateRunAccess(workflow, caller, entity);
    if (!access.allowed) {
      throw new NotAllowedError(access.reason);
    }

    const entityRef = entity ? stringifyEntityRef(entity) : undefined;
    const base = {
      workflowId: workflow.id,
      revision: workflow.revision,
      entityRef,
      entityOwners: entity ? entityOwnerRefs(entity) : [],
      requestedBy: caller.userEntityRef,
      inputs,
    };

    if (workflow.access.type === 'approval') {
      const approvers = workflow.access.approvers;
      const run = await this.options.store.createRun({
        ...base,
        status: 'pending_approval',
        approvers,
        events: [{ type: 'approval_requested', data: { approvers } }],
      });
      await this.options.notifier.approvalRequested(run, workflow, approvers);
      await this.options.notifier.runChanged(run);
      return run;
    }

    const token = generateRunToken();
    const run = await this.options.store.createRun({
      ...base,
      status: 'in_progress',
      tokenHash: hashRunToken(token),
      deadlineAt: this.dispatchDeadline(),
    });
    await this.options.notifier.runChanged(run);
    this.dispatchInBackground(run, workflow, entity, token);
    return run;
  }

  /** An approver lets a pending run go ahead; it is dispatched at once. */
  async approve(request: {
    runId: string;
    caller: Caller;
    comment?: string;
  }): Promise<Run> {
    const { run, definition } = await this.pendingRunForDecision(
      request.runId,
      request.caller,
      'approve',
    );
    // Looked up before anything is committed: if the catalog fails, the run
    // stays pending and the approver can simply try again.
    const entity = await this.currentEntity(run);
    const token = generateRunToken();
    const approved = await this.options.store.transitionRun({
      runId: run.id,
      from: ['pending_approval'],
      to: 'in_progress',
      tokenHash: hashRunToken(token),
      deadlineAt: this.dispatchDeadline(),
      events: [
        {
          type: 'approved',
          actor: request.caller.userEntityRef,
          data: request.comment ? { comment: request.comment } : {},
        },
        statusChanged('pending_approval', 'in_progress', request.caller),
      ],
    });
    await this.options.notifier.runChanged(approved);
    this.dispatchInBackground(approved, definition, entity, token);
    return approved;
  }

  /** An approver turns a pending run down; nothing is sent. */
  async reject(request: {
    runId: string;
    caller: Caller;
    comment?: string;
  }): Promise<Run> {
    const { run, definition } = await this.pendingRunForDecision(
      request.runId,
      request.caller,
      'reject',
    );
    const rejected = await this.options.store.transitionRun({
      runId: run.id,
      from: ['pending_approval'],
      to: 'rejected',
      events: [
        {
          type: 'rejected',
          actor: request.caller.userEntityRef,
          data: request.comment ? { comment: request.comment } : {},
        },
        statusChanged('pending_approval', 'rejected', request.caller),
      ],
    });
    await this.options.notifier.runFinished(rejected, definition.name);
    await this.options.notifier.runChanged(rejected);
    return rejected;
  }

  /** The requester takes back a run that is still waiting for approval. */
  async withdraw(request: { runId: string; caller: Caller }): Promise<Run> {
    const run = await this.requireRun(request.runId);
    if (run.requestedBy !== request.caller.userEntityRef) {
      throw new NotAllowedError('Only the requester can withdraw a run');
    }
    const withdrawn = await this.options.store.transitionRun({
      runId: run.id,
      from: ['pending_approval'],
      to: 'canceled',
      events: [
        { type: 'withdrawn', actor: request.caller.userEntityRef, data: {} },
        statusChanged('pending_approval', 'canceled', request.caller),
      ],
    });
    await this.options.notifier.runChanged(withdrawn);
    return withdrawn;
  }

  /**
   * Deletes a workflow (permission checks are the caller's). Its runs still
   * waiting for approval are canceled in the same transaction, and their
   * requesters told, like at the end of any run.
   */
  async deleteWorkflow(request: {
    workflow: Workflow;
    actor: string;
  }): Promise<{ canceledRuns: Run[] }> {
    const result = await this.options.store.deleteWorkflow({
      identifier: request.workflow.identifier,
      actor: request.actor,
    });
    for (const run of result.canceledRuns) {
      await this.options.notifier.runFinished(run, run.workflowName, {
        reason: 'the workflow was deleted',
      });
      await this.options.notifier.runChanged(run);
    }
    return result;
  }

  /**
   * An external system reports progress in markdown. `token` is the run
   * token it presented, if any: redacted from what it posts.
   */
  async postMessage(request: {
    runId: string;
    actor?: string;
    token?: string;
    markdown: string;
  }): Promise<RunEvent> {
    await this.requireEventDriven(request.runId, 'messages');
    const [event] = await this.appendWhileInProgress(request.runId, {
      type: 'message',
      actor: request.actor,
      data: {
        markdown: this.redactCallbackText(request.markdown, request.token),
      },
    });
    return event;
  }

  /** An external system links the run to something it made or runs. */
  async postLink(request: {
    runId: string;
    actor?: string;
    token?: string;
    label: string;
    url: string;
  }): Promise<RunEvent> {
    await this.requireEventDriven(request.runId, 'links');
    const [event] = await this.appendWhileInProgress(request.runId, {
      type: 'link',
      actor: request.actor,
      data: {
        label: this.redactCallbackText(request.label, request.token),
        // url() redacts the secrets' values already.
        url: withoutToken(this.redactor.url(request.url), request.token),
      },
    });
    return event;
  }

  /** An external system sets the final status of an event-driven run, once. */
  async setFinalStatus(request: {
    runId: string;
    actor?: string;
    token?: string;
    status: 'success' | 'failed';
    message?: string;
  }): Promise<Run> {
    const run = await this.requireRun(request.runId);
    const definition = await this.definitionOf(run);
    if (definition.execution.type !== 'event-driven') {
      throw new ConflictError(
        `Run ${run.id} is of a simple workflow, which finishes with its HTTP response`,
      );
    }
    const finished = await this.options.store.transitionRun({
      runId: run.id,
      from: ['in_progress'],
      to: request.status,
      deadlineAt: null,
      events: [
        {
          type: 'status_changed',
          actor: request.actor,
          data: {
            from: 'in_progress',
            to: request.status,
            ...(request.message
              ? {
                  message: this.redactCallbackText(
                    request.message,
                    request.token,
                  ),
                }
              : {}),
          },
        },
      ],
    });
    await this.options.notifier.runFinished(finished, definition.name);
    await this.options.notifier.runChanged(finished);
    return finished;
  }

  /**
   * Ends unfinished runs past their deadline: event-driven runs that never
   * reported a final status (`timed_out`), and runs none of whose request
   * result was recorded, because the replica sending it stopped or could not
   * write (`failed`). A run whose result was recorded on its own, without
   * its status (see `dispatch`), gets the status that result leads to. A
   * run that cannot be ended is logged and left for the next sweep; the
   * others are still ended. Every ending is audited (`run-timeout`).
   */
  async timeOutOverdueRuns(now = new Date()): Promise<number> {
    let timedOut = 0;
    // Runs this sweep could not end; every batch either ends runs or adds
    // to this, so the sweep always finishes.
    const skipped = new Set<string>();
    for (;;) {
      const overdue = await this.options.store.listOverdueRuns(now, 100, [
        ...skipped,
      ]);
      if (overdue.length === 0) {
        return timedOut;
      }
      for (const run of overdue) {
        try {
          if (await this.timeOut(run, now)) {
            timedOut += 1;
          } else {
            skipped.add(run.id);
          }
        } catch (error) {
          skipped.add(run.id);
          this.options.logger.warn(
            `Could not end overdue run ${run.id}; the next sweep tries again`,
            error as Error,
          );
        }
      }
    }
  }

  /** Ends one overdue run; false if it finished or moved on meanwhile. */
  private async timeOut(run: Run, now: Date): Promise<boolean> {
    const definition = await this.definitionOf(run);
    const [requestSent] = await this.options.store.listRunEvents(run.id, {
      types: ['request_sent'],
    });
    const ending = this.overdueEnding(run, definition, requestSent, now);
    if ('deadlineAt' in ending) {
      // A 2xx recorded on its own: the external system now has the
      // workflow's timeout, counted from the request, to report back.
      try {
        await this.options.store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'in_progress',
          deadlineAt: ending.deadlineAt,
          deadlineBefore: now,
          events: [],
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) {
          throw error;
        }
      }
      return false;
    }
    const { to, data } = ending;
    const audit = await this.options.auditor.createEvent({
      eventId: 'run-timeout',
      severityLevel: 'medium',
      meta: {
        runId: run.id,
        workflow: run.workflowIdentifier,
        from: run.status,
        to,
      },
    });
    let finished: Run;
    try {
      finished = await this.options.store.transitionRun({
        runId: run.id,
        from: [run.status],
        to,
        deadlineAt: null,
        // Not if its request was recorded (and the deadline extended) since
        // it was read.
        deadlineBefore: now,
        events: [
          { type: 'status_changed', data: { from: run.status, to, ...data } },
        ],
      });
    } catch (error) {
      await audit.fail({ error: toError(error) });
      if (error instanceof ConflictError) {
        return false;
      }
      throw error;
    }
    await audit.success({ meta: { status: finished.status } });
    await this.options.notifier.runFinished(finished, definition.name);
    await this.options.notifier.runChanged(finished);
    return true;
  }

  /** What an overdue run becomes, by what was recorded of its request. */
  private overdueEnding(
    run: Run,
    definition: WorkflowDefinition,
    requestSent: RunEvent | undefined,
    now: Date,
  ): { to: RunStatus; data: Record<string, unknown> } | { deadlineAt: Date } {
    const deadline = { reason: DEADLINE_REASON };
    if (run.status !== 'in_progress' || !requestSent) {
      // Nothing recorded: it may or may not have reached the external
      // system, so the message claims neither.
      return {
        to: 'failed',
        data: { message: NO_RESULT_RECORDED_MESSAGE, ...deadline },
      };
    }
    const record = requestSent.data as RecordedRequest;
    if (record.outcome !== 'success') {
      return {
        to: 'failed',
        data: { message: recordedFailureReason(record) },
      };
    }
    if (definition.execution.type !== 'event-driven') {
      return { to: 'success', data: {} };
    }
    const timeoutSeconds = executionTimeoutSeconds(definition.execution);
    const deadlineAt = new Date(
      new Date(requestSent.createdAt).getTime() + timeoutSeconds * 1000,
    );
    if (deadlineAt > now) {
      return { deadlineAt };
    }
    return {
      to: 'timed_out',
      data: {
        message: `No final status was reported within ${formatSeconds(
          timeoutSeconds,
        )}`,
        ...deadline,
      },
    };
  }

  /** Resolves when every dispatch started so far has been recorded. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private dispatchInBackground(
    run: Run,
    definition: WorkflowDefinition,
    entity: Entity | undefined,
    token: string,
  ) {
    const work = this.dispatch(run, definition, entity, token)
      .catch(error =>
        this.options.logger.error(
          `Failed to record the dispatch of run ${run.id}`,
          error,
        ),
      )
      .finally(() => {
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
  }

  private async dispatch(
    run: Run,
    definition: WorkflowDefinition,
    entity: Entity | undefined,
    token: string,
  ): Promise<void> {
    const redactor = this.redactor.with([token]);
    const context: TemplateContext = {
      run: {
        id: run.id,
        callbackUrl: `${this.options.callbackBaseUrl}/runs/${run.id}`,
        token,
      },
      workflow: { identifier: definition.identifier, name: definition.name },
      data: templateData(definition.parameters, run.inputs),
      entity: entity
        ? {
            identifier: entity.metadata.name,
            name: entity.metadata.title ?? '',
            ref: stringifyEntityRef(entity),
            kind: entity.kind,
            namespace: entity.metadata.namespace ?? 'default',
          }
        : undefined,
      user: { ref: run.requestedBy },
      secrets: this.options.config.secrets,
    };

    let attempt: DispatchAttempt;
    try {
      const rendered = renderRequest(definition.request, context);
      attempt = await this.options.dispatcher.dispatch(rendered, {
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
      attempt = {
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

    const requestSent: NewRunEvent = {
      type: 'request_sent',
      data: recordAttempt(
        attempt,
        redactor,
        this.options.config.maxResponseBodyBytes,
      ),
    };
    const failed = attempt.outcome === 'failure';
    const { execution } = definition;
    const waitsForStatus = !failed && execution.type === 'event-driven';
    let to: RunStatus = failed ? 'failed' : 'success';
    if (waitsForStatus) {
      to = 'in_progress';
    }
    // The record of the request and the status it leads to are one write.
    const recorded = await this.recordDispatch(run, requestSent, {
      runId: run.id,
      from: ['in_progress'],
      to,
      // Dispatched: the external system now has the workflow's timeout
      // to report back.
      deadlineAt: waitsForStatus ? this.executionDeadline(execution) : null,
      events: waitsForStatus
        ? [requestSent]
        : [
            requestSent,
            {
              type: 'status_changed',
              data: {
                from: 'in_progress',
                to,
                ...(failed
                  ? { message: redactor.text(failureReason(attempt)) }
                  : {}),
              },
            },
          ],
    });
    if (recorded.changed) {
      if (!waitsForStatus) {
        await this.options.notifier.runFinished(
          recorded.changed,
          definition.name,
        );
      }
      await this.options.notifier.runChanged(recorded.changed);
      return;
    }
    const current = await this.options.store.getRun(run.id);
    if (current) {
      await this.options.notifier.runChanged(current);
    }
  }

  /**
   * Writes a request's record with the status it leads to. A database error
   * is retried a few times (after checking that the failed write did not
   * land after all); if the write still fails, the record is appended on
   * its own, so what the external system received is not lost, and the
   * deadline sweep later gives the run the status the record leads to.
   *
   * When the run ended meanwhile (a 409: a callback that came before this
   * replica got here, or the deadline sweep), the record is appended after
   * the final status, which stands. If it was the deadline sweep, the
   * record says so (`recordedAfterEnd`), and a message on the timeline tells
   * readers that the request did get this result.
   */
  private async recordDispatch(
    run: Run,
    requestSent: NewRunEvent,
    transition: RunTransition,
  ): Promise<{ changed?: Run }> {
    const delays = this.options.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;
    let lastError: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) {
        await new Promise(resolve => setTimeout(resolve, delays[attempt - 1]));
        // A write whose commit failed to be acknowledged may have landed.
        let alreadyRecorded: boolean;
        try {
          alreadyRecorded = await this.isRequestRecorded(run.id);
        } catch (error) {
          lastError = error;
          continue;
        }
        if (alreadyRecorded) {
          return { changed: await this.options.store.getRun(run.id) };
        }
      }
      try {
        return { changed: await this.options.store.transitionRun(transition) };
      } catch (error) {
        if (error instanceof ConflictError) {
          await this.appendRecord(run.id, requestSent);
          return {};
        }
        if (error instanceof NotFoundError) {
          throw error;
        }
        lastError = error;
        this.options.logger.warn(
          `Could not record the result of the request of run ${
            run.id
          } (attempt ${attempt + 1} of ${delays.length + 1})`,
          toError(error),
        );
      }
    }
    // The status could not be written: the record alone, at least.
    try {
      await this.appendRecord(run.id, requestSent);
    } catch (error) {
      throw new Error(
        `The request of run ${run.id} was sent (outcome: ${String(
          requestSent.data.outcome,
        )}) but its result could not be recorded: ${
          toError(error).message
        } (writing it with its status failed with: ${
          toError(lastError).message
        })`,
      );
    }
    this.options.logger.warn(
      `Recorded the request of run ${run.id} without its status; the deadline sweep sets it`,
    );
    return {};
  }

  /**
   * Appends a request's record on its own, once: to a run still in progress
   * whose status could not be written, or to a run that already ended.
   */
  private async appendRecord(
    runId: string,
    requestSent: NewRunEvent,
  ): Promise<void> {
    const events = await this.options.store.listRunEvents(runId, {
      types: ['request_sent', 'status_changed'],
    });
    if (events.some(e => e.type === 'request_sent')) {
      return;
    }
    const ending = [...events]
      .reverse()
      .find(
        e =>
          e.type === 'status_changed' &&
          TERMINAL_RUN_STATUSES.includes(e.data.to as RunStatus),
      );
    if (ending?.data.reason !== DEADLINE_REASON) {
      await this.options.store.appendRunEvents(runId, [requestSent]);
      return;
    }
    const status = String(ending.data.to);
    const record = requestSent.data as RecordedRequest;
    await this.options.store.appendRunEvents(runId, [
      {
        ...requestSent,
        data: { ...requestSent.data, recordedAfterEnd: status },
      },
      {
        type: 'message',
        data: {
          // The result in a code span, so that what an external system
          // answered cannot format the message.
          markdown: `The result of this run's HTTP request (\`${recordedResult(
            record,
          ).replace(
            /[`\r\n]/g,
            ' ',
          )}\`) was recorded after the run had already ended as **${status}** at its deadline; the run keeps that status.`,
        },
      },
    ]);
  }

  private async isRequestRecorded(runId: string): Promise<boolean> {
    // Only a run's own dispatch records a request, once.
    const events = await this.options.store.listRunEvents(runId, {
      types: ['request_sent'],
    });
    return events.length > 0;
  }

  private async resolveEntity(
    workflow: Workflow,
    entityRef: string | undefined,
    credentials: BackstageCredentials,
  ): Promise<Entity | undefined> {
    if (workflow.scope.type === 'global') {
      if (entityRef !== undefined) {
        throw new InputError(
          `entityRef: workflow '${workflow.identifier}' is global and takes no entity`,
        );
      }
      return undefined;
    }
    if (!entityRef) {
      throw new InputError(
        `entityRef: workflow '${workflow.identifier}' runs on an entity; pass its ref, like component:default/my-service`,
      );
    }
    let ref: string;
    try {
      ref = stringifyEntityRef(parseEntityRef(entityRef));
    } catch {
      throw new InputError(
        `entityRef: '${entityRef}' is not an entity reference like component:default/my-service`,
      );
    }
    // Looked up with the caller's credentials: they must be able to see it.
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity) {
      throw new InputError(`entityRef: no entity '${ref}' in the catalog`);
    }
    if (!workflowAppliesToEntity(workflow, entity)) {
      const { kinds, types } = workflow.scope as {
        kinds: string[];
        types?: string[];
      };
      const what = types?.length
        ? `${kinds.join(', ')} of type ${types.join(', ')}`
        : kinds.join(', ');
      throw new InputError(
        `entityRef: workflow '${workflow.identifier}' applies to ${what}, not to ${ref}`,
      );
    }
    return entity;
  }

  /** The run's entity as it is now, for a run dispatched after approval. */
  private async currentEntity(run: Run): Promise<Entity | undefined> {
    if (!run.entityRef) {
      return undefined;
    }
    const entity = await this.options.catalog.getEntityByRef(run.entityRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    return (
      entity ?? {
        // Removed from the catalog meanwhile: the request still gets the
        // identity the run was approved for.
        apiVersion: 'backstage.io/v1alpha1',
        ...entityFromRef(run.entityRef),
      }
    );
  }

  private async pendingRunForDecision(
    runId: string,
    caller: Caller,
    decision: 'approve' | 'reject',
  ): Promise<{ run: Run; definition: WorkflowDefinition }> {
    const run = await this.requireRun(runId);
    const definition = await this.definitionOf(run);
    const approvers = await this.options.store.listRunApprovers(run.id);
    if (!isApprover(caller, approvers)) {
      throw new NotAllowedError(
        `Only the approvers of this run can ${decision} it`,
      );
    }
    const selfApproval =
      definition.access.type === 'approval' &&
      definition.access.allowSelfApproval === true;
    if (
      decision === 'approve' &&
      run.requestedBy === caller.userEntityRef &&
      !selfApproval
    ) {
      throw new NotAllowedError(
        'You requested this run, so another approver has to approve it',
      );
    }
    if (run.status !== 'pending_approval') {
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; it was already decided`,
      );
    }
    return { run, definition };
  }

  private async appendWhileInProgress(
    runId: string,
    event: NewRunEvent,
  ): Promise<RunEvent[]> {
    // Counted against the run's limit in the same write: once it is
    // reached, only the final status is taken.
    const events = await this.options.store.appendRunEvents(runId, [event], {
      whileStatusIn: ['in_progress'],
      callbackEventLimit: this.options.config.maxCallbackEventsPerRun,
    });
    // Appended only while in progress, so that is its status: no re-read on
    // this hot path.
    await this.options.notifier.runChanged({
      id: runId,
      status: 'in_progress',
      updatedAt: events[events.length - 1].createdAt,
    });
    return events;
  }

  private async requireRun(runId: string): Promise<Run> {
    const run = await this.options.store.getRun(runId);
    if (!run) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    return run;
  }

  /** The definition a run was triggered with. */
  async definitionOf(run: Run): Promise<WorkflowDefinition> {
    const revision = await this.options.store.getWorkflowRevision(
      run.workflowId,
      run.workflowRevision,
    );
    if (!revision) {
      throw new NotFoundError(
        `Run ${run.id} refers to a missing workflow revision`,
      );
    }
    return revision.definition;
  }

  /**
   * A run's deadline while its request is being sent: the request timeout
   * and some slack, so a run whose replica stopped mid-request ends soon.
   */
  private dispatchDeadline(): Date {
    return new Date(
      Date.now() + this.options.config.requestTimeoutMs + DISPATCH_GRACE_MS,
    );
  }

  /** An event-driven run's deadline once its request got a 2xx. */
  private executionDeadline(execution: EventDrivenExecution): Date {
    return new Date(Date.now() + executionTimeoutSeconds(execution) * 1000);
  }

  /**
   * Messages and links are for event-driven runs; a simple run finishes
   * with its HTTP response. Cached per run: a run's revision never changes.
   */
  private async requireEventDriven(
    runId: string,
    what: 'messages' | 'links',
  ): Promise<void> {
    const type = await this.executionTypes.getOrLoad(
      runId,
      async () =>
        (
          await this.definitionOf(await this.requireRun(runId))
        ).execution.type,
    );
    if (type !== 'event-driven') {
      throw new ConflictError(
        `Run ${runId} is of a simple workflow, which finishes with its HTTP response and takes no ${what}`,
      );
    }
  }

  /** Callback text without secrets or the run token that was presented. */
  private redactCallbackText(text: string, token: string | undefined): string {
    return withoutToken(this.redactor.text(text), token);
  }
}

/** Text without the run token that was presented, if any. */
function withoutToken(text: string, token: string | undefined): string {
  return token ? text.split(token).join(REDACTED) : text;
}

type EventDrivenExecution = Extract<
  WorkflowExecution,
  { type: 'event-driven' }
>;

/** How long an event-driven run has to report its final status. */
function executionTimeoutSeconds(execution: EventDrivenExecution): number {
  return execution.timeoutSeconds ?? DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS;
}

function statusChanged(
  from: RunStatus,
  to: RunStatus,
  caller: Caller,
): NewRunEvent {
  return {
    type: 'status_changed',
    actor: caller.userEntityRef,
    data: { from, to },
  };
}

function entityFromRef(ref: string): Pick<Entity, 'kind' | 'metadata'> {
  const { kind, namespace, name } = parseEntityRef(ref);
  return { kind, metadata: { name, namespace } };
}

/** The request-sent event's data: everything redacted, bounded in size. */
function recordAttempt(
  attempt: DispatchAttempt,
  redactor: Redactor,
  maxResponseBodyBytes: number,
): Record<string, unknown> {
  // Redacted first, then cut to the limit: a cut never halves a secret.
  const body = attempt.response
    ? truncateUtf8(redactor.text(attempt.response.body), maxResponseBodyBytes)
    : undefined;
  return {
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    outcome: attempt.outcome,
    request: {
      method: attempt.request.method,
      url: redactor.url(attempt.request.url),
      headers: redactor.headers(attempt.request.headers),
      ...(attempt.request.body !== undefined
        ? { body: redactor.text(attempt.request.body) }
        : {}),
    },
    ...(attempt.response
      ? {
          response: {
            status: attempt.response.status,
            statusText: redactor.text(attempt.response.statusText),
            headers: redactor.headers(attempt.response.headers),
            body: body!.text,
            bodyTruncated: attempt.response.bodyTruncated || body!.truncated,
          },
        }
      : {}),
    ...(attempt.error
      ? {
          error: {
            kind: attempt.error.kind,
            message: redactor.text(attempt.error.message),
          },
        }
      : {}),
  };
}

/** What a `request_sent` event records of the request's result. */
type RecordedRequest = {
  outcome?: string;
  error?: { kind?: string; message?: string };
  response?: { status?: number; statusText?: string };
};

/** A recorded request's result in a few words: `200 OK`, or the error. */
function recordedResult(record: RecordedRequest): string {
  if (record.response?.status !== undefined) {
    return `${record.response.status} ${
      record.response.statusText ?? ''
    }`.trim();
  }
  return record.error?.message ?? record.outcome ?? 'unknown';
}

/** Why a recorded request failed, as the run would have said at the time. */
function recordedFailureReason(record: RecordedRequest): string {
  if (record.error?.message) {
    return record.error.message;
  }
  if (record.response?.status !== undefined) {
    return `The request got ${recordedResult(record)}`;
  }
  return 'The request failed';
}

function failureReason(attempt: DispatchAttempt): string {
  if (attempt.error) {
    return attempt.error.message;
  }
  if (attempt.response) {
    return `The request got ${attempt.response.status} ${attempt.response.statusText}`.trim();
  }
  return 'The request failed';
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) {
    const hours = seconds / 3600;
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  if (seconds % 60 === 0) {
    const minutes = seconds / 60;
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}

import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, toError } from '@backstage/errors';
import {
  hasSteps,
  type RequestWorkflowDefinition,
  type Run,
  type RunEvent,
  type RunStatus,
} from '@backstage-self-service/plugin-self-service-common';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import { DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS } from '../workflows/validateExecution';
import { definitionOf } from './commands/runLookups';
import type { RunNotifier } from './RunNotifier';

/**
 * Marks the `status_changed` event of a run the deadline sweep ended, so a
 * request result recorded after it can say so.
 */
export const DEADLINE_REASON = 'deadline';

/** Why the sweep ends a run none of whose request result was recorded. */
export const NO_RESULT_RECORDED_MESSAGE =
  'No result of its HTTP request was recorded before its deadline';

/** What the sweep works with. */
export interface RunDeadlineSweepDeps {
  store: SelfServiceStore;
  notifier: Pick<RunNotifier, 'runFinished' | 'runChanged'>;
  logger: LoggerService;
  /** Records the runs the sweep ends, like the API's writes. */
  auditor: AuditorService;
}

/**
 * Ends runs past their deadline: event-driven runs whose external system
 * never reported a final status (`timed_out`). A run's deadline is unset
 * while its delivery is under way (the delivery worker decides those);
 * runs dispatched before deliveries existed whose result was never
 * recorded are failed. Scheduled on one replica at a time.
 */
export class RunDeadlineSweep {
  constructor(private readonly deps: RunDeadlineSweepDeps) {}

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
      const overdue = await this.deps.store.listOverdueRuns(now, 100, [
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
          this.deps.logger.warn(
            `Could not end overdue run ${run.id}; the next sweep tries again`,
            error as Error,
          );
        }
      }
    }
  }

  /** Ends one overdue run; false if it finished or moved on meanwhile. */
  private async timeOut(run: Run, now: Date): Promise<boolean> {
    const definition = await definitionOf(this.deps, run);
    if (hasSteps(definition)) {
      // Such a run has no deadline of its own: its steps' deadlines are
      // swept with the steps.
      return false;
    }
    // The last attempt decides.
    const requestSent = (
      await this.deps.store.listRunEvents(run.id, { types: ['request_sent'] })
    ).pop();
    const ending = this.overdueEnding(run, definition, requestSent, now);
    if ('deadlineAt' in ending) {
      // A 2xx recorded on its own: the external system now has the
      // workflow's timeout, counted from the request, to report back.
      try {
        await this.deps.store.transitionRun({
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
    const audit = await this.deps.auditor.createEvent({
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
      finished = await this.deps.store.transitionRun({
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
    await this.deps.notifier.runFinished(finished, definition.name);
    await this.deps.notifier.runChanged(finished);
    return true;
  }

  /** What an overdue run becomes, by what was recorded of its request. */
  private overdueEnding(
    run: Run,
    definition: RequestWorkflowDefinition,
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
}

type EventDrivenExecution = Extract<
  RequestWorkflowDefinition['execution'],
  { type: 'event-driven' }
>;

/** How long an event-driven run has to report its final status. */
function executionTimeoutSeconds(execution: EventDrivenExecution): number {
  return execution.timeoutSeconds ?? DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS;
}

/** What a `request_sent` event records of the request's result. */
type RecordedRequest = {
  outcome?: string;
  error?: { kind?: string; message?: string };
  response?: { status?: number; statusText?: string };
};

/** Why a recorded request failed, as the run would have said at the time. */
function recordedFailureReason(record: RecordedRequest): string {
  if (record.error?.message) {
    return record.error.message;
  }
  if (record.response?.status !== undefined) {
    return `The request got ${`${record.response.status} ${
      record.response.statusText ?? ''
    }`.trim()}`;
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

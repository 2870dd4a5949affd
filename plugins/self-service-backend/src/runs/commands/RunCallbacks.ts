import { ConflictError } from '@backstage/errors';
import type {
  Run,
  RunEvent,
  WorkflowExecution,
} from '@backstage-self-service/plugin-self-service-common';
import { appendCallbackEvent, CallbackRedactor } from './callbackEvents';
import { BoundedCache } from '../BoundedCache';
import type { RunCommandDeps } from './RunCommandDeps';
import { definitionOf, requireRun } from './runLookups';

/** Runs whose execution type is kept in memory for callbacks. */
const MAX_CACHED_RUNS = 10_000;

/** Who posted: Backstage service credentials, or the run token presented. */
export interface CallbackAuthor {
  actor?: string;
  /** The run token presented, if any: redacted from what it posts. */
  token?: string;
}

/**
 * What external systems post back to event-driven runs: progress messages
 * in markdown, links, and the final status, once. Everything posted is
 * redacted of secrets and of the token presented.
 */
export class RunCallbacks {
  private readonly redactor: CallbackRedactor;
  /**
   * Execution types of runs that posted callbacks (`steps` for a workflow
   * of steps); they never change.
   */
  private readonly executionTypes = new BoundedCache<
    string,
    WorkflowExecution['type'] | 'steps'
  >(MAX_CACHED_RUNS);

  constructor(private readonly deps: RunCommandDeps) {
    this.redactor = new CallbackRedactor(deps.config.secrets);
  }

  async postMessage(
    request: CallbackAuthor & { runId: string; markdown: string },
  ): Promise<RunEvent> {
    await this.requireEventDriven(request.runId, 'messages');
    return appendCallbackEvent(this.deps, request.runId, {
      type: 'message',
      actor: request.actor,
      data: { markdown: this.redact(request.markdown, request.token) },
    });
  }

  async postLink(
    request: CallbackAuthor & { runId: string; label: string; url: string },
  ): Promise<RunEvent> {
    await this.requireEventDriven(request.runId, 'links');
    return appendCallbackEvent(this.deps, request.runId, {
      type: 'link',
      actor: request.actor,
      data: {
        label: this.redact(request.label, request.token),
        url: this.redactor.url(request.url, request.token),
      },
    });
  }

  async setFinalStatus(
    request: CallbackAuthor & {
      runId: string;
      status: 'success' | 'failed';
      message?: string;
    },
  ): Promise<Run> {
    const run = await requireRun(this.deps, request.runId);
    const definition = await definitionOf(this.deps, run);
    if (!definition.execution) {
      throw stepsRunError(run.id, 'a final status');
    }
    if (definition.execution.type !== 'event-driven') {
      throw new ConflictError(
        `Run ${run.id} is of a simple workflow, which finishes with its HTTP response`,
      );
    }
    const finished = await this.deps.store.transitionRun({
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
              ? { message: this.redact(request.message, request.token) }
              : {}),
          },
        },
      ],
    });
    await this.deps.notifier.runFinished(finished, definition.name);
    await this.deps.notifier.runChanged(finished);
    return finished;
  }

  /**
   * Messages and links are for event-driven runs; a simple run finishes
   * with its HTTP response. Cached per run: a run's revision never changes.
   */
  private async requireEventDriven(
    runId: string,
    what: 'messages' | 'links',
  ): Promise<void> {
    const type = await this.executionTypes.getOrLoad(runId, async () => {
      const definition = await definitionOf(
        this.deps,
        await requireRun(this.deps, runId),
      );
      return definition.execution?.type ?? 'steps';
    });
    if (type === 'steps') {
      throw stepsRunError(runId, what);
    }
    if (type !== 'event-driven') {
      throw new ConflictError(
        `Run ${runId} is of a simple workflow, which finishes with its HTTP response and takes no ${what}`,
      );
    }
  }

  private redact(text: string, token: string | undefined): string {
    return this.redactor.text(text, token);
  }
}

/** A run of steps is reported on step by step, with each step's token. */
function stepsRunError(runId: string, what: string): ConflictError {
  return new ConflictError(
    `Run ${runId} is of a workflow of steps: post ${what} to the step, at /runs/${runId}/steps/{stepId}`,
  );
}

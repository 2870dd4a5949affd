import { DateTime } from 'luxon';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  TERMINAL_RUN_STATUSES,
  type Run,
  type Workflow,
  type WorkflowApprovalStep,
} from '@backstage-self-service/plugin-self-service-common';

/** Channel of the signal sent on every change of a run. */
export const RUN_SIGNAL_CHANNEL = 'self-service:runs';

/** The fastest a single run's page is signalled. */
export const SIGNAL_INTERVAL_MS = 250;

/** What the frontend receives on {@link RUN_SIGNAL_CHANNEL}. */
export interface RunChangedSignal {
  [key: string]: string;
  runId: string;
  status: string;
  updatedAt: string;
}

/**
 * Tells people about runs: approvers when their decision is needed and
 * requesters when their run ends (Backstage notifications), and open pages
 * whenever a run changes (signals). Failing to notify never fails a run.
 */
export class RunNotifier {
  private readonly lastSignalAt = new Map<string, number>();
  private readonly pendingSignals = new Map<
    string,
    {
      run: Pick<Run, 'id' | 'status' | 'updatedAt'>;
      timer?: ReturnType<typeof setTimeout>;
    }
  >();

  constructor(
    private readonly options: {
      notifications: NotificationService;
      signals: SignalsService;
      logger: LoggerService;
    },
  ) {}

  async approvalRequested(
    run: Run,
    workflow: Pick<Workflow, 'name' | 'access'>,
    approvers: string[],
  ): Promise<void> {
    const selfApproval =
      workflow.access.type === 'approval' &&
      workflow.access.allowSelfApproval === true;
    await this.send(run, async () =>
      this.options.notifications.send({
        recipients: {
          type: 'entity',
          entityRef: approvers,
          ...(selfApproval ? {} : { excludeEntityRef: run.requestedBy }),
        },
        payload: {
          title: `Approval requested: ${workflow.name}`,
          description: `${run.requestedBy} asks to run ${workflow.name}${
            run.entityRef ? ` on ${run.entityRef}` : ''
          }. Approve or reject it on the run page.`,
          link: runLink(run),
          severity: 'high',
          topic: 'self-service',
          scope: `self-service:run:${run.id}:approval`,
        },
      }),
    );
  }

  /**
   * Asks the approvers of a gate of a run of steps to decide it; the
   * requester is not asked unless the gate allows self-approval.
   */
  async stepApprovalRequested(
    run: Run,
    workflowName: string,
    step: Pick<
      WorkflowApprovalStep,
      'id' | 'name' | 'approvers' | 'allowSelfApproval'
    >,
  ): Promise<void> {
    await this.send(run, async () =>
      this.options.notifications.send({
        recipients: {
          type: 'entity',
          entityRef: step.approvers,
          ...(step.allowSelfApproval === true
            ? {}
            : { excludeEntityRef: run.requestedBy }),
        },
        payload: {
          title: `Approval requested: ${workflowName}, ${step.name}`,
          description: `The run of ${workflowName} that ${
            run.requestedBy
          } started${run.entityRef ? ` on ${run.entityRef}` : ''} waits at '${
            step.name
          }'. Approve or reject it on the run page.`,
          link: runLink(run),
          severity: 'high',
          topic: 'self-service',
          scope: `self-service:run:${run.id}:step:${step.id}:approval`,
        },
      }),
    );
  }

  /**
   * Tells the requester their run ended; `reason` says why when it was not
   * their doing or the run's (a canceled run's deleted workflow).
   */
  /** Tells a run's requester it expires soon, and what they may do. */
  async runExpiring(run: Run, workflowName: string): Promise<void> {
    const at = run.expiresAt
      ? DateTime.fromISO(run.expiresAt)
          .toUTC()
          .toFormat("yyyy-LL-dd HH:mm 'UTC'")
      : 'soon';
    await this.send(run, async () =>
      this.options.notifications.send({
        recipients: { type: 'entity', entityRef: run.requestedBy },
        payload: {
          title: `${workflowName} expires ${
            run.expiresAt
              ? DateTime.fromISO(run.expiresAt).toRelative() ?? 'soon'
              : 'soon'
          }`,
          description: `What your run of ${workflowName}${
            run.entityRef ? ` on ${run.entityRef}` : ''
          } made is torn down at ${at}. Open the run to extend it or tear it down now.`,
          link: runLink(run),
          severity: 'high',
          topic: 'self-service',
          scope: `self-service:run:${run.id}:expiring`,
        },
      }),
    );
  }

  async runFinished(
    run: Run,
    workflowName: string,
    options?: { reason?: string },
  ): Promise<void> {
    const outcome: Record<string, string> = {
      success: 'succeeded',
      failed: 'failed',
      timed_out: 'timed out',
      rejected: 'was rejected',
      canceled: 'was canceled',
    };
    const because = options?.reason ? `: ${options.reason}` : '';
    await this.send(run, async () =>
      this.options.notifications.send({
        recipients: { type: 'entity', entityRef: run.requestedBy },
        payload: {
          title: `${workflowName} ${outcome[run.status] ?? run.status}`,
          description: `Your run of ${workflowName}${
            run.entityRef ? ` on ${run.entityRef}` : ''
          } ${outcome[run.status] ?? `is ${run.status}`}${because}.`,
          link: runLink(run),
          severity: run.status === 'success' ? 'normal' : 'high',
          topic: 'self-service',
          scope: `self-service:run:${run.id}:finished`,
        },
      }),
    );
  }

  /**
   * Signals open pages that a run changed. A run that reports many messages
   * a second gets at most one signal per {@link SIGNAL_INTERVAL_MS}, with a
   * trailing one carrying its latest state; a final status goes out at once.
   */
  async runChanged(
    run: Pick<Run, 'id' | 'status' | 'updatedAt'>,
  ): Promise<void> {
    const now = Date.now();
    const last = this.lastSignalAt.get(run.id) ?? 0;
    const final = TERMINAL_RUN_STATUSES.includes(run.status);
    if (!final && now - last < SIGNAL_INTERVAL_MS) {
      const pending = this.pendingSignals.get(run.id);
      this.pendingSignals.set(run.id, { run, timer: pending?.timer });
      if (!pending?.timer) {
        const timer = setTimeout(() => {
          const latest = this.pendingSignals.get(run.id)?.run ?? run;
          this.pendingSignals.delete(run.id);
          void this.runChanged(latest);
        }, SIGNAL_INTERVAL_MS - (now - last));
        timer.unref?.();
        this.pendingSignals.set(run.id, { run, timer });
      }
      return;
    }
    const pending = this.pendingSignals.get(run.id);
    if (pending?.timer) {
      clearTimeout(pending.timer);
    }
    this.pendingSignals.delete(run.id);
    if (final) {
      this.lastSignalAt.delete(run.id);
    } else {
      this.lastSignalAt.set(run.id, now);
      if (this.lastSignalAt.size > 10_000) {
        this.lastSignalAt.delete(this.lastSignalAt.keys().next().value!);
      }
    }
    await this.publish(run);
  }

  private async publish(
    run: Pick<Run, 'id' | 'status' | 'updatedAt'>,
  ): Promise<void> {
    await this.send(run, async () =>
      this.options.signals.publish<RunChangedSignal>({
        // Only ids and statuses travel; pages refetch with their own access.
        recipients: { type: 'broadcast' },
        channel: RUN_SIGNAL_CHANNEL,
        message: {
          runId: run.id,
          status: run.status,
          updatedAt: run.updatedAt,
        },
      }),
    );
  }

  private async send(
    run: Pick<Run, 'id'>,
    fn: () => Promise<void>,
  ): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.options.logger.warn(
        `Could not notify about run ${run.id}: ${String(error)}`,
      );
    }
  }
}

function runLink(run: Run): string {
  return `/self-service/runs/${run.id}`;
}

import type { LoggerService } from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';

/** Deadlines further away are left to the sweep. */
const LOCAL_TIMER_LIMIT_MS = 10 * 60_000;

/**
 * Acts on a step's deadline (a wait's end, a gate's or an event-driven
 * step's time-out) on the replica that set it, when it comes, so a wait of
 * a second lasts a second. The scheduled sweep is the backstop for
 * deadlines far off and for replicas that stopped; acting twice is
 * harmless, since every step change is planned under the run's lock from
 * what is committed.
 */
export class StepDeadlineTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private onDue: ((runId: string) => Promise<unknown>) | undefined;
  private stopped = false;

  constructor(private readonly logger: LoggerService) {}

  /** What runs when a run's deadline comes. */
  bind(onDue: (runId: string) => Promise<unknown>): void {
    this.onDue = onDue;
  }

  schedule(runId: string, deadline: Date): void {
    const delay = deadline.getTime() - Date.now();
    if (this.stopped || !this.onDue || delay > LOCAL_TIMER_LIMIT_MS) {
      return;
    }
    const onDue = this.onDue;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      onDue(runId).catch(error =>
        this.logger.warn(
          `Could not act on a step deadline of run ${runId}; the sweep tries again`,
          toError(error),
        ),
      );
    }, Math.max(0, delay));
    timer.unref?.();
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }
}

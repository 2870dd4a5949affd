import { ConflictError, toError } from '@backstage/errors';
import { DateTime } from 'luxon';
import { type ExpiryDeps, tearDownRun } from './commands/expireRun';

/** The actor of what expiry does on its own. */
export const EXPIRY_ACTOR = 'self-service:expiry';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Tells requesters before their runs expire (a day before, or a tenth of
 * the TTL for shorter ones) and triggers the teardown of runs whose time
 * is up. Any replica may sweep at any time: a notice is recorded before it
 * is sent, and a teardown claims its run in the transaction that writes
 * the teardown run, so each happens once across replicas and restarts.
 */
export class RunExpirySweep {
  constructor(private readonly deps: ExpiryDeps) {}

  async sweep(
    now: Date = new Date(),
  ): Promise<{ noticed: number; tornDown: number }> {
    return {
      noticed: await this.sendNotices(now),
      tornDown: await this.tearDownExpired(now),
    };
  }

  private async sendNotices(now: Date): Promise<number> {
    const { expiries, store, notifier } = this.deps;
    let noticed = 0;
    for (const candidate of await expiries.listUnnoticed(
      new Date(now.getTime() + DAY_MS),
    )) {
      const leadMs = Math.min(DAY_MS, (candidate.ttlSeconds * 1000) / 10);
      const noticeAt = DateTime.fromISO(candidate.expiresAt).minus({
        milliseconds: leadMs,
      });
      if (noticeAt.toMillis() > now.getTime()) {
        continue;
      }
      if (!(await expiries.markNoticed(candidate.runId, now))) {
        continue;
      }
      const run = await store.getRun(candidate.runId);
      if (run) {
        await notifier.runExpiring(run, run.workflowName);
        noticed += 1;
      }
    }
    return noticed;
  }

  private async tearDownExpired(now: Date): Promise<number> {
    const { expiries, store, auditor, logger } = this.deps;
    let tornDown = 0;
    for (const expired of await expiries.listExpired(now)) {
      const run = await store.getRun(expired.runId);
      if (!run) {
        continue;
      }
      const audit = await auditor.createEvent({
        eventId: 'run-teardown',
        severityLevel: 'high',
        meta: {
          runId: run.id,
          trigger: 'expiry',
          expiresAt: expired.expiresAt,
        },
      });
      try {
        const teardown = await tearDownRun(this.deps, run, EXPIRY_ACTOR);
        await audit.success({ meta: { teardownRunId: teardown.id } });
        tornDown += 1;
      } catch (error) {
        await audit.fail({ error: toError(error) });
        if (
          !(
            error instanceof ConflictError &&
            /already torn down/.test(error.message)
          )
        ) {
          logger.warn(
            `Could not tear down expired run ${run.id}`,
            toError(error),
          );
        }
      }
    }
    return tornDown;
  }
}

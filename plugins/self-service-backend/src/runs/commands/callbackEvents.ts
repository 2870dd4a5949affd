import type { RunEvent } from '@backstage-self-service/plugin-self-service-common';
import type { NewRunEvent } from '../../database/SelfServiceStore';
import { REDACTED, Redactor } from '../../dispatch';
import type { RunCommandDeps } from './RunCommandDeps';

/**
 * Redacts what an external system posts to a run or a step: the values of
 * the configured secrets, and the token it presented.
 */
export class CallbackRedactor {
  private readonly redactor: Redactor;

  constructor(secrets: Record<string, string>) {
    this.redactor = new Redactor(Object.values(secrets));
  }

  text(text: string, token: string | undefined): string {
    return withoutToken(this.redactor.text(text), token);
  }

  url(url: string, token: string | undefined): string {
    // url() redacts the secrets' values already.
    return withoutToken(this.redactor.url(url), token);
  }
}

function withoutToken(text: string, token: string | undefined): string {
  return token ? text.split(token).join(REDACTED) : text;
}

/**
 * Appends a message or link a callback posted while the run is in
 * progress, counted against the run's limit in the same write (once it is
 * reached, only final statuses are taken), and signals the run's page.
 */
export async function appendCallbackEvent(
  deps: Pick<RunCommandDeps, 'store' | 'notifier' | 'config'>,
  runId: string,
  event: NewRunEvent,
): Promise<RunEvent> {
  const events = await deps.store.appendRunEvents(runId, [event], {
    whileStatusIn: ['in_progress'],
    callbackEventLimit: deps.config.maxCallbackEventsPerRun,
  });
  // Appended only while in progress, so that is its status: no re-read on
  // this hot path.
  await deps.notifier.runChanged({
    id: runId,
    status: 'in_progress',
    updatedAt: events[events.length - 1].createdAt,
  });
  return events[0];
}

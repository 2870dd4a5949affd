import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import {
  RunDetails,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';
import { backstageErrorResponse } from '../../testUtils/mswBackend';
import { makeRunDetails, makeRunEvent } from '../../testUtils/runFixtures';
import {
  onRunAction,
  renderRunPageAgainstMsw,
  runStatus,
  serveRun,
  timelineEntries,
} from './__testUtils__/runPageMsw';

/*
 * Resending the request of a failed or timed-out run, on the run page with
 * the real SelfServiceClient; msw stands in for the backend.
 */

const WEBHOOK_ID = 'msg_2f1e6c0d9a8b4c7e';
const NOT_ALLOWED =
  'Only those who manage this workflow, or whom the permission policy allows to update runs, can resend its request';

/** Run r-1, whose one attempt got 503, failed; resending is `redeliver`. */
function failedDetails(
  redeliver: WorkflowRunnability = { allowed: true },
): RunDetails {
  return makeRunDetails({
    run: { status: 'failed', finishedAt: '2026-01-02T10:00:03.000Z' },
    events: [
      makeRunEvent(1, 'triggered', {}, { actor: 'user:default/jane' }),
      makeRunEvent(2, 'request_sent', {
        attempt: 1,
        maxAttempts: 1,
        webhookId: WEBHOOK_ID,
        startedAt: '2026-01-02T10:00:02.000Z',
        durationMs: 8,
        outcome: 'failure',
        request: { method: 'POST', url: 'https://ci.example.com/run' },
        response: {
          status: 503,
          statusText: 'Service Unavailable',
          headers: {},
          body: '',
          bodyTruncated: false,
        },
      }),
      makeRunEvent(3, 'status_changed', {
        from: 'in_progress',
        to: 'failed',
        message: 'The request got 503 Service Unavailable',
      }),
    ],
    permissions: { redeliver },
  });
}

/** The run as the backend has it once ada resent its request. */
function resent(details: RunDetails): RunDetails {
  return {
    ...details,
    run: {
      ...details.run,
      status: 'in_progress',
      finishedAt: undefined,
      updatedAt: '2026-01-02T10:05:00.000Z',
    },
    events: [
      ...details.events,
      makeRunEvent(
        details.events.length + 1,
        'status_changed',
        {
          from: details.run.status,
          to: 'in_progress',
          message: 'The request is being sent again',
          redelivery: true,
        },
        { actor: 'user:default/ada' },
      ),
    ],
    permissions: {
      ...details.permissions,
      redeliver: {
        allowed: false,
        reason:
          'Only failed or timed-out runs can be resent; this one is in progress',
      },
    },
  };
}

describe('RunPage resending a request, against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  async function openResendDialog() {
    await userEvent.click(
      await screen.findByRole('button', { name: 'Resend request' }),
    );
    return screen.findByRole('dialog', { name: 'Resend the request?' });
  }

  it('resends after confirmation, then shows the run as the backend has it next', async () => {
    const state = serveRun(server, failedDetails());
    const posted = onRunAction(server, 'redeliver', () => {
      state.set(resent(state.current));
      return HttpResponse.json(state.current.run);
    });
    await renderRunPageAgainstMsw();

    expect(
      await screen.findByRole('heading', { name: 'Send the request again' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/^This run failed\./)).toBeInTheDocument();
    expect(runStatus()).toHaveTextContent('Failed');
    const dialog = await openResendDialog();
    expect(dialog).toHaveTextContent(
      'Send the request again with the same inputs and webhook-id?',
    );
    // Nothing is sent before the confirmation.
    expect(posted).toHaveLength(0);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Resend request' }),
    );

    expect(
      await screen.findByText('The request is being sent again.'),
    ).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      method: 'POST',
      path: '/api/self-service/runs/r-1/redeliver',
      contentType: null,
      body: undefined,
    });
    await waitFor(() => expect(runStatus()).toHaveTextContent('In progress'));
    expect(state.fetched).toEqual(['r-1', 'r-1']);
    const entries = await timelineEntries();
    expect(entries).toHaveLength(4);
    expect(entries[3]).toHaveTextContent(
      /^Status changed from Failed to In progress/,
    );
    expect(entries[3]).toHaveTextContent('The request is being sent again');
    expect(entries[3]).toHaveTextContent('by ada');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Resend request' }),
    ).not.toBeInTheDocument();
  });

  it('sends nothing when the viewer cancels', async () => {
    serveRun(server, failedDetails());
    const posted = onRunAction(server, 'redeliver', () =>
      HttpResponse.json(failedDetails().run),
    );
    await renderRunPageAgainstMsw();

    const dialog = await openResendDialog();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );

    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(posted).toHaveLength(0);
    expect(runStatus()).toHaveTextContent('Failed');
  });

  it('offers a timed-out run too', async () => {
    const details = failedDetails();
    serveRun(server, {
      ...details,
      run: { ...details.run, status: 'timed_out' },
    });
    await renderRunPageAgainstMsw();

    expect(
      await screen.findByText(/^This run timed out\./),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Resend request' }),
    ).toBeEnabled();
  });

  it('shows the button disabled, with the reason, to a viewer who may not resend', async () => {
    serveRun(server, failedDetails({ allowed: false, reason: NOT_ALLOWED }));
    const posted = onRunAction(server, 'redeliver', () =>
      HttpResponse.json(failedDetails().run),
    );
    await renderRunPageAgainstMsw();

    const button = await screen.findByRole('button', {
      name: 'Resend request',
    });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(NOT_ALLOWED);
    expect(screen.getByText(NOT_ALLOWED)).toBeVisible();
    expect(posted).toHaveLength(0);
  });

  it('shows the message of a 409 when the run moved on meanwhile, and catches up', async () => {
    const state = serveRun(server, failedDetails());
    const posted = onRunAction(server, 'redeliver', () => {
      // Someone else resent it a moment before.
      state.set(resent(state.current));
      return backstageErrorResponse(
        409,
        'ConflictError',
        'Run r-1 is still being delivered (attempt 2 of 2)',
      );
    });
    await renderRunPageAgainstMsw();

    const dialog = await openResendDialog();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Resend request' }),
    );

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The request cannot be resent now: Run r-1 is still being delivered (attempt 2 of 2)',
    );
    await waitFor(() => expect(runStatus()).toHaveTextContent('In progress'));
    expect(state.fetched).toEqual(['r-1', 'r-1']);
    // The run is no longer failed: the dialog stays to explain, but cannot send.
    expect(
      within(dialog).getByRole('button', { name: 'Resend request' }),
    ).toBeDisabled();
    expect(
      screen.queryByText('The request is being sent again.'),
    ).not.toBeInTheDocument();
    expect(posted).toHaveLength(1);
  });

  it('shows a refusal of the backend and leaves the run as it was', async () => {
    const state = serveRun(server, failedDetails());
    onRunAction(server, 'redeliver', () =>
      backstageErrorResponse(403, 'NotAllowedError', NOT_ALLOWED),
    );
    await renderRunPageAgainstMsw();

    const dialog = await openResendDialog();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Resend request' }),
    );

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      `You may not do this: ${NOT_ALLOWED}`,
    );
    expect(
      within(dialog).getByRole('button', { name: 'Resend request' }),
    ).toBeEnabled();
    expect(runStatus()).toHaveTextContent('Failed');
    expect(state.fetched).toEqual(['r-1']);
  });

  it.each(['success', 'in_progress', 'pending_approval', 'rejected'] as const)(
    'offers no resend for a run that is %s',
    async status => {
      const details = failedDetails();
      serveRun(server, { ...details, run: { ...details.run, status } });
      await renderRunPageAgainstMsw();

      await timelineEntries();
      expect(
        screen.queryByRole('button', { name: 'Resend request' }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('heading', { name: 'Send the request again' }),
      ).not.toBeInTheDocument();
    },
  );
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import {
  RunDetails,
  RunStatus,
} from '@backstage-self-service/plugin-self-service-common';
import { backstageErrorResponse } from '../../testUtils/mswBackend';
import { makeRunDetails, makeRunEvent } from '../../testUtils/runFixtures';
import {
  onRunAction,
  renderRunPageAgainstMsw,
  runStatus,
  serveRun,
  timelineEntries,
  valueOf,
} from './__testUtils__/runPageMsw';

/*
 * The run page with the real SelfServiceClient; msw stands in for the
 * backend, which answers GET /runs/:id with the run as it stands and takes
 * the approvers' decisions.
 */

const APPROVERS = ['group:default/platform-team'];

/** Run r-1 of an approval workflow, requested by jane, for an approver. */
function pendingDetails(): RunDetails {
  return makeRunDetails({
    run: {
      status: 'pending_approval',
      finishedAt: undefined,
      updatedAt: '2026-01-02T10:00:02.000Z',
    },
    workflow: { access: { type: 'approval', approvers: APPROVERS } },
    approvers: APPROVERS,
    events: [
      makeRunEvent(
        1,
        'triggered',
        { revision: 1, entityRef: 'component:default/payments' },
        { actor: 'user:default/jane' },
      ),
      makeRunEvent(2, 'approval_requested', { approvers: APPROVERS }),
    ],
    permissions: { approve: { allowed: true }, withdraw: false },
  });
}

/** The run as the backend has it once `actor` decided. */
function decided(
  details: RunDetails,
  decision: 'approved' | 'rejected',
  actor: string,
  comment?: string,
): RunDetails {
  const to: RunStatus = decision === 'approved' ? 'in_progress' : 'rejected';
  const next = details.events.length + 1;
  return {
    ...details,
    run: {
      ...details.run,
      status: to,
      updatedAt: '2026-01-02T10:05:00.000Z',
      ...(to === 'rejected' ? { finishedAt: '2026-01-02T10:05:00.000Z' } : {}),
    },
    events: [
      ...details.events,
      makeRunEvent(next, decision, comment ? { comment } : {}, { actor }),
      makeRunEvent(
        next + 1,
        'status_changed',
        { from: 'pending_approval', to },
        { actor },
      ),
    ],
    permissions: {
      ...details.permissions,
      approve: {
        allowed: false,
        reason: 'This run is not waiting for approval',
      },
      withdraw: false,
    },
  };
}

describe('RunPage against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const backend = (details: RunDetails) => serveRun(server, details);
  const onDecision = (decision: 'approve' | 'reject', answer: () => Response) =>
    onRunAction(server, decision, answer);
  const renderRunPage = renderRunPageAgainstMsw;

  describe('timeline', () => {
    const markdown = [
      'Deployed **payments** to staging.',
      '',
      '<script>window.hacked = true</script>',
      '',
      'See <img src="x" onerror="window.hacked = true"> and <a href="https://evil.example.com">this</a>.',
    ].join('\n');

    const finished = () =>
      makeRunDetails({
        run: { status: 'success', finishedAt: '2026-01-02T10:01:00.000Z' },
        workflow: {
          execution: { type: 'event-driven' },
          access: { type: 'approval', approvers: APPROVERS },
        },
        approvers: APPROVERS,
        events: [
          makeRunEvent(
            1,
            'triggered',
            { revision: 1, entityRef: 'component:default/payments' },
            { actor: 'user:default/jane' },
          ),
          makeRunEvent(2, 'approval_requested', { approvers: APPROVERS }),
          makeRunEvent(
            3,
            'approved',
            { comment: 'Ship it' },
            { actor: 'user:default/alan' },
          ),
          makeRunEvent(4, 'request_sent', {
            startedAt: '2026-01-02T10:00:04.000Z',
            durationMs: 123,
            outcome: 'success',
            request: {
              method: 'POST',
              url: 'https://ci.example.com/dispatch?key=[REDACTED]',
              headers: {
                authorization: '[REDACTED]',
                'content-type': 'application/json',
              },
              body: '{"service":"payments","token":"[REDACTED]"}',
            },
            response: {
              status: 202,
              statusText: 'Accepted',
              headers: { 'x-request-id': 'abc-123' },
              body: '{"job":42}',
              bodyTruncated: false,
            },
          }),
          makeRunEvent(5, 'message', { markdown }, { actor: 'service:ci' }),
          makeRunEvent(
            6,
            'link',
            { label: 'Build logs', url: 'https://ci.example.com/builds/7' },
            { actor: 'service:ci' },
          ),
          makeRunEvent(
            7,
            'status_changed',
            { from: 'in_progress', to: 'success', message: 'All pods are up' },
            { actor: 'service:ci' },
          ),
        ],
      });

    it('shows every event the backend returns, oldest first', async () => {
      const details = finished();
      // The backend's order is not trusted: the sequence is.
      const backendState = backend({
        ...details,
        events: [...details.events].reverse(),
      });
      await renderRunPage();

      const entries = await timelineEntries();
      expect(backendState.fetched).toEqual(['r-1']);
      expect(entries).toHaveLength(7);
      expect(entries[0]).toHaveTextContent(/^Triggered workflow run by jane/);
      expect(entries[1]).toHaveTextContent(
        /^Approval requested from .*platform-team/,
      );
      expect(entries[2]).toHaveTextContent(/^Approved by alan/);
      expect(entries[2]).toHaveTextContent('Ship it');
      expect(entries[3]).toHaveTextContent(
        'Sent HTTP request POST https://ci.example.com/dispatch?key=[REDACTED] — 202 Accepted in 123 ms',
      );
      expect(entries[4]).toHaveTextContent(/^Message/);
      expect(entries[4]).toHaveTextContent('by ci');
      expect(within(entries[4]).getByText('payments').tagName).toBe('STRONG');
      expect(entries[5]).toHaveTextContent(/^Link: Build logs/);
      expect(
        within(entries[5]).getByRole('link', { name: /Build logs/ }),
      ).toHaveAttribute('href', 'https://ci.example.com/builds/7');
      expect(entries[6]).toHaveTextContent(
        /^Status changed from In progress to Succeeded/,
      );
      expect(entries[6]).toHaveTextContent('All pods are up');
      expect(runStatus()).toHaveTextContent('Succeeded');
    });

    it('does not render raw HTML of a message as HTML', async () => {
      backend(finished());
      await renderRunPage();

      const message = (await timelineEntries())[4];
      expect(message).toHaveTextContent('Deployed payments to staging.');
      // Tags are shown as the text they are, not turned into elements.
      expect(message).toHaveTextContent(
        '<script>window.hacked = true</script>',
      );
      expect(message).toHaveTextContent(
        'See <img src="x" onerror="window.hacked = true"> and <a href="https://evil.example.com">this</a>.',
      );
      expect(message.querySelector('script')).toBeNull();
      expect(message.querySelector('img')).toBeNull();
      expect(message.querySelector('[onerror]')).toBeNull();
      expect(
        within(message).queryByRole('link', { name: 'this' }),
      ).not.toBeInTheDocument();
      expect(document.querySelector('a[href^="https://evil"]')).toBeNull();
      expect(document.querySelector('img[src="x"]')).toBeNull();
      expect((window as { hacked?: boolean }).hacked).toBeUndefined();
    });

    it('shows the request as the backend stored it, redacted, in the View dialog', async () => {
      backend(finished());
      await renderRunPage();

      const entries = await timelineEntries();
      await userEvent.click(
        within(entries[3]).getByRole('button', { name: 'View' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'HTTP request',
      });

      const request = within(dialog).getByRole('table', { name: 'Request' });
      expect(valueOf(request, 'Method')).toHaveTextContent('POST');
      expect(valueOf(request, 'URL')).toHaveTextContent(
        'https://ci.example.com/dispatch?key=[REDACTED]',
      );
      const headers = within(dialog).getByRole('table', {
        name: 'Request headers',
      });
      expect(valueOf(headers, 'authorization')).toHaveTextContent('[REDACTED]');
      expect(valueOf(headers, 'content-type')).toHaveTextContent(
        'application/json',
      );
      // The JSON body, pretty-printed.
      await waitFor(() =>
        expect(dialog).toHaveTextContent('"token": "[REDACTED]"'),
      );
      expect(dialog).toHaveTextContent('"service": "payments"');

      const response = within(dialog).getByRole('table', { name: 'Response' });
      expect(valueOf(response, 'Status')).toHaveTextContent('202 Accepted');
      await waitFor(() => expect(dialog).toHaveTextContent('"job": 42'));

      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Close' }),
      );
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
    });
  });

  describe('approval', () => {
    it('approves with a comment, then shows the run as the backend has it next', async () => {
      const state = backend(pendingDetails());
      const posted = onDecision('approve', () => {
        state.set(
          decided(state.current, 'approved', 'user:default/alan', 'Looks good'),
        );
        return HttpResponse.json(state.current.run);
      });
      await renderRunPage();

      expect(
        await screen.findByRole('heading', { name: 'Waiting for approval' }),
      ).toBeInTheDocument();
      expect(runStatus()).toHaveTextContent('Pending approval');
      await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
      const dialog = await screen.findByRole('dialog', {
        name: 'Approve this run?',
      });
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        'Looks good',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );

      expect(
        await screen.findByText('You approved this run.'),
      ).toBeInTheDocument();
      expect(posted).toHaveLength(1);
      expect(posted[0].path).toBe('/api/self-service/runs/r-1/approve');
      expect(posted[0].contentType).toBe('application/json');
      expect(posted[0].body).toStrictEqual({ comment: 'Looks good' });

      await waitFor(() => expect(runStatus()).toHaveTextContent('In progress'));
      expect(state.fetched).toEqual(['r-1', 'r-1']);
      const entries = await timelineEntries();
      expect(entries).toHaveLength(4);
      expect(entries[2]).toHaveTextContent(/^Approved by alan/);
      expect(entries[2]).toHaveTextContent('Looks good');
      expect(entries[3]).toHaveTextContent(
        /^Status changed from Pending approval to In progress/,
      );
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
      expect(
        screen.queryByRole('heading', { name: 'Waiting for approval' }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Approve' }),
      ).not.toBeInTheDocument();
    });

    it('posts no comment when the approver leaves it blank', async () => {
      const state = backend(pendingDetails());
      const posted = onDecision('approve', () => {
        state.set(decided(state.current, 'approved', 'user:default/alan'));
        return HttpResponse.json(state.current.run);
      });
      await renderRunPage();

      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = await screen.findByRole('dialog');
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        '   ',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );

      await waitFor(() => expect(runStatus()).toHaveTextContent('In progress'));
      expect(posted).toHaveLength(1);
      expect(posted[0].body).toStrictEqual({});
    });

    it('rejects with a comment, then shows the run as the backend has it next', async () => {
      const state = backend(pendingDetails());
      const posted = onDecision('reject', () => {
        state.set(
          decided(
            state.current,
            'rejected',
            'user:default/alan',
            'Not during the freeze',
          ),
        );
        return HttpResponse.json(state.current.run);
      });
      await renderRunPage();

      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Reject this run?',
      });
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        'Not during the freeze',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Reject' }),
      );

      expect(
        await screen.findByText('You rejected this run.'),
      ).toBeInTheDocument();
      expect(posted).toHaveLength(1);
      expect(posted[0].path).toBe('/api/self-service/runs/r-1/reject');
      expect(posted[0].body).toStrictEqual({
        comment: 'Not during the freeze',
      });

      await waitFor(() => expect(runStatus()).toHaveTextContent('Rejected'));
      expect(state.fetched).toEqual(['r-1', 'r-1']);
      const entries = await timelineEntries();
      expect(entries[2]).toHaveTextContent(/^Rejected by alan/);
      expect(entries[2]).toHaveTextContent('Not during the freeze');
      expect(entries[3]).toHaveTextContent(
        /^Status changed from Pending approval to Rejected/,
      );
      expect(
        screen.queryByRole('button', { name: 'Reject' }),
      ).not.toBeInTheDocument();
    });

    it('shows the message of a 409 when someone else decided first, and catches up', async () => {
      const state = backend(pendingDetails());
      const posted = onDecision('approve', () => {
        // Grace rejected the run a moment before.
        state.set(decided(state.current, 'rejected', 'user:default/grace'));
        return backstageErrorResponse(
          409,
          'ConflictError',
          'Run r-1 is rejected; it was already decided',
        );
      });
      await renderRunPage();

      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Approve this run?',
      });
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        'Looks good',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );

      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'This run was already decided: Run r-1 is rejected; it was already decided',
      );
      expect(posted[0].body).toStrictEqual({ comment: 'Looks good' });
      // The page fetches the run again and shows what happened.
      await waitFor(() => expect(runStatus()).toHaveTextContent('Rejected'));
      expect(state.fetched).toEqual(['r-1', 'r-1']);
      expect((await timelineEntries({ hidden: true }))[2]).toHaveTextContent(
        /^Rejected by grace/,
      );
      // Nothing left to decide: the dialog stays to explain, but cannot send.
      expect(
        within(dialog).getByRole('button', { name: 'Approve' }),
      ).toBeDisabled();
      expect(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
      ).toBeDisabled();
      expect(
        screen.queryByText('You approved this run.'),
      ).not.toBeInTheDocument();
      expect(posted).toHaveLength(1);
    });

    it('shows a refusal of the backend and leaves the run as it was', async () => {
      const state = backend(pendingDetails());
      onDecision('reject', () =>
        backstageErrorResponse(
          403,
          'NotAllowedError',
          'Only the approvers of this run can decide',
        ),
      );
      await renderRunPage();

      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = await screen.findByRole('dialog');
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Reject' }),
      );

      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'You may not do this: Only the approvers of this run can decide',
      );
      expect(
        within(dialog).getByRole('button', { name: 'Reject' }),
      ).toBeEnabled();
      expect(runStatus()).toHaveTextContent('Pending approval');
      expect(state.fetched).toEqual(['r-1']);
    });

    it('tells a viewer who may not approve why, and offers no decision', async () => {
      backend({
        ...pendingDetails(),
        permissions: {
          ...pendingDetails().permissions,
          approve: {
            allowed: false,
            reason: 'Only the approvers of this run can decide',
          },
          withdraw: false,
        },
      });
      await renderRunPage();

      expect(
        await screen.findByText('Only the approvers of this run can decide'),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('heading', { name: 'Waiting for approval' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Approve' }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Reject' }),
      ).not.toBeInTheDocument();
    });
  });

  it('says so when the backend has no such run', async () => {
    const state = backend(pendingDetails());
    await renderRunPage('r-9');

    expect(
      await screen.findByText('Error: No such run, or you may not see it'),
    ).toBeInTheDocument();
    expect(state.fetched).toEqual(['r-9']);
  });
});

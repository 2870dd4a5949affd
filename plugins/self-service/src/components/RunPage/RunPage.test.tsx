import { Route, Routes } from 'react-router-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { RunDetails } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeResponseError,
  makeRun,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import {
  FakeSignalApi,
  fakeSignalApi,
  makeRunDetails,
  makeRunEvent,
} from '../../testUtils/runFixtures';
import { RunPage } from './RunPage';
import {
  RUN_POLL_INTERVAL_MS,
  RUN_SIGNAL_CHANNEL,
  RUN_SIGNAL_POLL_INTERVAL_MS,
} from './useRunDetails';

const mountedRoutes = {
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

/** A pending run of an approval workflow, requested by jane. */
function pendingDetails(
  overrides: Parameters<typeof makeRunDetails>[0] = {},
): RunDetails {
  return makeRunDetails({
    approvers: ['group:default/platform-team'],
    events: [
      makeRunEvent(
        1,
        'triggered',
        { revision: 1, entityRef: 'component:default/payments' },
        { actor: 'user:default/jane' },
      ),
      makeRunEvent(2, 'approval_requested', {
        approvers: ['group:default/platform-team'],
      }),
    ],
    ...overrides,
    run: {
      status: 'pending_approval',
      finishedAt: undefined,
      updatedAt: '2026-01-02T10:00:00.000Z',
      ...overrides.run,
    },
    workflow: {
      access: { type: 'approval', approvers: ['group:default/platform-team'] },
      ...overrides.workflow,
    },
  });
}

/** The details of a run after a decision moved it to `status`. */
function decided(details: RunDetails, status: RunDetails['run']['status']) {
  return {
    ...details,
    run: { ...details.run, status },
    permissions: {
      ...details.permissions,
      approve: { allowed: false },
      withdraw: false,
    },
  };
}

async function renderRunPage(
  options: {
    api?: ReturnType<typeof mockSelfServiceApi>;
    signals?: FakeSignalApi | null;
    runId?: string;
  } = {},
) {
  const api = options.api ?? mockSelfServiceApi();
  const signals =
    options.signals === null ? undefined : options.signals ?? fakeSignalApi();
  const apis: any = signals
    ? [
        [selfServiceApiRef, api],
        [signalApiRef, signals],
      ]
    : [[selfServiceApiRef, api]];
  await renderInTestApp(
    <TestApiProvider apis={apis}>
      <Routes>
        <Route path="/self-service/runs/:runId" element={<RunPage />} />
      </Routes>
    </TestApiProvider>,
    {
      mountedRoutes,
      routeEntries: [`/self-service/runs/${options.runId ?? 'r-1'}`],
    },
  );
  return { api, signals };
}

/** The side panel's table of details. */
async function detailsTable() {
  return screen.findByRole('table', { name: 'Run details' });
}

/** The value cell of a row of a table of named values. */
function valueOf(table: HTMLElement, name: string) {
  const header = within(table).getByRole('rowheader', { name });
  return header.closest('tr')!.querySelector('td')!;
}

/** The timeline's entries, in order. */
async function timelineEntries() {
  const timeline = await screen.findByRole('list', { name: 'Timeline' });
  return within(timeline).getAllByRole('listitem');
}

describe('RunPage', () => {
  it('shows the workflow name, run id, and a spinner while loading', async () => {
    const api = mockSelfServiceApi();
    api.getRun.mockReturnValue(new Promise(() => {}));
    await renderRunPage({ api });

    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Run r-1')).toBeInTheDocument();
    expect(api.getRun).toHaveBeenCalledWith('r-1');
  });

  it('says so when the run does not exist or may not be seen', async () => {
    const api = mockSelfServiceApi();
    api.getRun.mockRejectedValue(
      await makeResponseError(404, 'NotFoundError', "No run with id 'r-9'"),
    );
    await renderRunPage({ api, runId: 'r-9' });

    expect(
      await screen.findByText('Error: No such run, or you may not see it'),
    ).toBeInTheDocument();
    expect(api.getRun).toHaveBeenCalledWith('r-9');
  });

  it('shows other errors as they are', async () => {
    const api = mockSelfServiceApi();
    api.getRun.mockRejectedValue(
      await makeResponseError(500, 'Error', 'The database is down'),
    );
    await renderRunPage({ api });

    expect(
      await screen.findByText('Error: Could not load this run'),
    ).toBeInTheDocument();
  });

  describe('side panel', () => {
    it('shows the workflow, triggerer, entity, inputs, status and duration of a finished run', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: {
            workflowRevision: 3,
            requestedBy: 'user:default/grace',
            inputs: {
              reason: 'Memory leak',
              replicas: 3,
              drain: false,
              notify: true,
              legacy: 'kept',
            },
            createdAt: '2026-01-02T10:00:00.000Z',
            finishedAt: '2026-01-02T10:01:05.000Z',
            status: 'success',
          },
          workflow: {
            parameters: [
              {
                identifier: 'reason',
                name: 'Reason',
                type: 'string',
                required: true,
              },
              {
                identifier: 'replicas',
                name: 'Replicas',
                type: 'integer',
                required: false,
              },
              {
                identifier: 'drain',
                name: 'Drain connections',
                type: 'boolean',
                required: false,
              },
              {
                identifier: 'notify',
                name: '',
                type: 'boolean',
                required: false,
              },
            ],
          },
        }),
      );
      await renderRunPage({ api });

      expect(
        await screen.findByRole('heading', { name: 'Restart service' }),
      ).toBeInTheDocument();
      const table = await detailsTable();
      expect(valueOf(table, 'Workflow')).toHaveTextContent(
        'Restart service (revision 3)',
      );
      expect(
        within(valueOf(table, 'Triggered by')).getByRole('link', {
          name: /grace/,
        }),
      ).toHaveAttribute('href', '/catalog/default/user/grace');
      expect(valueOf(table, 'Triggered')).toHaveTextContent(/2026/);
      expect(
        within(valueOf(table, 'Entity')).getByRole('link', {
          name: /payments/,
        }),
      ).toHaveAttribute('href', '/catalog/default/component/payments');
      expect(valueOf(table, 'Status')).toHaveTextContent('Succeeded');
      expect(valueOf(table, 'Completed')).toHaveTextContent(/2026/);
      expect(valueOf(table, 'Duration')).toHaveTextContent(
        '1 minute 5 seconds',
      );
      expect(
        within(table).queryByRole('rowheader', { name: 'Approvers' }),
      ).not.toBeInTheDocument();

      const inputs = screen.getByRole('table', { name: 'Inputs' });
      const names = within(inputs)
        .getAllByRole('rowheader')
        .map(cell => cell.textContent);
      // In the parameters' order, named after them, identifiers as fallback.
      expect(names).toEqual([
        'Reason',
        'Replicas',
        'Drain connections',
        'notify',
        'legacy',
      ]);
      expect(valueOf(inputs, 'Reason')).toHaveTextContent('Memory leak');
      expect(valueOf(inputs, 'Replicas')).toHaveTextContent('3');
      expect(valueOf(inputs, 'Drain connections')).toHaveTextContent('No');
      expect(valueOf(inputs, 'notify')).toHaveTextContent('Yes');
      expect(valueOf(inputs, 'legacy')).toHaveTextContent('kept');
    });

    it('shows no completion or duration while the run is unfinished, and the approvers', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        pendingDetails({ run: { entityRef: undefined } }),
      );
      await renderRunPage({ api });

      const table = await detailsTable();
      expect(valueOf(table, 'Status')).toHaveTextContent('Pending approval');
      expect(
        within(table).queryByRole('rowheader', { name: 'Completed' }),
      ).not.toBeInTheDocument();
      expect(
        within(table).queryByRole('rowheader', { name: 'Duration' }),
      ).not.toBeInTheDocument();
      expect(
        within(table).queryByRole('rowheader', { name: 'Entity' }),
      ).not.toBeInTheDocument();
      expect(valueOf(table, 'Approvers')).toHaveTextContent(/platform-team/);
      expect(screen.getByText('This run has no inputs.')).toBeInTheDocument();
    });
  });

  describe('timeline', () => {
    it('renders every kind of event with its title, oldest first', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'success' },
          workflow: { execution: { type: 'event-driven' } },
          events: [
            makeRunEvent(
              1,
              'triggered',
              { revision: 1, entityRef: 'component:default/payments' },
              { actor: 'user:default/grace' },
            ),
            makeRunEvent(2, 'approval_requested', {
              approvers: ['group:default/platform-team'],
            }),
            makeRunEvent(
              3,
              'approved',
              { comment: 'Ship it' },
              { actor: 'user:default/alan' },
            ),
            makeRunEvent(
              4,
              'status_changed',
              { from: 'pending_approval', to: 'in_progress' },
              { actor: 'user:default/alan' },
            ),
            makeRunEvent(5, 'request_sent', {
              startedAt: '2026-01-02T10:00:05.000Z',
              durationMs: 123,
              outcome: 'success',
              request: {
                method: 'POST',
                url: 'https://ci.example.com/dispatch',
                headers: {},
              },
              response: {
                status: 200,
                statusText: 'OK',
                headers: {},
                body: '',
                bodyTruncated: false,
              },
            }),
            makeRunEvent(
              6,
              'message',
              { markdown: 'Created **database**' },
              { actor: 'service:external:ci' },
            ),
            makeRunEvent(7, 'link', {
              label: 'Build logs',
              url: 'https://ci.example.com/builds/7',
            }),
            makeRunEvent(8, 'status_changed', {
              from: 'in_progress',
              to: 'success',
              message: 'All pods are up',
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      const entries = await timelineEntries();
      expect(entries).toHaveLength(8);
      expect(entries[0]).toHaveTextContent(/^Triggered workflow run by grace/);
      expect(entries[1]).toHaveTextContent(
        /^Approval requested from .*platform-team/,
      );
      expect(entries[2]).toHaveTextContent(/^Approved by alan/);
      expect(entries[2]).toHaveTextContent('Ship it');
      expect(entries[3]).toHaveTextContent(
        /^Status changed from Pending approval to In progress/,
      );
      expect(entries[4]).toHaveTextContent(
        /^Sent HTTP request POST https:\/\/ci\.example\.com\/dispatch — 200 OK in 123 ms/,
      );
      expect(
        within(entries[4]).getByRole('button', { name: 'View' }),
      ).toBeInTheDocument();
      expect(entries[5]).toHaveTextContent(/^Message/);
      expect(entries[5]).toHaveTextContent('by external:ci');
      expect(entries[6]).toHaveTextContent(/^Link: Build logs/);
      expect(
        within(entries[6]).getByRole('link', { name: /Build logs/ }),
      ).toHaveAttribute('href', 'https://ci.example.com/builds/7');
      expect(entries[7]).toHaveTextContent(
        /^Status changed from In progress to Succeeded/,
      );
      expect(entries[7]).toHaveTextContent('All pods are up');

      // Each with a relative time and the full time in its title.
      const time = entries[0].querySelector('time')!;
      expect(time).toHaveAttribute('datetime', '2026-01-02T10:00:01.000Z');
      expect(time.getAttribute('title')).toMatch(/2026/);
    });

    it('renders rejection and withdrawal with who did it', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'rejected' },
          events: [
            makeRunEvent(
              1,
              'rejected',
              { comment: 'Not during the freeze' },
              { actor: 'user:default/alan' },
            ),
            makeRunEvent(2, 'withdrawn', {}, { actor: 'user:default/jane' }),
          ],
        }),
      );
      await renderRunPage({ api });

      const entries = await timelineEntries();
      expect(entries[0]).toHaveTextContent(/^Rejected by alan/);
      expect(entries[0]).toHaveTextContent('Not during the freeze');
      expect(entries[1]).toHaveTextContent(/^Withdrawn by jane/);
    });

    it('says when a request failed without a response', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'failed' },
          events: [
            makeRunEvent(1, 'request_sent', {
              startedAt: '2026-01-02T10:00:01.000Z',
              durationMs: 5000,
              outcome: 'failure',
              request: {
                method: 'GET',
                url: 'https://down.example.com/',
                headers: {},
              },
              error: {
                kind: 'connection',
                message: 'Connection refused by down.example.com',
              },
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      const entries = await timelineEntries();
      expect(entries[0]).toHaveTextContent(
        'Sent HTTP request GET https://down.example.com/ — failed: Connection refused by down.example.com',
      );
    });

    it('shows the request and response, redacted as stored, in the View dialog', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          events: [
            makeRunEvent(1, 'request_sent', {
              startedAt: '2026-01-02T10:00:01.000Z',
              durationMs: 123,
              outcome: 'success',
              request: {
                method: 'POST',
                url: 'https://ops.example.com/restart',
                headers: {
                  Authorization: '[REDACTED]',
                  'Content-Type': 'application/json',
                },
                body: '{"service":"payments"}',
              },
              response: {
                status: 202,
                statusText: 'Accepted',
                headers: { 'x-request-id': 'abc-123' },
                body: 'queued as job 42',
                bodyTruncated: true,
              },
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'View' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'HTTP request',
      });

      const request = within(dialog).getByRole('table', { name: 'Request' });
      expect(valueOf(request, 'Method')).toHaveTextContent('POST');
      expect(valueOf(request, 'URL')).toHaveTextContent(
        'https://ops.example.com/restart',
      );
      const requestHeaders = within(dialog).getByRole('table', {
        name: 'Request headers',
      });
      expect(valueOf(requestHeaders, 'Authorization')).toHaveTextContent(
        '[REDACTED]',
      );
      expect(valueOf(requestHeaders, 'Content-Type')).toHaveTextContent(
        'application/json',
      );
      await waitFor(() =>
        expect(dialog).toHaveTextContent('"service": "payments"'),
      );

      const response = within(dialog).getByRole('table', { name: 'Response' });
      expect(valueOf(response, 'Status')).toHaveTextContent('202 Accepted');
      const responseHeaders = within(dialog).getByRole('table', {
        name: 'Response headers',
      });
      expect(valueOf(responseHeaders, 'x-request-id')).toHaveTextContent(
        'abc-123',
      );
      await waitFor(() => expect(dialog).toHaveTextContent('queued as job 42'));
      expect(dialog).toHaveTextContent(/truncated/);
      expect(
        within(dialog).queryByRole('heading', { name: 'Error' }),
      ).not.toBeInTheDocument();

      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Close' }),
      );
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
    });

    it('shows the error of a request that got no response in the View dialog', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'failed' },
          events: [
            makeRunEvent(1, 'request_sent', {
              startedAt: '2026-01-02T10:00:01.000Z',
              durationMs: 10000,
              outcome: 'failure',
              request: {
                method: 'GET',
                url: 'https://slow.example.com/',
                headers: { 'X-Api-Key': '[REDACTED]' },
              },
              error: { kind: 'timeout', message: 'No response within 10 s' },
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'View' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'HTTP request',
      });
      expect(
        valueOf(
          within(dialog).getByRole('table', { name: 'Request headers' }),
          'X-Api-Key',
        ),
      ).toHaveTextContent('[REDACTED]');
      expect(
        within(dialog).queryByRole('heading', { name: 'Response' }),
      ).not.toBeInTheDocument();
      const error = within(dialog).getByRole('table', { name: 'Error' });
      expect(valueOf(error, 'Kind')).toHaveTextContent('Timed out');
      expect(valueOf(error, 'Message')).toHaveTextContent(
        'No response within 10 s',
      );
    });

    it('renders markdown in messages but no raw HTML or scripts', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'in_progress', finishedAt: undefined },
          events: [
            makeRunEvent(1, 'message', {
              markdown: [
                'Deployed **payments** to staging.',
                '',
                '<img src=x onerror=alert(1)>',
                '',
                '<script>alert(2)</script>',
                '',
                'Inline <b onclick="alert(3)">bold</b> and <a href="javascript:alert(4)">a link</a>.',
              ].join('\n'),
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      const [entry] = await timelineEntries();
      const bold = within(entry).getByText('payments');
      expect(bold.tagName).toBe('STRONG');
      expect(entry.querySelector('img')).toBeNull();
      expect(entry.querySelector('script')).toBeNull();
      expect(entry.querySelector('b')).toBeNull();
      expect(entry.querySelector('[onclick]')).toBeNull();
      expect(entry.querySelector('[onerror]')).toBeNull();
      expect(
        within(entry).queryByRole('link', { name: /a link/ }),
      ).not.toBeInTheDocument();
      expect(document.querySelector('img[src="x"]')).toBeNull();
    });

    it('does not make links other than http and https clickable', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          run: { status: 'in_progress', finishedAt: undefined },
          events: [
            makeRunEvent(1, 'link', {
              label: 'Run this',
              // Built, so that linters do not take it for a script URL here.
              url: ['javascript', 'alert(1)'].join(':'),
            }),
            makeRunEvent(2, 'link', {
              label: 'Share',
              url: 'ftp://files.example.com/x',
            }),
            makeRunEvent(3, 'link', {
              label: 'Dashboard',
              url: 'http://grafana.example.com/d/1',
            }),
          ],
        }),
      );
      await renderRunPage({ api });

      const entries = await timelineEntries();
      expect(entries[0]).toHaveTextContent(
        'Link: Run this (javascript:alert(1))',
      );
      expect(within(entries[0]).queryByRole('link')).not.toBeInTheDocument();
      expect(entries[1]).toHaveTextContent('Link: Share');
      expect(within(entries[1]).queryByRole('link')).not.toBeInTheDocument();
      expect(
        within(entries[2]).getByRole('link', { name: /Dashboard/ }),
      ).toHaveAttribute('href', 'http://grafana.example.com/d/1');
    });
  });

  describe('actions', () => {
    it('approves with a comment and shows the refreshed run', async () => {
      const api = mockSelfServiceApi();
      const pending = pendingDetails({
        permissions: { approve: { allowed: true }, withdraw: false },
      });
      api.getRun
        .mockResolvedValueOnce(pending)
        .mockResolvedValue(decided(pending, 'in_progress'));
      api.approveRun.mockResolvedValue(
        makeRun({ status: 'in_progress', finishedAt: undefined }),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Approve this run?',
      });
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        'comment',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );

      expect(api.approveRun).toHaveBeenCalledWith('r-1', 'comment');
      expect(
        (await screen.findByText('You approved this run.')).closest(
          '[role="status"]',
        ),
      ).toHaveFocus();
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('In progress'),
      );
      expect(api.getRun).toHaveBeenCalledTimes(2);
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Approve' }),
      ).not.toBeInTheDocument();
    });

    it('approves without a comment', async () => {
      const api = mockSelfServiceApi();
      const pending = pendingDetails({
        permissions: { approve: { allowed: true }, withdraw: false },
      });
      api.getRun
        .mockResolvedValueOnce(pending)
        .mockResolvedValue(decided(pending, 'in_progress'));
      api.approveRun.mockResolvedValue(makeRun({ status: 'in_progress' }));
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = await screen.findByRole('dialog');
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );
      await waitFor(() =>
        expect(api.approveRun).toHaveBeenCalledWith('r-1', undefined),
      );
    });

    it('cancels a decision without calling the backend', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        pendingDetails({
          permissions: { approve: { allowed: true }, withdraw: false },
        }),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Reject this run?',
      });
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Cancel' }),
      );
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
      expect(api.rejectRun).not.toHaveBeenCalled();
    });

    it('rejects with a comment and shows the refreshed run', async () => {
      const api = mockSelfServiceApi();
      const pending = pendingDetails({
        permissions: { approve: { allowed: true }, withdraw: false },
      });
      api.getRun
        .mockResolvedValueOnce(pending)
        .mockResolvedValue(decided(pending, 'rejected'));
      api.rejectRun.mockResolvedValue(makeRun({ status: 'rejected' }));
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Reject this run?',
      });
      await userEvent.type(
        within(dialog).getByRole('textbox', { name: 'Comment' }),
        'Not now',
      );
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Reject' }),
      );

      expect(api.rejectRun).toHaveBeenCalledWith('r-1', 'Not now');
      expect(
        await screen.findByText('You rejected this run.'),
      ).toBeInTheDocument();
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('Rejected'),
      );
    });

    it('shows a conflict when the run was already decided, and refreshes', async () => {
      const api = mockSelfServiceApi();
      const pending = pendingDetails({
        permissions: { approve: { allowed: true }, withdraw: false },
      });
      api.getRun
        .mockResolvedValueOnce(pending)
        .mockResolvedValue(decided(pending, 'rejected'));
      api.approveRun.mockRejectedValue(
        await makeResponseError(
          409,
          'ConflictError',
          'Run r-1 is rejected; it was already decided',
        ),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Approve' }),
      );
      const dialog = await screen.findByRole('dialog');
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Approve' }),
      );

      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'Run r-1 is rejected; it was already decided',
      );
      // The page catches up with the decision someone else made.
      await waitFor(() => expect(api.getRun).toHaveBeenCalledTimes(2));
      await waitFor(() =>
        expect(
          within(dialog).getByRole('button', { name: 'Approve' }),
        ).toBeDisabled(),
      );
      expect(
        screen.queryByText('You approved this run.'),
      ).not.toBeInTheDocument();
    });

    it('shows a refusal of the backend', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        pendingDetails({
          permissions: { approve: { allowed: true }, withdraw: false },
        }),
      );
      api.rejectRun.mockRejectedValue(
        await makeResponseError(
          403,
          'NotAllowedError',
          'Only the approvers of this run can reject it',
        ),
      );
      await renderRunPage({ api });

      await userEvent.click(
        await screen.findByRole('button', { name: 'Reject' }),
      );
      const dialog = await screen.findByRole('dialog');
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Reject' }),
      );
      expect(await within(dialog).findByRole('alert')).toHaveTextContent(
        'Only the approvers of this run can reject it',
      );
    });

    it('explains why the viewer may not approve a pending run', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        pendingDetails({
          permissions: {
            approve: {
              allowed: false,
              reason: 'Only members of group:default/platform-team can approve',
            },
            withdraw: false,
          },
        }),
      );
      await renderRunPage({ api });

      expect(
        await screen.findByText(
          'Only members of group:default/platform-team can approve',
        ),
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
      expect(
        screen.queryByRole('button', { name: 'Withdraw request' }),
      ).not.toBeInTheDocument();
    });

    it('offers no actions on a run that waits for no one', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue(
        makeRunDetails({
          permissions: { approve: { allowed: false, reason: 'Not pending' } },
        }),
      );
      await renderRunPage({ api });

      await detailsTable();
      expect(
        screen.queryByRole('heading', { name: 'Waiting for approval' }),
      ).not.toBeInTheDocument();
      expect(screen.queryByText('Not pending')).not.toBeInTheDocument();
    });

    it('lets the requester withdraw a pending run', async () => {
      const api = mockSelfServiceApi();
      const pending = pendingDetails({
        permissions: {
          approve: {
            allowed: false,
            reason:
              'You requested this run, so another approver has to approve it',
          },
          withdraw: true,
        },
      });
      api.getRun
        .mockResolvedValueOnce(pending)
        .mockResolvedValue(decided(pending, 'canceled'));
      api.withdrawRun.mockResolvedValue(makeRun({ status: 'canceled' }));
      await renderRunPage({ api });

      expect(
        await screen.findByText(
          'You requested this run, so another approver has to approve it',
        ),
      ).toBeInTheDocument();
      await userEvent.click(
        screen.getByRole('button', { name: 'Withdraw request' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Withdraw this request?',
      });
      expect(
        within(dialog).queryByRole('textbox', { name: 'Comment' }),
      ).not.toBeInTheDocument();
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Withdraw request' }),
      );

      expect(api.withdrawRun).toHaveBeenCalledWith('r-1');
      expect(
        await screen.findByText('You withdrew this request.'),
      ).toBeInTheDocument();
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('Canceled'),
      );
    });
  });

  describe('live updates', () => {
    it('refetches when a signal for this run arrives, not for another run', async () => {
      const api = mockSelfServiceApi();
      const running = makeRunDetails({
        run: { status: 'in_progress', finishedAt: undefined },
        events: [
          makeRunEvent(
            1,
            'triggered',
            { revision: 1 },
            { actor: 'user:default/jane' },
          ),
        ],
      });
      api.getRun.mockResolvedValueOnce(running).mockResolvedValue({
        ...running,
        run: {
          ...running.run,
          status: 'success',
          finishedAt: '2026-01-02T10:00:30.000Z',
        },
        events: [
          ...running.events,
          makeRunEvent(2, 'status_changed', {
            from: 'in_progress',
            to: 'success',
          }),
        ],
      });
      const signals = fakeSignalApi();
      await renderRunPage({ api, signals });

      const table = await detailsTable();
      expect(valueOf(table, 'Status')).toHaveTextContent('In progress');
      expect(signals.subscriberCount(RUN_SIGNAL_CHANNEL)).toBe(1);

      act(() => {
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-2',
          status: 'success',
          updatedAt: '2026-01-02T10:00:30.000Z',
        });
      });
      await act(async () => {
        await new Promise(resolve => setTimeout(resolve, 50));
      });
      expect(api.getRun).toHaveBeenCalledTimes(1);

      act(() => {
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-1',
          status: 'success',
          updatedAt: '2026-01-02T10:00:30.000Z',
        });
      });
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('Succeeded'),
      );
      expect(api.getRun).toHaveBeenCalledTimes(2);
      const entries = await timelineEntries();
      expect(entries[1]).toHaveTextContent(
        'Status changed from In progress to Succeeded',
      );
      expect(
        valueOf(screen.getByRole('table', { name: 'Run details' }), 'Duration'),
      ).toHaveTextContent('30 seconds');
    });

    it("refetches when a signal for another run follows this run's before a render", async () => {
      const api = mockSelfServiceApi();
      const running = makeRunDetails({
        run: { status: 'in_progress', finishedAt: undefined },
      });
      api.getRun.mockResolvedValueOnce(running).mockResolvedValue({
        ...running,
        run: {
          ...running.run,
          status: 'success',
          finishedAt: '2026-01-02T10:00:30.000Z',
        },
      });
      const signals = fakeSignalApi();
      await renderRunPage({ api, signals });

      const table = await detailsTable();
      expect(valueOf(table, 'Status')).toHaveTextContent('In progress');

      // Both arrive before React renders: the second must not be lost.
      act(() => {
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-1',
          status: 'success',
          updatedAt: '2026-01-02T10:00:30.000Z',
        });
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-2',
          status: 'in_progress',
          updatedAt: '2026-01-02T10:00:31.000Z',
        });
      });
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('Succeeded'),
      );
      expect(api.getRun).toHaveBeenCalledTimes(2);
    });

    it('refetches for each signal of this run, however many others come in between', async () => {
      const api = mockSelfServiceApi();
      const running = makeRunDetails({
        run: { status: 'in_progress', finishedAt: undefined },
      });
      api.getRun.mockResolvedValueOnce(running).mockResolvedValue({
        ...running,
        run: {
          ...running.run,
          status: 'success',
          finishedAt: '2026-01-02T10:00:30.000Z',
        },
      });
      const signals = fakeSignalApi();
      await renderRunPage({ api, signals });
      await detailsTable();

      act(() => {
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-2',
          status: 'success',
          updatedAt: '2026-01-02T10:00:30.000Z',
        });
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-1',
          status: 'success',
          updatedAt: '2026-01-02T10:00:30.000Z',
        });
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId: 'r-3',
          status: 'failed',
          updatedAt: '2026-01-02T10:00:31.000Z',
        });
      });
      await waitFor(() =>
        expect(
          valueOf(screen.getByRole('table', { name: 'Run details' }), 'Status'),
        ).toHaveTextContent('Succeeded'),
      );
      expect(api.getRun).toHaveBeenCalledTimes(2);
    });

    describe('with signals', () => {
      beforeEach(() => {
        jest.useFakeTimers();
      });
      afterEach(() => {
        jest.useRealTimers();
      });

      it('polls at the pace of pages without signals until a signal arrives, since the connection may not be up yet', async () => {
        const api = mockSelfServiceApi();
        const running = makeRunDetails({
          run: { status: 'in_progress', finishedAt: undefined },
        });
        api.getRun.mockResolvedValue(running);
        await renderRunPage({ api, signals: fakeSignalApi() });
        await detailsTable();
        expect(api.getRun).toHaveBeenCalledTimes(1);

        await act(async () => {
          jest.advanceTimersByTime(RUN_POLL_INTERVAL_MS);
        });
        expect(api.getRun).toHaveBeenCalledTimes(2);
      });

      it('once signals arrive, still polls slowly while the run is unfinished, in case signals are lost', async () => {
        const api = mockSelfServiceApi();
        const running = makeRunDetails({
          run: { status: 'in_progress', finishedAt: undefined },
        });
        api.getRun.mockResolvedValueOnce(running).mockResolvedValue({
          ...running,
          run: {
            ...running.run,
            status: 'success',
            finishedAt: '2026-01-02T10:00:30.000Z',
          },
        });
        const signals = fakeSignalApi();
        await renderRunPage({ api, signals });

        const table = await detailsTable();
        expect(valueOf(table, 'Status')).toHaveTextContent('In progress');
        expect(api.getRun).toHaveBeenCalledTimes(1);
        // A signal of another run: the connection is up.
        act(() => {
          signals.publish(RUN_SIGNAL_CHANNEL, {
            runId: 'r-other',
            status: 'success',
            updatedAt: '2026-01-02T10:00:01.000Z',
          });
        });

        // Not at the fast pace of pages without signals.
        await act(async () => {
          jest.advanceTimersByTime(RUN_POLL_INTERVAL_MS);
        });
        expect(api.getRun).toHaveBeenCalledTimes(1);

        await act(async () => {
          jest.advanceTimersByTime(
            RUN_SIGNAL_POLL_INTERVAL_MS - RUN_POLL_INTERVAL_MS,
          );
        });
        await waitFor(() =>
          expect(
            valueOf(
              screen.getByRole('table', { name: 'Run details' }),
              'Status',
            ),
          ).toHaveTextContent('Succeeded'),
        );
        expect(api.getRun).toHaveBeenCalledTimes(2);

        await act(async () => {
          jest.advanceTimersByTime(RUN_SIGNAL_POLL_INTERVAL_MS * 2);
        });
        expect(api.getRun).toHaveBeenCalledTimes(2);
      });
    });

    describe('without signals', () => {
      beforeEach(() => {
        jest.useFakeTimers();
      });
      afterEach(() => {
        jest.useRealTimers();
      });

      it('polls while the run is unfinished, and stops once it is', async () => {
        const api = mockSelfServiceApi();
        const running = makeRunDetails({
          run: { status: 'in_progress', finishedAt: undefined },
        });
        api.getRun
          .mockResolvedValueOnce(running)
          .mockResolvedValueOnce(running)
          .mockResolvedValue({
            ...running,
            run: {
              ...running.run,
              status: 'failed',
              finishedAt: '2026-01-02T10:00:30.000Z',
            },
          });
        await renderRunPage({ api, signals: null });

        const table = await detailsTable();
        expect(valueOf(table, 'Status')).toHaveTextContent('In progress');
        expect(api.getRun).toHaveBeenCalledTimes(1);

        await act(async () => {
          jest.advanceTimersByTime(RUN_POLL_INTERVAL_MS);
        });
        await waitFor(() => expect(api.getRun).toHaveBeenCalledTimes(2));

        await act(async () => {
          jest.advanceTimersByTime(RUN_POLL_INTERVAL_MS);
        });
        await waitFor(() =>
          expect(
            valueOf(
              screen.getByRole('table', { name: 'Run details' }),
              'Status',
            ),
          ).toHaveTextContent('Failed'),
        );
        expect(api.getRun).toHaveBeenCalledTimes(3);

        await act(async () => {
          jest.advanceTimersByTime(RUN_POLL_INTERVAL_MS * 3);
        });
        expect(api.getRun).toHaveBeenCalledTimes(3);
      });
    });
  });
});

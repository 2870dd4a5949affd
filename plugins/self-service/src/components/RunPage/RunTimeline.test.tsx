import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { makeRunEvent } from '../../testUtils/runFixtures';
import { RunTimeline } from './RunTimeline';

// Built, so that linters do not take it for a script URL in the source.
const JS = ['javascript', 'alert(1)'].join(':');

async function renderTimeline(
  events: Parameters<typeof RunTimeline>[0]['events'],
  steps?: Parameters<typeof RunTimeline>[0]['steps'],
) {
  await renderInTestApp(
    <>
      <h2 id="timeline-heading">Timeline</h2>
      <RunTimeline
        events={events}
        labelledBy="timeline-heading"
        steps={steps}
      />
    </>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  const timeline = screen.getByRole('list', { name: 'Timeline' });
  return within(timeline).getAllByRole('listitem');
}

const WEBHOOK_ID = 'msg_2f1e6c0d9a8b4c7e';

/** The `request_sent` event of one attempt of run r-1's delivery. */
function attemptEvent(
  sequence: number,
  position: { attempt: number; maxAttempts: number; nextAttemptAt?: string },
  answer: { status: number; statusText: string } | 'interrupted',
) {
  if (answer === 'interrupted') {
    return makeRunEvent(sequence, 'request_sent', {
      ...position,
      webhookId: WEBHOOK_ID,
      outcome: 'unknown',
      error: {
        kind: 'interrupted',
        message:
          'The replica sending this attempt stopped before it recorded what the receiver answered: the outcome is unknown',
      },
    });
  }
  return makeRunEvent(sequence, 'request_sent', {
    ...position,
    webhookId: WEBHOOK_ID,
    startedAt: '2026-01-02T10:00:01.000Z',
    durationMs: 42,
    outcome: answer.status < 300 ? 'success' : 'failure',
    request: {
      method: 'POST',
      url: 'https://ci.example.com/run',
      headers: { 'webhook-id': WEBHOOK_ID, 'webhook-signature': '[REDACTED]' },
      body: '{"service":"payments"}',
    },
    response: { ...answer, headers: {}, body: '', bodyTruncated: false },
  });
}

/** The tone of an entry, which the class of its dot carries. */
function dotOf(entry: HTMLElement) {
  return entry.querySelector('.MuiTimelineDot-root')!;
}

describe('RunTimeline', () => {
  beforeEach(() => {
    // React reports the error an event's boundary caught to the console.
    jest.spyOn(console, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('shows a note in place of an event it cannot render, and every other event', async () => {
    const entries = await renderTimeline([
      makeRunEvent(1, 'triggered', {}, { actor: 'user:default/jane' }),
      // Not an entity reference: the catalog's link to it throws.
      makeRunEvent(2, 'approval_requested', { approvers: ['group:'] }),
      makeRunEvent(3, 'message', { markdown: 'Deployed **payments**' }),
      makeRunEvent(4, 'status_changed', { from: 'in_progress', to: 'success' }),
    ]);

    expect(entries).toHaveLength(4);
    expect(entries[0]).toHaveTextContent('Triggered workflow run by');
    expect(entries[1]).toHaveTextContent('This event could not be shown.');
    expect(entries[1]).not.toHaveTextContent('Approval requested');
    expect(entries[2]).toHaveTextContent('Deployed payments');
    expect(entries[3]).toHaveTextContent(
      'Status changed from In progress to Succeeded',
    );
  });

  it('shows hostile messages and links without breaking', async () => {
    const entries = await renderTimeline([
      makeRunEvent(1, 'message', { markdown: `[Run me](${JS})` }),
      makeRunEvent(2, 'message', {
        markdown: '![img](https://203.0.113.5/t.png)',
      }),
      makeRunEvent(3, 'link', { label: 'Open', url: ` ${JS}` }),
      makeRunEvent(4, 'link', {
        label: 'Pipeline',
        url: 'https://ci.example.com/1',
      }),
      makeRunEvent(5, 'status_changed', {
        from: 'in_progress',
        to: 'failed',
        message: `[x](${JS}) <img src=x onerror=alert(1)>`,
      }),
    ]);

    expect(entries).toHaveLength(5);
    expect(screen.queryByText('This event could not be shown.')).toBeNull();
    expect(entries[0]).toHaveTextContent('Run me');
    expect(within(entries[0]).queryByRole('link')).toBeNull();
    expect(
      within(entries[1]).getByRole('link', { name: /Image: img/ }),
    ).toHaveAttribute('href', 'https://203.0.113.5/t.png');
    expect(entries[2]).toHaveTextContent(`Link: Open ( ${JS})`);
    expect(within(entries[2]).queryByRole('link')).toBeNull();
    const pipeline = within(entries[3]).getByRole('link', { name: /Pipeline/ });
    expect(pipeline).toHaveAttribute('href', 'https://ci.example.com/1');
    expect(pipeline).toHaveAttribute('rel', 'noopener noreferrer');
    expect(entries[4]).toHaveTextContent(
      `[x](${JS}) <img src=x onerror=alert(1)>`,
    );
    expect(document.querySelector('img')).toBeNull();
  });

  describe('attempts of a delivery', () => {
    it('reads as before for the only attempt of a delivery', async () => {
      const [entry] = await renderTimeline([
        attemptEvent(
          1,
          { attempt: 1, maxAttempts: 1 },
          { status: 200, statusText: 'OK' },
        ),
      ]);

      expect(entry).toHaveTextContent(
        /^Sent HTTP request POST https:\/\/ci\.example\.com\/run — 200 OK in 42 ms/,
      );
      expect(entry).not.toHaveTextContent('Attempt');
      expect(entry).not.toHaveTextContent('Next attempt');
    });

    it('shows attempt n of m, the outcome, and when the next attempt goes', async () => {
      const inFiveMinutes = new Date(Date.now() + 5 * 60_000).toISOString();
      const entries = await renderTimeline([
        attemptEvent(
          1,
          { attempt: 1, maxAttempts: 3, nextAttemptAt: inFiveMinutes },
          { status: 503, statusText: 'Service Unavailable' },
        ),
      ]);

      expect(entries[0]).toHaveTextContent(
        'Attempt 1 of 3: sent HTTP request POST https://ci.example.com/run — 503 Service Unavailable in 42 ms',
      );
      expect(entries[0]).toHaveTextContent('Next attempt in 5 minutes');
      expect(
        within(entries[0])
          .getByText(/Next attempt/)
          .closest('time'),
      ).toHaveAttribute('dateTime', inFiveMinutes);
      expect(dotOf(entries[0]).className).toMatch(/error/);
    });

    it('shows an interrupted attempt as of unknown outcome, in warning, without a request', async () => {
      const entries = await renderTimeline([
        attemptEvent(1, { attempt: 1, maxAttempts: 2 }, 'interrupted'),
        attemptEvent(
          2,
          { attempt: 2, maxAttempts: 2 },
          { status: 200, statusText: 'OK' },
        ),
      ]);

      expect(entries[0]).toHaveTextContent(
        /^Attempt 1 of 2: outcome unknown — the replica sending it stopped before recording the answer/,
      );
      expect(dotOf(entries[0]).className).toMatch(/warning/);
      expect(within(entries[0]).queryByRole('button')).toBeNull();
      expect(entries[1]).toHaveTextContent(
        /^Attempt 2 of 2: sent HTTP request POST https:\/\/ci\.example\.com\/run — 200 OK in 42 ms/,
      );
      expect(dotOf(entries[1]).className).not.toMatch(/warning|error/);
      expect(
        within(entries[1]).getByRole('button', { name: 'View' }),
      ).toBeInTheDocument();
    });

    it("names the attempt and the delivery's webhook-id in the request dialog", async () => {
      const entries = await renderTimeline([
        attemptEvent(
          1,
          { attempt: 2, maxAttempts: 2 },
          { status: 200, statusText: 'OK' },
        ),
      ]);

      await userEvent.click(
        within(entries[0]).getByRole('button', { name: 'View' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'HTTP request',
      });
      const summary = within(dialog).getByRole('table', { name: 'Summary' });
      const row = (name: string) =>
        within(summary).getByRole('rowheader', { name }).closest('tr')!;
      expect(row('Attempt')).toHaveTextContent('2 of 2');
      expect(row('webhook-id')).toHaveTextContent(WEBHOOK_ID);
      expect(row('Outcome')).toHaveTextContent('Succeeded');
      await waitFor(() =>
        expect(dialog).toHaveTextContent('"service": "payments"'),
      );
    });
  });

  describe('in a run of steps', () => {
    it('heads each event of a step with the name of that step, and leaves run events unheaded', async () => {
      const entries = await renderTimeline(
        [
          makeRunEvent(1, 'triggered'),
          makeRunEvent(
            2,
            'message',
            { markdown: 'VPC ready' },
            { stepId: 'network' },
          ),
          makeRunEvent(
            3,
            'message',
            { markdown: 'Nodes joining' },
            { stepId: 'cluster' },
          ),
          // A step no longer in the workflow still says which one it was.
          makeRunEvent(4, 'message', { markdown: 'Old' }, { stepId: 'legacy' }),
        ],
        [
          {
            id: 'network',
            name: 'Create the network',
            dependsOn: [],
            kind: 'wait',
            seconds: 1,
          },
          {
            id: 'cluster',
            name: 'Create the cluster',
            dependsOn: ['network'],
            kind: 'wait',
            seconds: 1,
          },
        ],
      );
      expect(entries[0]).not.toHaveTextContent(/Step:/);
      expect(entries[1]).toHaveTextContent(/^Step: Create the network/);
      expect(entries[1]).toHaveTextContent('VPC ready');
      expect(entries[2]).toHaveTextContent(/^Step: Create the cluster/);
      expect(entries[3]).toHaveTextContent(/^Step: legacy/);
    });
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import { RunExpiryPermission, RunPageDetails } from '../../api';
import { makeRun } from '../../testUtils/fixtures';
import { backstageErrorResponse } from '../../testUtils/mswBackend';
import { makeRunDetails, makeRunEvent } from '../../testUtils/runFixtures';
import {
  onRunAction,
  renderRunPageAgainstMsw,
  serveRun,
  timelineEntries,
} from './__testUtils__/runPageMsw';
import { formatAbsoluteTime } from './format';

/*
 * Runs that expire and write to the catalog (issue 11) on the run page,
 * with the real SelfServiceClient; msw stands in for the backend.
 */

const MINUTE = 60_000;
const NOT_ALLOWED =
  "Only the run's requester, the owners of its entity and those allowed to update runs can extend or tear down this run";

/** An ISO time `ms` from now. */
function fromNow(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

/**
 * Run r-1, a success that expires in 1 hour 20 minutes (and a few seconds,
 * so the minutes do not round down while the test runs), and may be
 * extended until two days from now.
 */
function expiringDetails(
  expiry: RunExpiryPermission = { allowed: true },
): RunPageDetails {
  return makeRunDetails({
    run: {
      status: 'success',
      expiresAt: fromNow(80 * MINUTE + 20_000),
    },
    workflow: {
      lifecycle: {
        ttl: { default: 'PT2H', max: 'P2D' },
        teardown: { workflow: 'teardown-preview' },
      },
    },
    permissions: {
      expiry: { latestExpiresAt: fromNow(48 * 60 * MINUTE), ...expiry },
    },
  });
}

/** The expiry card of the page; found also while a dialog is open. */
function expiryCard() {
  return screen.findByRole('region', { name: 'Expiry', hidden: true });
}

describe('RunPage of a run that expires, against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  async function openDialog(button: string, title: string) {
    await userEvent.click(await screen.findByRole('button', { name: button }));
    return screen.findByRole('dialog', { name: title });
  }

  it('tells when the run expires and how late it may be extended to', async () => {
    const details = expiringDetails();
    serveRun(server, details);
    await renderRunPageAgainstMsw();

    const card = await expiryCard();
    expect(card).toHaveTextContent(
      `Expires in 1 hour 20 minutes (at ${formatAbsoluteTime(
        details.run.expiresAt!,
      )})`,
    );
    expect(card).toHaveTextContent(
      `It can be extended until ${formatAbsoluteTime(
        details.permissions.expiry!.latestExpiresAt!,
      )} at the latest.`,
    );
    expect(within(card).getByRole('button', { name: 'Extend' })).toBeEnabled();
    expect(
      within(card).getByRole('button', { name: 'Tear down now' }),
    ).toBeEnabled();
  });

  it('extends by the duration picked, then shows the new expiry', async () => {
    const state = serveRun(server, expiringDetails());
    const newExpiry = fromNow(80 * MINUTE + 20_000 + 24 * 60 * MINUTE);
    const posted = onRunAction(server, 'extend', () => {
      state.set({
        ...state.current,
        run: { ...state.current.run, expiresAt: newExpiry },
        events: [
          ...state.current.events,
          makeRunEvent(
            4,
            'expiry_extended',
            { by: 'P1D', from: state.current.run.expiresAt, to: newExpiry },
            { actor: 'user:default/jane' },
          ),
        ],
      });
      return HttpResponse.json(state.current.run);
    });
    await renderRunPageAgainstMsw();

    const dialog = await openDialog('Extend', 'Extend this run?');
    expect(dialog).toHaveTextContent(
      `It can be extended until ${formatAbsoluteTime(
        state.current.permissions.expiry!.latestExpiresAt!,
      )} at the latest.`,
    );
    await userEvent.click(within(dialog).getByRole('radio', { name: '1 day' }));
    expect(posted).toHaveLength(0);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Extend' }),
    );

    expect(
      await screen.findByText('You extended this run by 1 day.'),
    ).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      method: 'POST',
      path: '/api/self-service/runs/r-1/extend',
      contentType: 'application/json',
      body: { by: 'P1D' },
    });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    // The page shows the run as the backend has it now.
    await waitFor(async () =>
      expect(await expiryCard()).toHaveTextContent(
        `Expires in 1 day 1 hour (at ${formatAbsoluteTime(newExpiry)})`,
      ),
    );
    const entries = await timelineEntries();
    expect(entries[3]).toHaveTextContent(
      `Expiry extended by 1 day, to ${formatAbsoluteTime(newExpiry)}`,
    );
  });

  it('checks a typed duration, and shows the backend’s 400 in the dialog', async () => {
    serveRun(server, expiringDetails());
    const message =
      'by: extending by P3D would keep the run past the most its workflow allows (P2D after it ended, until 2026-01-04T10:01:00.000Z)';
    const posted = onRunAction(server, 'extend', () =>
      backstageErrorResponse(400, 'InputError', message),
    );
    await renderRunPageAgainstMsw();

    const dialog = await openDialog('Extend', 'Extend this run?');
    await userEvent.click(
      within(dialog).getByRole('radio', { name: 'Another duration' }),
    );
    const field = within(dialog).getByRole('textbox', { name: /Duration/ });
    await userEvent.type(field, 'three days');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Extend' }),
    );

    expect(field).toBeInvalid();
    expect(dialog).toHaveTextContent(
      'Not an ISO 8601 duration longer than zero, like PT2H or P3D',
    );
    expect(posted).toHaveLength(0);

    await userEvent.clear(field);
    await userEvent.type(field, 'P3D');
    expect(dialog).toHaveTextContent('3 days');
    expect(dialog).toHaveTextContent('later than the latest allowed');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Extend' }),
    );

    expect(await within(dialog).findByText(message)).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect(posted[0].body).toEqual({ by: 'P3D' });
    // The dialog stays open for another try.
    expect(
      within(dialog).getByRole('button', { name: 'Extend' }),
    ).toBeEnabled();
  });

  it('disables Extend and Tear down with the reason when the viewer may not', async () => {
    serveRun(server, expiringDetails({ allowed: false, reason: NOT_ALLOWED }));
    await renderRunPageAgainstMsw();

    const card = await expiryCard();
    const extend = within(card).getByRole('button', { name: 'Extend' });
    const tearDown = within(card).getByRole('button', {
      name: 'Tear down now',
    });
    expect(extend).toBeDisabled();
    expect(tearDown).toBeDisabled();
    expect(extend).toHaveAccessibleDescription(NOT_ALLOWED);
    expect(tearDown).toHaveAccessibleDescription(NOT_ALLOWED);
    expect(within(card).getByText(NOT_ALLOWED)).toBeVisible();
  });

  it('tears down after confirmation, then links the teardown run', async () => {
    const state = serveRun(server, expiringDetails());
    const posted = onRunAction(server, 'teardown', () => {
      state.set({
        ...state.current,
        run: { ...state.current.run, teardownRunId: 'r-2' },
        permissions: {
          ...state.current.permissions,
          expiry: { allowed: false, reason: 'The run is being torn down' },
        },
        events: [
          ...state.current.events,
          makeRunEvent(
            4,
            'teardown_triggered',
            { teardownRunId: 'r-2', workflow: 'teardown-preview' },
            { actor: 'user:default/jane' },
          ),
        ],
      });
      return HttpResponse.json(
        makeRun({ id: 'r-2', status: 'in_progress', tearsDownRunId: 'r-1' }),
        { status: 201 },
      );
    });
    await renderRunPageAgainstMsw();

    const dialog = await openDialog('Tear down now', 'Tear down this run now?');
    expect(dialog).toHaveTextContent(
      'This starts the teardown workflow teardown-preview now',
    );
    expect(posted).toHaveLength(0);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Tear down' }),
    );

    const card = await expiryCard();
    await waitFor(() => expect(card).toHaveTextContent('Torn down by run r-2'));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      method: 'POST',
      path: '/api/self-service/runs/r-1/teardown',
      body: undefined,
    });
    for (const link of within(card).getAllByRole('link', { name: 'r-2' })) {
      expect(link).toHaveAttribute('href', '/self-service/runs/r-2');
    }
    expect(
      within(card).queryByRole('button', { name: 'Extend' }),
    ).not.toBeInTheDocument();
    const entries = await timelineEntries();
    expect(entries[3]).toHaveTextContent(
      /^Teardown triggered by jane: run r-2/,
    );
  });

  it('shows a 409 in the teardown dialog', async () => {
    serveRun(server, expiringDetails());
    onRunAction(server, 'teardown', () =>
      backstageErrorResponse(
        409,
        'ConflictError',
        'Run r-1 is already torn down by run r-3',
      ),
    );
    await renderRunPageAgainstMsw();

    const dialog = await openDialog('Tear down now', 'Tear down this run now?');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Tear down' }),
    );

    expect(
      await within(dialog).findByText(
        'This run cannot be torn down now: Run r-1 is already torn down by run r-3',
      ),
    ).toBeInTheDocument();
  });

  it('links a teardown run to the run it tears down', async () => {
    serveRun(
      server,
      makeRunDetails({
        run: { id: 'r-1', status: 'in_progress', tearsDownRunId: 'r-0' },
      }),
    );
    await renderRunPageAgainstMsw();

    const card = await screen.findByRole('region', { name: 'Teardown' });
    expect(card).toHaveTextContent('Tears down run r-0');
    expect(within(card).getByRole('link', { name: 'r-0' })).toHaveAttribute(
      'href',
      '/self-service/runs/r-0',
    );
  });

  it('shows no expiry for a run that does not expire', async () => {
    serveRun(server, makeRunDetails());
    await renderRunPageAgainstMsw();

    await screen.findByRole('heading', { name: 'Details' });
    expect(
      screen.queryByRole('heading', { name: 'Expiry' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Extend' }),
    ).not.toBeInTheDocument();
  });

  it('tells the two new timeline events, a teardown by expiry linking its run', async () => {
    const to = '2026-01-03T12:00:00.000Z';
    serveRun(
      server,
      makeRunDetails({
        run: { teardownRunId: 'r-9', expiresAt: to },
        events: [
          makeRunEvent(
            1,
            'expiry_extended',
            { by: 'P1D', from: '2026-01-02T12:00:00.000Z', to },
            { actor: 'user:default/jane' },
          ),
          makeRunEvent(
            2,
            'teardown_triggered',
            { teardownRunId: 'r-9', workflow: 'teardown-preview' },
            { actor: 'self-service:expiry' },
          ),
        ],
      }),
    );
    await renderRunPageAgainstMsw();

    const entries = await timelineEntries();
    expect(entries[0]).toHaveTextContent(
      `Expiry extended by 1 day, to ${formatAbsoluteTime(to)}`,
    );
    expect(entries[0]).toHaveTextContent('by jane');
    expect(entries[1]).toHaveTextContent(
      /^Teardown triggered by expiry: run r-9/,
    );
    expect(
      within(entries[1]).getByRole('link', { name: 'r-9' }),
    ).toHaveAttribute('href', '/self-service/runs/r-9');
    // The system did it: no user is named.
    expect(entries[1]).not.toHaveTextContent('self-service');
  });

  describe('entities', () => {
    it('lists what the run did to catalog entities, linking each', async () => {
      const state = serveRun(server, makeRunDetails());
      state.entities = [
        {
          runId: 'r-1',
          entityRef: 'resource:default/preview-42',
          action: 'created',
          at: '2026-01-02T10:00:30.000Z',
        },
        {
          runId: 'r-1',
          entityRef: 'component:default/preview-42-web',
          action: 'updated',
          at: '2026-01-02T10:00:40.000Z',
        },
        {
          runId: 'r-1',
          entityRef: 'resource:default/preview-41',
          action: 'removed',
          at: '2026-01-02T10:00:50.000Z',
        },
      ];
      await renderRunPageAgainstMsw();

      const table = await screen.findByRole('table', { name: 'Entities' });
      const rows = within(table).getAllByRole('row').slice(1);
      expect(rows).toHaveLength(3);
      expect(rows[0]).toHaveTextContent(/preview-42\s*Created/);
      expect(rows[1]).toHaveTextContent(/preview-42-web\s*Updated/);
      expect(rows[2]).toHaveTextContent(/preview-41\s*Removed/);
      expect(
        within(rows[0]).getByRole('link', { name: /preview-42/ }),
      ).toHaveAttribute('href', '/catalog/default/resource/preview-42');
      expect(
        within(rows[1]).getByRole('link', { name: /preview-42-web/ }),
      ).toHaveAttribute('href', '/catalog/default/component/preview-42-web');
    });

    it('shows no entities section for a run that touched none', async () => {
      serveRun(server, makeRunDetails());
      await renderRunPageAgainstMsw();

      await screen.findByRole('heading', { name: 'Details' });
      // Give the entities request time to answer.
      await new Promise(resolve => setTimeout(resolve, 50));
      expect(
        screen.queryByRole('heading', { name: 'Entities' }),
      ).not.toBeInTheDocument();
    });
  });
});

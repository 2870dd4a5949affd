import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeRun,
  makeWorkflow,
  makeWorkflowPage,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { makeEntity } from '../../testUtils/workflowFixtures';
import { makeResponseError } from '../../testUtils/fixtures';
import { FakeSignalApi, fakeSignalApi } from '../../testUtils/runFixtures';
import { RUN_SIGNAL_CHANNEL } from '../Runs';
import { PENDING_COUNT_REFRESH_MS, SelfServicePage } from './SelfServicePage';

const mountedRoutes = {
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

const workflows = [
  makeWorkflow({
    id: 'w-1',
    identifier: 'rotate-credentials',
    name: 'Rotate database credentials',
    description: 'Issues new credentials and revokes the old ones.',
    scope: { type: 'entity', kinds: ['Resource', 'Component'] },
    access: { type: 'approval', approvers: ['group:default/dba'] },
    runnable: { allowed: true },
  }),
  makeWorkflow({
    id: 'w-2',
    identifier: 'request-sandbox',
    name: 'Request a sandbox',
    description: undefined,
    scope: { type: 'global' },
    access: { type: 'everyone' },
    capabilities: { run: { allowed: true }, edit: true, delete: true },
  }),
  makeWorkflow({
    id: 'w-3',
    identifier: 'freeze-deploys',
    name: 'Freeze deployments',
    description: 'Stops every pipeline from deploying to production.',
    scope: { type: 'global' },
    access: { type: 'selected' },
    runnable: {
      allowed: false,
      reason: 'Only selected teams and users can run this workflow.',
    },
  }),
];

describe('SelfServicePage', () => {
  function renderPage(
    options: {
      api?: ReturnType<typeof mockSelfServiceApi>;
      routeEntries?: string[];
      signals?: FakeSignalApi;
    } = {},
  ) {
    const api = options.api ?? mockSelfServiceApi();
    const signals: any[] = options.signals
      ? [[signalApiRef, options.signals]]
      : [];
    return renderInTestApp(
      <TestApiProvider
        apis={[
          ...signals,
          [selfServiceApiRef, api],
          // Everything is allowed here. usePermission caches decisions for
          // the whole test file, so denials are tested in their own file.
          [permissionApiRef, mockApis.permission()],
          [
            catalogApiRef,
            catalogApiMock({
              entities: [makeEntity('Component', 'payments')],
            }),
          ],
          [
            identityApiRef,
            mockApis.identity({ userEntityRef: 'user:default/jane' }),
          ],
        ]}
      >
        <SelfServicePage />
      </TestApiProvider>,
      { mountedRoutes, routeEntries: options.routeEntries },
    );
  }

  it('shows the empty state when there are no workflows', async () => {
    const api = mockSelfServiceApi();
    await renderPage({ api });

    expect(
      await screen.findByRole('heading', { name: 'Self-Service' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Workflows' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(await screen.findByText('No workflows yet')).toBeInTheDocument();
    expect(
      screen.getByText(/Platform teams publish workflows through the/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('textbox', { name: 'Search workflows' }),
    ).not.toBeInTheDocument();
    expect(api.listWorkflows).toHaveBeenCalledWith({ limit: 24 });
  });

  it('lists workflows with their scope, approval mark and run buttons', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(makeWorkflowPage(workflows));
    await renderPage({ api });

    const rotate = await screen.findByRole('article', {
      name: 'Rotate database credentials',
    });
    expect(
      within(rotate).getByText(
        'Issues new credentials and revokes the old ones.',
      ),
    ).toBeInTheDocument();
    expect(
      within(rotate).getByText('Entity: Resource, Component'),
    ).toBeInTheDocument();
    expect(within(rotate).getByText('Approval required')).toBeInTheDocument();
    expect(
      within(rotate).getByRole('button', { name: /^Request run/ }),
    ).toBeEnabled();

    const sandbox = screen.getByRole('article', { name: 'Request a sandbox' });
    expect(within(sandbox).getByText('Global')).toBeInTheDocument();
    expect(
      within(sandbox).queryByText('Approval required'),
    ).not.toBeInTheDocument();
    expect(within(sandbox).getByRole('button', { name: /^Run/ })).toBeEnabled();

    const freeze = screen.getByRole('article', { name: 'Freeze deployments' });
    const run = within(freeze).getByRole('button', { name: /^Run/ });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription(
      'Only selected teams and users can run this workflow.',
    );
    expect(
      within(freeze).getByText(
        'Only selected teams and users can run this workflow.',
      ),
    ).toBeVisible();
    expect(run.parentElement).toHaveAttribute(
      'title',
      'Only selected teams and users can run this workflow.',
    );
  });

  it('opens the run dialog of a workflow, with an entity field for entity workflows', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(makeWorkflowPage(workflows));
    await renderPage({ api });

    const rotate = await screen.findByRole('article', {
      name: 'Rotate database credentials',
    });
    await userEvent.click(
      within(rotate).getByRole('button', { name: /^Request run/ }),
    );

    const dialog = await screen.findByRole('dialog', {
      name: 'Rotate database credentials',
    });
    expect(
      within(dialog).getByRole('textbox', { name: /Entity/ }),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('links to the editor for those allowed to create and edit workflows', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(makeWorkflowPage(workflows));
    await renderPage({ api });

    expect(
      await screen.findByRole('button', { name: 'New workflow' }),
    ).toHaveAttribute('href', '/self-service/workflows/new');
    const sandbox = screen.getByRole('article', { name: 'Request a sandbox' });
    expect(
      within(sandbox).getByRole('button', { name: /^Edit/ }),
    ).toHaveAttribute('href', '/self-service/workflows/request-sandbox/edit');
    // Edit comes with the capabilities of each workflow.
    const rotate = screen.getByRole('article', {
      name: 'Rotate database credentials',
    });
    expect(
      within(rotate).queryByRole('button', { name: /^Edit/ }),
    ).not.toBeInTheDocument();
  });

  it('shows an error when workflows cannot be loaded', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockRejectedValue(new Error('Backend is down'));
    await renderPage({ api });

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getByText('Backend is down')).toBeInTheDocument();
    expect(screen.queryByText('No workflows yet')).not.toBeInTheDocument();
  });

  it('shows the message of a backend error', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockRejectedValue(
      await makeResponseError(403, 'NotAllowedError', 'Not for you'),
    );
    await renderPage({ api });

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getByText('Not for you')).toBeInTheDocument();
  });

  it('lists my runs with links to their pages and loads the next page on demand', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockImplementation(async options => {
      if (!options?.mine) {
        return { items: [] };
      }
      if (!options.cursor) {
        return {
          items: [
            makeRun({
              id: 'r-1',
              workflowName: 'Restart service',
              status: 'pending_approval',
            }),
          ],
          nextCursor: 'page-2',
        };
      }
      return {
        items: [
          makeRun({
            id: 'r-2',
            workflowName: 'Request a sandbox',
            entityRef: undefined,
            status: 'failed',
          }),
        ],
      };
    });
    await renderPage({ api });

    await userEvent.click(screen.getByRole('tab', { name: 'My runs' }));

    const table = await screen.findByRole('table', { name: 'My runs' });
    expect(
      within(table).getByRole('link', { name: 'Restart service' }),
    ).toHaveAttribute('href', '/self-service/runs/r-1');
    expect(within(table).getByText('Pending approval')).toBeInTheDocument();
    expect(within(table).getByText('payments')).toBeInTheDocument();
    expect(
      within(table).queryByRole('columnheader', { name: 'Requested by' }),
    ).not.toBeInTheDocument();

    // Operable from the keyboard: focus the button and press Enter.
    act(() => screen.getByRole('button', { name: 'Load more runs' }).focus());
    await userEvent.keyboard('{Enter}');

    expect(
      await within(table).findByText('Request a sandbox'),
    ).toBeInTheDocument();
    expect(within(table).getByText('Failed')).toBeInTheDocument();
    expect(within(table).getByText('None')).toBeInTheDocument();
    expect(api.listRuns).toHaveBeenLastCalledWith(
      expect.objectContaining({ mine: true, cursor: 'page-2' }),
    );
    expect(
      screen.queryByRole('button', { name: 'Load more runs' }),
    ).not.toBeInTheDocument();
    expect(screen.getByText('Showing 2 runs.')).toHaveFocus();
  });

  it('says so when I have no runs', async () => {
    await renderPage({ routeEntries: ['/?tab=mine'] });

    expect(screen.getByRole('tab', { name: 'My runs' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(
      await screen.findByText('You have not run any workflows yet.'),
    ).toBeInTheDocument();
  });

  it('shows an error when my runs cannot be loaded', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockRejectedValue(new Error('Runs are unavailable'));
    await renderPage({ api, routeEntries: ['/?tab=mine'] });

    expect(await screen.findByText(/Could not load runs/)).toBeInTheDocument();
    expect(screen.getByText('Runs are unavailable')).toBeInTheDocument();
  });

  it('counts and lists the runs pending my approval', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockImplementation(async options =>
      options?.approvable
        ? {
            items: [
              makeRun({
                id: 'r-8',
                workflowName: 'Rotate database credentials',
                requestedBy: 'user:default/grace',
                status: 'pending_approval',
              }),
              makeRun({
                id: 'r-9',
                workflowName: 'Rotate database credentials',
                requestedBy: 'user:default/alan',
                status: 'pending_approval',
              }),
            ],
          }
        : { items: [] },
    );
    await renderPage({ api });

    const tab = await screen.findByRole('tab', {
      name: 'Pending my approval 2',
    });
    await userEvent.click(tab);

    const table = await screen.findByRole('table', {
      name: 'Pending my approval',
    });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByText('grace')).toBeInTheDocument();
    expect(
      within(table).getAllByRole('link', {
        name: 'Rotate database credentials',
      })[1],
    ).toHaveAttribute('href', '/self-service/runs/r-9');
    expect(api.listRuns).toHaveBeenCalledWith(
      expect.objectContaining({ approvable: true }),
    );
  });

  describe('the count of runs pending my approval', () => {
    /** Answers approvable listings with `count()` pending runs. */
    function apiWithPending(count: () => number) {
      const api = mockSelfServiceApi();
      api.listRuns.mockImplementation(async options =>
        options?.approvable
          ? {
              items: Array.from({ length: count() }, (_, i) =>
                makeRun({ id: `r-${i}`, status: 'pending_approval' }),
              ),
            }
          : { items: [] },
      );
      return api;
    }

    function approvableCalls(api: ReturnType<typeof mockSelfServiceApi>) {
      return api.listRuns.mock.calls.filter(([options]) => options?.approvable)
        .length;
    }

    it('is refetched when I switch tabs', async () => {
      let pending = 2;
      const api = apiWithPending(() => pending);
      await renderPage({ api });

      expect(
        await screen.findByRole('tab', { name: 'Pending my approval 2' }),
      ).toBeInTheDocument();
      expect(approvableCalls(api)).toBe(1);

      pending = 1;
      await userEvent.click(screen.getByRole('tab', { name: 'My runs' }));
      expect(
        await screen.findByRole('tab', { name: 'Pending my approval 1' }),
      ).toBeInTheDocument();

      pending = 0;
      await userEvent.click(screen.getByRole('tab', { name: 'Workflows' }));
      expect(
        await screen.findByRole('tab', { name: 'Pending my approval' }),
      ).toBeInTheDocument();
      expect(approvableCalls(api)).toBe(3);
    });

    describe('with signals', () => {
      beforeEach(() => {
        jest.useFakeTimers();
      });
      afterEach(() => {
        jest.useRealTimers();
      });

      function signalRun(signals: FakeSignalApi, runId: string) {
        signals.publish(RUN_SIGNAL_CHANNEL, {
          runId,
          status: 'pending_approval',
          updatedAt: '2026-01-02T10:00:00.000Z',
        });
      }

      it('is refetched once after a burst of run signals', async () => {
        let pending = 1;
        const api = apiWithPending(() => pending);
        const signals = fakeSignalApi();
        await renderPage({ api, signals });

        expect(
          await screen.findByRole('tab', { name: 'Pending my approval 1' }),
        ).toBeInTheDocument();
        expect(approvableCalls(api)).toBe(1);
        expect(signals.subscriberCount(RUN_SIGNAL_CHANNEL)).toBe(1);

        pending = 3;
        act(() => {
          signalRun(signals, 'r-1');
          signalRun(signals, 'r-2');
        });
        await act(async () => {
          jest.advanceTimersByTime(PENDING_COUNT_REFRESH_MS / 2);
        });
        act(() => signalRun(signals, 'r-3'));
        expect(approvableCalls(api)).toBe(1);

        await act(async () => {
          jest.advanceTimersByTime(PENDING_COUNT_REFRESH_MS / 2);
        });
        expect(
          await screen.findByRole('tab', { name: 'Pending my approval 3' }),
        ).toBeInTheDocument();
        expect(approvableCalls(api)).toBe(1 + 1);

        // Quiet: no more refetches.
        await act(async () => {
          jest.advanceTimersByTime(PENDING_COUNT_REFRESH_MS * 5);
        });
        expect(approvableCalls(api)).toBe(2);

        // The next change is picked up again.
        pending = 0;
        act(() => signalRun(signals, 'r-1'));
        await act(async () => {
          jest.advanceTimersByTime(PENDING_COUNT_REFRESH_MS);
        });
        expect(
          await screen.findByRole('tab', { name: 'Pending my approval' }),
        ).toBeInTheDocument();
        expect(approvableCalls(api)).toBe(3);
      });

      it('keeps the last count when a refetch fails', async () => {
        const api = apiWithPending(() => 2);
        const signals = fakeSignalApi();
        await renderPage({ api, signals });
        expect(
          await screen.findByRole('tab', { name: 'Pending my approval 2' }),
        ).toBeInTheDocument();

        api.listRuns.mockRejectedValue(new Error('Runs are unavailable'));
        act(() => signalRun(signals, 'r-1'));
        await act(async () => {
          jest.advanceTimersByTime(PENDING_COUNT_REFRESH_MS);
        });
        await waitFor(() => expect(approvableCalls(api)).toBe(2));
        await act(async () => {
          await Promise.resolve();
        });
        expect(
          screen.getByRole('tab', { name: 'Pending my approval 2' }),
        ).toBeInTheDocument();
      });
    });
  });

  it('shows no count when nothing waits for my approval', async () => {
    await renderPage({ routeEntries: ['/?tab=approvals'] });

    expect(
      await screen.findByText('No runs are waiting for your approval.'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('tab', { name: 'Pending my approval' }),
    ).toHaveAttribute('aria-selected', 'true');
  });

  it('lists all runs for those allowed to read every run', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockImplementation(async options =>
      options?.mine || options?.approvable
        ? { items: [] }
        : {
            items: [
              makeRun({
                id: 'r-3',
                workflowName: 'Freeze deployments',
                entityRef: undefined,
                requestedBy: 'user:default/grace',
              }),
            ],
          },
    );
    await renderPage({ api });

    await userEvent.click(await screen.findByRole('tab', { name: 'All runs' }));

    const table = await screen.findByRole('table', { name: 'All runs' });
    expect(
      within(table).getByRole('link', { name: 'Freeze deployments' }),
    ).toHaveAttribute('href', '/self-service/runs/r-3');
    expect(within(table).getByText('grace')).toBeInTheDocument();
    expect(api.listRuns).toHaveBeenCalledWith({});
  });
});

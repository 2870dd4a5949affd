import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import { selfServiceApiRef } from '../../api';
import {
  makeRun,
  makeWorkflow,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { SelfServicePage } from './SelfServicePage';

const mountedRoutes = {
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

describe('SelfServicePage', () => {
  function renderPage(api = mockSelfServiceApi()) {
    return renderInTestApp(
      <TestApiProvider apis={[[selfServiceApiRef, api]]}>
        <SelfServicePage />
      </TestApiProvider>,
      { mountedRoutes },
    );
  }

  it('shows the empty state when there are no workflows', async () => {
    const api = mockSelfServiceApi();
    await renderPage(api);

    expect(
      await screen.findByRole('heading', { name: 'Self-Service' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No workflows yet')).toBeInTheDocument();
    expect(
      screen.getByText(/Platform teams publish workflows through the/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('You have not run any workflows yet.'),
    ).toBeInTheDocument();
    expect(api.listWorkflows).toHaveBeenCalledWith(undefined);
    expect(api.listRuns).toHaveBeenCalledWith(
      expect.objectContaining({ mine: true }),
    );
  });

  it('lists workflows with their scope and approval mark', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue([
      makeWorkflow({
        id: 'w-1',
        name: 'Rotate database credentials',
        description: 'Issues new credentials and revokes the old ones.',
        scope: { type: 'entity', kinds: ['Resource', 'Component'] },
        access: { type: 'approval', approvers: ['group:default/dba'] },
      }),
      makeWorkflow({
        id: 'w-2',
        name: 'Request a sandbox',
        description: undefined,
        scope: { type: 'global' },
        access: { type: 'everyone' },
      }),
    ]);
    await renderPage(api);

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

    const sandbox = screen.getByRole('article', { name: 'Request a sandbox' });
    expect(within(sandbox).getByText('Global')).toBeInTheDocument();
    expect(
      within(sandbox).queryByText('Approval required'),
    ).not.toBeInTheDocument();
    expect(screen.queryByText('No workflows yet')).not.toBeInTheDocument();
  });

  it('shows an error when workflows cannot be loaded', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockRejectedValue(new Error('Backend is down'));
    await renderPage(api);

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getByText('Backend is down')).toBeInTheDocument();
    expect(screen.queryByText('No workflows yet')).not.toBeInTheDocument();
  });

  it('shows the message of a backend error', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockRejectedValue(
      await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: { name: 'NotAllowedError', message: 'Not for you' },
            response: { statusCode: 403 },
          }),
          {
            status: 403,
            statusText: 'Forbidden',
            headers: { 'Content-Type': 'application/json' },
          },
        ) as any,
      ),
    );
    await renderPage(api);

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getByText('Not for you')).toBeInTheDocument();
  });

  it('lists my runs and loads the next page on demand', async () => {
    const api = mockSelfServiceApi();
    api.listRuns
      .mockResolvedValueOnce({
        items: [
          makeRun({
            id: 'r-1',
            workflowName: 'Restart service',
            status: 'pending_approval',
          }),
        ],
        nextCursor: 'page-2',
      })
      .mockResolvedValueOnce({
        items: [
          makeRun({
            id: 'r-2',
            workflowName: 'Request a sandbox',
            entityRef: undefined,
            status: 'failed',
          }),
        ],
      });
    await renderPage(api);

    const table = await screen.findByRole('table', { name: 'My runs' });
    expect(within(table).getByText('Restart service')).toBeInTheDocument();
    expect(within(table).getByText('Pending approval')).toBeInTheDocument();
    expect(within(table).getByText('payments')).toBeInTheDocument();

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
    expect(screen.getByRole('status')).toHaveTextContent('Showing 2 runs.');
    expect(screen.getByRole('status')).toHaveFocus();
  });

  it('shows an error when my runs cannot be loaded', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockRejectedValue(new Error('Runs are unavailable'));
    await renderPage(api);

    expect(await screen.findByText(/Could not load runs/)).toBeInTheDocument();
    expect(screen.getByText('Runs are unavailable')).toBeInTheDocument();
  });
});

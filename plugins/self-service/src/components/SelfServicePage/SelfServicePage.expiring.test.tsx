import { screen, within } from '@testing-library/react';
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
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeRun, mockSelfServiceApi } from '../../testUtils/fixtures';
import { EXPIRING_PAGE_SIZE } from './ExpiringRunsList';
import { SelfServicePage } from './SelfServicePage';

/*
 * The Expiring tab of the Self-Service page: the signed-in user's runs that
 * expire, soonest first.
 */

const HOUR = 60 * 60_000;

/** An ISO time `ms` from now, a few seconds later so it rounds steadily. */
function fromNow(ms: number): string {
  return new Date(Date.now() + ms + 20_000).toISOString();
}

describe('SelfServicePage, Expiring tab', () => {
  function renderPage(
    api: ReturnType<typeof mockSelfServiceApi>,
    routeEntries?: string[],
  ) {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [selfServiceApiRef, api],
          [permissionApiRef, mockApis.permission()],
          [catalogApiRef, catalogApiMock()],
          [
            identityApiRef,
            mockApis.identity({ userEntityRef: 'user:default/jane' }),
          ],
        ]}
      >
        <SelfServicePage />
      </TestApiProvider>,
      {
        mountedRoutes: {
          '/self-service': rootRouteRef,
          '/catalog/:namespace/:kind/:name': entityRouteRef,
        },
        routeEntries,
      },
    );
  }

  it('lists my expiring runs soonest first, each linking to its run', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockImplementation(async options =>
      options?.expiring
        ? {
            // Newest first, as the backend lists runs.
            items: [
              makeRun({
                id: 'r-3',
                workflowName: 'Preview environment',
                entityRef: undefined,
                expiresAt: fromNow(5 * 24 * HOUR),
              }),
              makeRun({
                id: 'r-2',
                workflowName: 'Sandbox database',
                entityRef: 'component:default/payments',
                expiresAt: fromNow(2 * HOUR),
              }),
              makeRun({
                id: 'r-1',
                workflowName: 'Load test cluster',
                expiresAt: fromNow(3 * 24 * HOUR),
              }),
            ],
          }
        : { items: [] },
    );
    await renderPage(api);

    await userEvent.click(screen.getByRole('tab', { name: 'Expiring' }));

    const table = await screen.findByRole('table', { name: 'Expiring' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('Sandbox database');
    expect(rows[0]).toHaveTextContent('payments');
    expect(rows[0]).toHaveTextContent('expires in 2 hours');
    expect(rows[1]).toHaveTextContent('Load test cluster');
    expect(rows[1]).toHaveTextContent('expires in 3 days');
    expect(rows[2]).toHaveTextContent('Preview environment');
    expect(rows[2]).toHaveTextContent('None');
    expect(rows[2]).toHaveTextContent('expires in 5 days');
    expect(
      within(rows[0]).getByRole('link', { name: 'Sandbox database' }),
    ).toHaveAttribute('href', '/self-service/runs/r-2');
    expect(
      within(rows[2]).getByRole('link', { name: 'Preview environment' }),
    ).toHaveAttribute('href', '/self-service/runs/r-3');
    expect(api.listRuns).toHaveBeenCalledWith(
      expect.objectContaining({
        expiring: true,
        mine: true,
        limit: EXPIRING_PAGE_SIZE,
      }),
    );
    expect(screen.getByText('Showing 3 runs.')).toBeInTheDocument();
  });

  it('opens from the address, and says when none of my runs expires', async () => {
    const api = mockSelfServiceApi();
    await renderPage(api, ['/?tab=expiring']);

    expect(screen.getByRole('tab', { name: 'Expiring' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(
      await screen.findByText('None of your runs expires.'),
    ).toBeInTheDocument();
  });

  it('shows why the list could not load', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockImplementation(async options => {
      if (options?.expiring) {
        throw new Error('Runs are unavailable');
      }
      return { items: [] };
    });
    await renderPage(api, ['/?tab=expiring']);

    expect(await screen.findByText(/Could not load runs/)).toBeInTheDocument();
    expect(screen.getByText('Runs are unavailable')).toBeInTheDocument();
  });
});

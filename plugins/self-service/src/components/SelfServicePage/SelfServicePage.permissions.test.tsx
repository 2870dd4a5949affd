import { screen, waitFor, within } from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  selfServiceRunReadPermission,
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeWorkflow,
  makeWorkflowPage,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { SelfServicePage } from './SelfServicePage';

/** A permission decision as `mockApis.permission` takes it. */
type Decision = Extract<
  NonNullable<
    NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize']
  >,
  string
>;

/** `AuthorizeResult.ALLOW`, without depending on the permission package. */
const ALLOW = 'ALLOW' as unknown as Decision;
/** `AuthorizeResult.DENY`, without depending on the permission package. */
const DENY = 'DENY' as unknown as Decision;

/** A permission API that denies the named permissions and allows the rest. */
function permissionApiDenying(...names: string[]) {
  return mockApis.permission({
    authorize: request =>
      names.includes(request.permission.name) ? DENY : ALLOW,
  });
}

// usePermission caches decisions for the whole test file: every test here
// runs with the same policy, one that denies what only the platform team may.
const permissionApi = permissionApiDenying(
  selfServiceRunReadPermission.name,
  selfServiceWorkflowCreatePermission.name,
  selfServiceWorkflowUpdatePermission.name,
);
const authorize = jest.spyOn(permissionApi, 'authorize');

describe('SelfServicePage without the platform team permissions', () => {
  function renderPage(
    api: ReturnType<typeof mockSelfServiceApi>,
    routeEntries?: string[],
  ) {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [selfServiceApiRef, api],
          [permissionApiRef, permissionApi],
          [catalogApiRef, catalogApiMock()],
          [identityApiRef, mockApis.identity()],
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

  it('hides all runs, even when the address asks for them', async () => {
    const api = mockSelfServiceApi();
    await renderPage(api, ['/?tab=all']);

    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({ permission: selfServiceRunReadPermission }),
      ),
    );
    expect(await screen.findByText('No workflows yet')).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Workflows' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(screen.getByRole('tab', { name: 'My runs' })).toBeInTheDocument();
    expect(
      screen.getByRole('tab', { name: 'Pending my approval' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('tab', { name: 'All runs' }),
    ).not.toBeInTheDocument();
    expect(api.listRuns).not.toHaveBeenCalledWith({});
  });

  it('offers no editor links', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(
      makeWorkflowPage([
        makeWorkflow({
          identifier: 'request-sandbox',
          name: 'Request a sandbox',
          scope: { type: 'global' },
          capabilities: { run: { allowed: true }, edit: false, delete: false },
        }),
      ]),
    );
    await renderPage(api);

    const sandbox = await screen.findByRole('article', {
      name: 'Request a sandbox',
    });
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: selfServiceWorkflowCreatePermission,
        }),
      ),
    );
    expect(within(sandbox).getByRole('button', { name: /^Run/ })).toBeEnabled();
    expect(
      screen.queryByRole('button', { name: 'New workflow' }),
    ).not.toBeInTheDocument();
    expect(
      within(sandbox).queryByRole('button', { name: /^Edit/ }),
    ).not.toBeInTheDocument();
    // The list said so: no card asks the permission backend.
    expect(authorize).not.toHaveBeenCalledWith(
      expect.objectContaining({
        permission: selfServiceWorkflowUpdatePermission,
      }),
    );
  });
});

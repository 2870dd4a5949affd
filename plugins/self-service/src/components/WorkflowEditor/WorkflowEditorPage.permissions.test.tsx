import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { mockSelfServiceApi } from '../../testUtils/fixtures';
import { editorWorkflow } from '../../testUtils/editorFixtures';
import { WorkflowEditorPage } from './WorkflowEditorPage';

// In a file of their own: usePermission caches decisions per permission for
// the whole module, so allowed and denied editors must not share a file.

/** A permission decision as `mockApis.permission` takes it. */
type Decision = Extract<
  NonNullable<
    NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize']
  >,
  string
>;
const ALLOW = 'ALLOW' as unknown as Decision;
const DENY = 'DENY' as unknown as Decision;

async function renderEditor(
  path: string,
  permissionApi: ReturnType<typeof mockApis.permission>,
  api = mockSelfServiceApi(),
) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [selfServiceApiRef, api],
        [catalogApiRef, catalogApiMock()],
        [permissionApiRef, permissionApi],
      ]}
    >
      <Routes>
        <Route
          path="/self-service/workflows/new"
          element={<WorkflowEditorPage />}
        />
        <Route
          path="/self-service/workflows/:identifier/edit"
          element={<WorkflowEditorPage />}
        />
      </Routes>
    </TestApiProvider>,
    {
      mountedRoutes: { '/self-service': rootRouteRef },
      routeEntries: [path],
    },
  );
}

describe('WorkflowEditorPage permissions', () => {
  it('tells a user who may not create workflows so, without the form', async () => {
    const permissionApi = mockApis.permission({ authorize: DENY });
    await renderEditor('/self-service/workflows/new', permissionApi);

    expect(
      await screen.findByText('You are not allowed to create workflows'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/self-service\.workflow\.create permission/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('form')).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Create workflow' }),
    ).not.toBeInTheDocument();
  });

  it('checks the update permission on the edited workflow', async () => {
    const authorize = jest.fn(
      (request: { permission: { name: string }; resourceRef?: string }) =>
        request.permission.name === 'self-service.workflow.update' &&
        request.resourceRef === 'secret-workflow'
          ? DENY
          : ALLOW,
    );
    const api = mockSelfServiceApi();
    api.getWorkflow.mockResolvedValue(
      editorWorkflow({ identifier: 'secret-workflow' }),
    );
    await renderEditor(
      '/self-service/workflows/secret-workflow/edit',
      mockApis.permission({ authorize }),
      api,
    );

    expect(
      await screen.findByText('You are not allowed to edit this workflow'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('form')).not.toBeInTheDocument();
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'self-service.workflow.update',
        }),
        resourceRef: 'secret-workflow',
      }),
    );
  });
});

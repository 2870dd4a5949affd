import { Route, Routes } from 'react-router-dom';
import { screen } from '@testing-library/react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeFullWorkflow,
  makeWorkflow,
  makeWorkflowPage,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { fakeSignalApi, makeRunDetails } from '../../testUtils/runFixtures';
import { Router } from './Router';

jest.setTimeout(30_000);

async function renderAt(path: string) {
  const api = mockSelfServiceApi();
  api.listWorkflows.mockResolvedValue(makeWorkflowPage([makeWorkflow()]));
  api.getWorkflow.mockResolvedValue(makeFullWorkflow());
  api.getRun.mockResolvedValue(
    makeRunDetails({ run: { id: 'r-42', workflowName: 'Restart service' } }),
  );
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [selfServiceApiRef, api],
        [catalogApiRef, catalogApiMock({ entities: [] })],
        [permissionApiRef, mockApis.permission()],
        [signalApiRef, fakeSignalApi()],
      ]}
    >
      <Routes>
        <Route path="/self-service/*" element={<Router />} />
      </Routes>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/self-service': rootRouteRef,
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
      routeEntries: [path],
    },
  );
  return api;
}

describe('Router', () => {
  it('shows the workflows at the root', async () => {
    await renderAt('/self-service');
    expect(
      await screen.findByRole('article', { name: 'Restart service' }),
    ).toBeInTheDocument();
  });

  it('shows the page of a run below runs/', async () => {
    const api = await renderAt('/self-service/runs/r-42');
    expect(await screen.findByText('Timeline')).toBeInTheDocument();
    expect(api.getRun).toHaveBeenCalledWith('r-42');
  });

  it('shows the editor of a new workflow', async () => {
    await renderAt('/self-service/workflows/new');
    expect(
      await screen.findByRole('heading', { name: 'New workflow' }),
    ).toBeInTheDocument();
  });

  it('shows the editor of an existing workflow', async () => {
    const api = await renderAt('/self-service/workflows/restart-service/edit');
    expect(
      await screen.findByRole('heading', { name: 'Edit Restart service' }),
    ).toBeInTheDocument();
    expect(api.getWorkflow).toHaveBeenCalledWith('restart-service');
  });
});

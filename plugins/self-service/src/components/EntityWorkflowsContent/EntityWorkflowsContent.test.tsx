import { screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { selfServiceApiRef } from '../../api';
import {
  makeRun,
  makeWorkflow,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { EntityWorkflowsContent } from './EntityWorkflowsContent';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'group:default/team-a',
    lifecycle: 'production',
  },
};

const mountedRoutes = {
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

describe('EntityWorkflowsContent', () => {
  function renderContent(api = mockSelfServiceApi(), forEntity = entity) {
    return renderInTestApp(
      <TestApiProvider apis={[[selfServiceApiRef, api]]}>
        <EntityProvider entity={forEntity}>
          <EntityWorkflowsContent />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes },
    );
  }

  it('lists the workflows of the entity and why one cannot run', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue([
      makeWorkflow({
        id: 'w-1',
        name: 'Restart service',
        runnable: { allowed: true },
      }),
      makeWorkflow({
        id: 'w-2',
        name: 'Scale down',
        access: { type: 'owners' },
        runnable: {
          allowed: false,
          reason: 'Only owners of payments may run this workflow.',
        },
      }),
    ]);
    await renderContent(api);

    const restart = await screen.findByRole('article', {
      name: 'Restart service',
    });
    expect(
      within(restart).getByText('You can run this workflow.'),
    ).toBeInTheDocument();

    const scaleDown = screen.getByRole('article', { name: 'Scale down' });
    expect(
      within(scaleDown).getByText('You cannot run this workflow.'),
    ).toBeInTheDocument();
    expect(
      within(scaleDown).getByText(
        'Only owners of payments may run this workflow.',
      ),
    ).toBeInTheDocument();

    expect(api.listWorkflows).toHaveBeenCalledWith({
      entityRef: 'component:default/payments',
    });
  });

  it('shows an empty state that names the kind', async () => {
    const api = mockSelfServiceApi();
    await renderContent(api);

    expect(
      await screen.findByText('No workflows apply to this component'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'No workflow has run against this component yet.',
      ),
    ).toBeInTheDocument();
  });

  it('lists the recent runs of the entity', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockResolvedValue({
      items: [
        makeRun({
          id: 'r-1',
          workflowName: 'Restart service',
          requestedBy: 'user:default/jane',
          status: 'in_progress',
        }),
      ],
    });
    await renderContent(api);

    const table = await screen.findByRole('table', { name: 'Recent runs' });
    expect(within(table).getByText('Restart service')).toBeInTheDocument();
    expect(within(table).getByText('jane')).toBeInTheDocument();
    expect(within(table).getByText('In progress')).toBeInTheDocument();
    expect(
      within(table).queryByRole('columnheader', { name: 'Entity' }),
    ).not.toBeInTheDocument();
    expect(api.listRuns).toHaveBeenCalledWith(
      expect.objectContaining({ entityRef: 'component:default/payments' }),
    );
  });

  it('shows an error when the workflows cannot be loaded', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockRejectedValue(new Error('Backend is down'));
    await renderContent(api);

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getByText('Backend is down')).toBeInTheDocument();
  });
});

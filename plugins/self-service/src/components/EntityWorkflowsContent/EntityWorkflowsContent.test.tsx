import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeRun,
  makeWorkflow,
  makeWorkflowPage,
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
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

describe('EntityWorkflowsContent', () => {
  function renderContent(api = mockSelfServiceApi(), forEntity = entity) {
    return renderInTestApp(
      <TestApiProvider apis={[[selfServiceApiRef, api]]}>
        <EntityProvider entity={forEntity}>
          <EntityWorkflowsContent />
          <Location />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes },
    );
  }

  it('lists the workflows of the entity and why one cannot run', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(
      makeWorkflowPage([
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
            reason: 'Only owners of this entity can run this workflow',
          },
        }),
      ]),
    );
    await renderContent(api);

    const restart = await screen.findByRole('article', {
      name: 'Restart service',
    });
    expect(within(restart).getByRole('button', { name: /^Run/ })).toBeEnabled();

    const scaleDown = screen.getByRole('article', { name: 'Scale down' });
    const run = within(scaleDown).getByRole('button', { name: /^Run/ });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription(
      'Only owners of this entity can run this workflow',
    );
    expect(
      within(scaleDown).getByText(
        'Only owners of this entity can run this workflow',
      ),
    ).toBeVisible();
    expect(within(scaleDown).getByText('Owners only')).toBeInTheDocument();

    expect(api.listWorkflows).toHaveBeenCalledWith({
      entityRef: 'component:default/payments',
      scope: 'entity',
      limit: 24,
    });
    expect(screen.getByText('Showing all 2 workflows.')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Show more workflows' }),
    ).not.toBeInTheDocument();
  });

  it('runs a workflow against this entity and opens the run page', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(
      makeWorkflowPage([
        makeWorkflow({
          name: 'Restart service',
          parameters: [
            {
              identifier: 'replicas',
              name: 'Replicas',
              type: 'integer',
              required: true,
            },
          ],
          runnable: { allowed: true },
        }),
      ]),
    );
    api.triggerRun.mockResolvedValue(makeRun({ id: 'r-77' }));
    await renderContent(api);

    const restart = await screen.findByRole('article', {
      name: 'Restart service',
    });
    await userEvent.click(
      within(restart).getByRole('button', { name: /^Run/ }),
    );

    const dialog = await screen.findByRole('dialog', {
      name: 'Restart service',
    });
    // The entity is this one: no entity field to fill in.
    expect(
      within(dialog).queryByRole('textbox', { name: /Entity/ }),
    ).not.toBeInTheDocument();
    expect(within(dialog).getByText(/Entity:/)).toHaveTextContent(
      'Entity: payments',
    );
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Replicas/ }),
      '4',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Run' }));

    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '/self-service/runs/r-77',
      ),
    );
    expect(api.triggerRun).toHaveBeenCalledWith('restart-service', {
      entityRef: 'component:default/payments',
      inputs: { replicas: 4 },
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
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
    expect(
      within(table).getByRole('link', { name: 'Restart service' }),
    ).toHaveAttribute('href', '/self-service/runs/r-1');
    expect(within(table).getByText('jane')).toBeInTheDocument();
    expect(within(table).getByText('In progress')).toBeInTheDocument();
    expect(
      within(table).queryByRole('columnheader', { name: 'Entity' }),
    ).not.toBeInTheDocument();
    expect(api.listRuns).toHaveBeenCalledWith(
      expect.objectContaining({ entityRef: 'component:default/payments' }),
    );
  });

  it('still lists runs, without links, when the app has no Self-Service page', async () => {
    const api = mockSelfServiceApi();
    api.listRuns.mockResolvedValue({
      items: [makeRun({ id: 'r-1', workflowName: 'Restart service' })],
    });
    await renderInTestApp(
      <TestApiProvider apis={[[selfServiceApiRef, api]]}>
        <EntityProvider entity={entity}>
          <EntityWorkflowsContent />
        </EntityProvider>
      </TestApiProvider>,
      {
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );

    const table = await screen.findByRole('table', { name: 'Recent runs' });
    expect(within(table).getByText('Restart service')).toBeInTheDocument();
    expect(
      within(table).queryByRole('link', { name: 'Restart service' }),
    ).not.toBeInTheDocument();
  });

  describe('an entity a run created', () => {
    const created: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'preview-42',
        namespace: 'default',
        annotations: {
          'self-service.backstage.io/run-id': 'r-7',
          'self-service.backstage.io/workflow': 'preview-environment',
        },
      },
      spec: { type: 'environment', owner: 'group:default/team-a' },
    };

    it('links the run that created it', async () => {
      await renderContent(mockSelfServiceApi(), created);

      expect(
        await screen.findByText(/^Created by run/, { selector: 'p' }),
      ).toHaveTextContent('Created by run r-7 of workflow preview-environment');
      expect(screen.getByRole('link', { name: 'r-7' })).toHaveAttribute(
        'href',
        '/self-service/runs/r-7',
      );
    });

    it('says when its run expires, and when it is being torn down', async () => {
      const api = mockSelfServiceApi();
      const expiresAt = new Date(
        Date.now() + 2 * 3600_000 + 60_000,
      ).toISOString();
      api.getRun.mockResolvedValue({
        run: makeRun({ id: 'r-7', status: 'success', expiresAt }),
      } as any);
      await renderContent(api, created);
      expect(
        await screen.findByText(
          /^Expires in 2 hours, when its run is torn down/,
        ),
      ).toBeInTheDocument();
      expect(api.getRun).toHaveBeenCalledWith('r-7');
    });

    it('says its run is being torn down, linking the teardown run', async () => {
      const api = mockSelfServiceApi();
      api.getRun.mockResolvedValue({
        run: makeRun({
          id: 'r-7',
          status: 'success',
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
          teardownRunId: 'r-8',
        }),
      } as any);
      await renderContent(api, created);
      const line = await screen.findByText(/^Being torn down by run/);
      expect(within(line).getByRole('link')).toHaveAttribute(
        'href',
        '/self-service/runs/r-8',
      );
      expect(screen.queryByText(/^Expires/)).not.toBeInTheDocument();
    });

    it('lists the runs that touched it, not only the runs on it', async () => {
      const api = mockSelfServiceApi();
      api.listRuns.mockResolvedValue({
        items: [makeRun({ id: 'r-7', workflowName: 'Preview environment' })],
      });
      await renderContent(api, created);

      const table = await screen.findByRole('table', { name: 'Recent runs' });
      expect(
        within(table).getByRole('link', { name: 'Preview environment' }),
      ).toHaveAttribute('href', '/self-service/runs/r-7');
      expect(api.listRuns).toHaveBeenCalledWith(
        expect.objectContaining({ touching: 'resource:default/preview-42' }),
      );
      expect(api.listRuns).not.toHaveBeenCalledWith(
        expect.objectContaining({ entityRef: 'resource:default/preview-42' }),
      );
    });

    it('says nothing of a creating run for an entity without the annotation', async () => {
      await renderContent();

      await screen.findByText(
        'No workflow has run against this component yet.',
      );
      expect(screen.queryByText(/Created by run/)).not.toBeInTheDocument();
    });
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

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeRun, makeWorkflow } from '../../testUtils/fixtures';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  backstageErrorResponse,
  mswSelfServiceClient,
  seeRequest,
} from '../../testUtils/mswBackend';
import {
  makeWorkflows,
  serveWorkflowList,
} from '../Workflows/__testUtils__/workflowListBackend';
import { EntityWorkflowsContent } from './EntityWorkflowsContent';

/*
 * The Workflows tab with the real SelfServiceClient; msw stands in for the
 * backend, which decides per workflow whether the caller may run it.
 */

const OWNERS_ONLY = 'Only owners of this entity can run this workflow';

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

/** A workflow anyone may run. */
const restart = makeWorkflow({
  id: 'w-restart',
  identifier: 'restart-service',
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
});

/** A workflow for owners of the entity, which the caller does not own. */
const scaleDown = makeWorkflow({
  id: 'w-scale-down',
  identifier: 'scale-down',
  name: 'Scale down',
  access: { type: 'owners' },
  runnable: { allowed: false, reason: OWNERS_ONLY },
});

function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

describe('EntityWorkflowsContent against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const permissionApi = mockApis.permission();

  /**
   * Answers the list endpoints: `workflows` for the entity, paged like the
   * backend pages them, and no runs. Remembers each request to either.
   */
  function backend(
    workflows: WorkflowListItem[],
    options: { runsGate?: Promise<void> } = {},
  ) {
    const list = serveWorkflowList(server, workflows);
    const seen: { workflows: SeenRequest[]; runs: SeenRequest[] } = {
      workflows: list.requests,
      runs: [],
    };
    server.use(
      http.get(`${SELF_SERVICE_URL}/runs`, async ({ request }) => {
        seen.runs.push(await seeRequest(request));
        await options.runsGate;
        return HttpResponse.json({ items: [] });
      }),
    );
    return seen;
  }

  function renderContent() {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [selfServiceApiRef, mswSelfServiceClient()],
          [permissionApiRef, permissionApi],
        ]}
      >
        <EntityProvider entity={entity}>
          <EntityWorkflowsContent />
          <Location />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes },
    );
  }

  it('asks for the workflows of this entity only', async () => {
    const seen = backend([restart]);
    await renderContent();

    await screen.findByRole('article', { name: 'Restart service' });
    expect(seen.workflows).toHaveLength(1);
    expect(seen.workflows[0].path).toBe('/api/self-service/workflows');
    expect([...seen.workflows[0].query.entries()]).toEqual([
      ['scope', 'entity'],
      ['entityRef', 'component:default/payments'],
      ['limit', '24'],
    ]);
    // The recent runs are those of this entity too.
    await screen.findByText('No workflow has run against this component yet.');
    expect(seen.runs[0].query.get('entityRef')).toBe(
      'component:default/payments',
    );
  });

  it('disables Run, with the reason of the backend, for a workflow the user may not run', async () => {
    backend([restart, scaleDown]);
    await renderContent();

    const card = await screen.findByRole('article', { name: 'Scale down' });
    const run = within(card).getByRole('button', { name: 'Run: Scale down' });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription(OWNERS_ONLY);
    expect(within(card).getByText(OWNERS_ONLY)).toBeVisible();
    expect(within(card).getByText('Owners only')).toBeInTheDocument();

    // A click on the disabled button, through its styles, opens nothing.
    await userEvent.setup({ pointerEventsCheck: 0 }).click(run);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('enables Run for a workflow the user may run', async () => {
    backend([restart, scaleDown]);
    await renderContent();

    const card = await screen.findByRole('article', {
      name: 'Restart service',
    });
    const run = within(card).getByRole('button', {
      name: 'Run: Restart service',
    });
    expect(run).toBeEnabled();
    expect(run).not.toHaveAccessibleDescription();
    expect(within(card).queryByText(OWNERS_ONLY)).not.toBeInTheDocument();
  });

  it('says the user cannot run a workflow the backend denies without a reason', async () => {
    backend([
      makeWorkflow({ name: 'Rotate keys', runnable: { allowed: false } }),
    ]);
    await renderContent();

    const card = await screen.findByRole('article', { name: 'Rotate keys' });
    const run = within(card).getByRole('button', { name: 'Run: Rotate keys' });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription('You cannot run this workflow.');
  });

  it('runs an allowed workflow against this entity and opens the run page', async () => {
    backend([restart, scaleDown]);
    const triggered: SeenRequest[] = [];
    server.use(
      http.post(
        `${SELF_SERVICE_URL}/workflows/:identifier/runs`,
        async ({ request }) => {
          triggered.push(await seeRequest(request));
          return HttpResponse.json(makeRun({ id: 'r-77' }), { status: 201 });
        },
      ),
    );
    await renderContent();

    const card = await screen.findByRole('article', {
      name: 'Restart service',
    });
    await userEvent.click(
      within(card).getByRole('button', { name: 'Run: Restart service' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Restart service',
    });
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
    expect(triggered).toHaveLength(1);
    expect(triggered[0].path).toBe(
      '/api/self-service/workflows/restart-service/runs',
    );
    expect(triggered[0].body).toStrictEqual({
      entityRef: 'component:default/payments',
      inputs: { replicas: 4 },
    });
  });

  it('shows the first page of the workflows, then appends the next on demand', async () => {
    const seen = backend(makeWorkflows(30));
    await renderContent();

    expect(
      await screen.findByRole('article', { name: 'Workflow 001' }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('article')).toHaveLength(24);
    expect(screen.getByText('Showing 24 of 30 workflows.')).toBeInTheDocument();
    expect(seen.workflows).toHaveLength(1);

    await userEvent.click(
      screen.getByRole('button', { name: 'Show more workflows' }),
    );

    expect(
      await screen.findByRole('article', { name: 'Workflow 030' }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('article')).toHaveLength(30);
    expect(screen.getByText('Showing all 30 workflows.')).toHaveFocus();
    expect(
      screen.queryByRole('button', { name: 'Show more workflows' }),
    ).not.toBeInTheDocument();
    expect(seen.workflows).toHaveLength(2);
    expect(Object.fromEntries(seen.workflows[1].query)).toEqual({
      entityRef: 'component:default/payments',
      scope: 'entity',
      cursor: 'offset-24',
      limit: '24',
    });
  });

  it('shows the first card without waiting for the recent runs', async () => {
    let releaseRuns = () => {};
    const runsGate = new Promise<void>(resolve => {
      releaseRuns = resolve;
    });
    const seen = backend([restart], { runsGate });
    await renderContent();

    expect(
      await screen.findByRole('article', { name: 'Restart service' }),
    ).toBeInTheDocument();
    await waitFor(() => expect(seen.runs).toHaveLength(1));
    expect(
      screen.queryByText('No workflow has run against this component yet.'),
    ).not.toBeInTheDocument();

    releaseRuns();
    expect(
      await screen.findByText(
        'No workflow has run against this component yet.',
      ),
    ).toBeInTheDocument();
  });

  it('asks the permission backend nothing for the cards', async () => {
    backend(
      makeWorkflows(24, () => ({
        capabilities: { run: { allowed: true }, edit: true, delete: true },
      })),
    );
    const authorize = jest.spyOn(permissionApi, 'authorize');
    await renderContent();

    expect(await screen.findAllByRole('article')).toHaveLength(24);
    expect(authorize).not.toHaveBeenCalled();
  });

  it('shows the error of the backend when the workflows cannot be loaded', async () => {
    server.use(
      http.get(`${SELF_SERVICE_URL}/workflows`, () =>
        backstageErrorResponse(500, 'Error', 'The database is down'),
      ),
      http.get(`${SELF_SERVICE_URL}/runs`, () =>
        HttpResponse.json({ items: [] }),
      ),
    );
    await renderContent();

    expect(
      await screen.findByText(/Could not load workflows/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/The database is down/).length).toBeGreaterThan(
      0,
    );
    expect(screen.queryByRole('article')).not.toBeInTheDocument();
  });
});

import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeWorkflow, mockSelfServiceApi } from '../../testUtils/fixtures';
import { WorkflowCard } from './WorkflowCard';

describe('WorkflowCard', () => {
  function renderCard(workflow = makeWorkflow()) {
    return renderInTestApp(
      <TestApiProvider apis={[[selfServiceApiRef, mockSelfServiceApi()]]}>
        <WorkflowCard workflow={workflow} />
      </TestApiProvider>,
    );
  }

  it("shows the workflow's icon in its color beside the name", async () => {
    await renderCard(
      makeWorkflow({
        name: 'Restart service',
        icon: 'refresh',
        color: '#1976d2',
      }),
    );

    const card = screen.getByRole('article', { name: 'Restart service' });
    const avatar = within(card).getByTestId('workflow-avatar');
    expect(avatar).toHaveAttribute('data-icon', 'refresh');
    expect(avatar).toHaveAttribute('aria-hidden', 'true');
    expect(avatar).toHaveStyle({ backgroundColor: '#1976d2' });
    expect(card).toHaveStyle({ borderTopColor: '#1976d2' });
    expect(
      within(card).getByRole('heading', { name: 'Restart service' }),
    ).toBeInTheDocument();
  });

  it('says how many steps a workflow of steps has', async () => {
    const { execution, ...details } = makeWorkflow({ name: 'Provision' });
    await renderCard({ ...details, stepCount: 6 });
    expect(
      within(screen.getByRole('article', { name: 'Provision' })).getByText(
        '6 steps',
      ),
    ).toBeInTheDocument();
  });

  it('says nothing of steps for a workflow of one request', async () => {
    await renderCard(makeWorkflow({ name: 'Restart' }));
    expect(
      within(screen.getByRole('article', { name: 'Restart' })).queryByText(
        /steps?$/,
      ),
    ).not.toBeInTheDocument();
  });

  it('shows a default icon for a workflow without icon or color', async () => {
    await renderCard(makeWorkflow({ name: 'Scale down' }));

    const card = screen.getByRole('article', { name: 'Scale down' });
    expect(within(card).getByTestId('workflow-avatar')).toHaveAttribute(
      'data-icon',
      'default',
    );
  });

  it('shows the icon in the title of the run dialog', async () => {
    await renderCard(
      makeWorkflow({
        name: 'Rotate credentials',
        scope: { type: 'global' },
        icon: 'vpn-key',
        color: '#8e24aa',
      }),
    );

    await userEvent.click(
      screen.getByRole('button', { name: 'Run: Rotate credentials' }),
    );

    const dialog = await screen.findByRole('dialog', {
      name: 'Rotate credentials',
    });
    const avatar = within(dialog).getByTestId('workflow-avatar');
    expect(avatar).toHaveAttribute('data-icon', 'vpn-key');
    expect(avatar).toHaveStyle({ backgroundColor: '#8e24aa' });
  });

  it('wraps a long unbroken name and description inside the card', async () => {
    const url = `https://ops.example.com/${'very-long-path-segment-'.repeat(
      12,
    )}`;
    await renderCard(
      makeWorkflow({
        name: `restart_${'x'.repeat(120)}`,
        description: `Calls ${url} to restart the service.`,
      }),
    );

    const card = screen.getByRole('article');
    expect(within(card).getByRole('heading')).toHaveStyle({
      overflowWrap: 'anywhere',
    });
    expect(within(card).getByText(/^Calls https:/)).toHaveStyle({
      overflowWrap: 'anywhere',
    });
  });

  it('disables Run, with the reason, from the capabilities of the workflow', async () => {
    await renderCard(
      makeWorkflow({
        name: 'Scale down',
        capabilities: {
          run: { allowed: false, reason: 'Only owners may run this.' },
          edit: false,
          delete: false,
        },
        runnable: { allowed: false, reason: 'Only owners may run this.' },
      }),
    );

    const run = screen.getByRole('button', { name: 'Run: Scale down' });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription('Only owners may run this.');
  });

  describe('the Edit link', () => {
    const permissionApi = mockApis.permission();
    const authorize = jest.spyOn(permissionApi, 'authorize');

    beforeEach(() => {
      authorize.mockClear();
    });

    function editable(
      overrides: Parameters<typeof makeWorkflow>[0] = {},
      edit = true,
    ) {
      return makeWorkflow({
        ...overrides,
        capabilities: { run: { allowed: true }, edit, delete: false },
      });
    }

    function renderEditable(workflow = editable()) {
      return renderInTestApp(
        <TestApiProvider
          apis={[
            [selfServiceApiRef, mockSelfServiceApi()],
            [permissionApiRef, permissionApi],
          ]}
        >
          <WorkflowCard workflow={workflow} showEditLink />
        </TestApiProvider>,
        { mountedRoutes: { '/self-service': rootRouteRef } },
      );
    }

    it('leads to the editor of a workflow the caller may edit', async () => {
      await renderEditable(editable({ name: 'Restart service' }));

      const card = screen.getByRole('article', { name: 'Restart service' });
      expect(
        within(card).getByRole('button', { name: 'Edit: Restart service' }),
      ).toHaveAttribute('href', '/self-service/workflows/restart-service/edit');
      // The server said so with the page: the card asks no one.
      expect(authorize).not.toHaveBeenCalled();
    });

    it('is not offered when the capabilities deny editing', async () => {
      await renderEditable(editable({ name: 'Restart service' }, false));

      const card = screen.getByRole('article', { name: 'Restart service' });
      expect(
        within(card).queryByRole('button', { name: /^Edit/ }),
      ).not.toBeInTheDocument();
      expect(authorize).not.toHaveBeenCalled();
    });

    it('is not offered without capabilities, as for a service caller', async () => {
      await renderEditable({
        ...makeWorkflow({ name: 'Restart service' }),
        capabilities: undefined,
      });

      const card = screen.getByRole('article', { name: 'Restart service' });
      expect(
        within(card).queryByRole('button', { name: /^Edit/ }),
      ).not.toBeInTheDocument();
      expect(within(card).getByRole('button', { name: /^Run/ })).toBeEnabled();
    });

    it.each([
      ['config' as const, 'Managed in app-config; edit it there'],
      ['extension' as const, 'Managed by a backend module; change it there'],
    ])(
      'is replaced by where a workflow managed by %s is changed',
      async (managedBy, note) => {
        await renderEditable(
          editable({ name: 'Freeze deployments', managedBy }),
        );

        const card = screen.getByRole('article', {
          name: 'Freeze deployments',
        });
        expect(within(card).getByText(note)).toBeInTheDocument();
        expect(
          within(card).queryByRole('button', { name: /^Edit/ }),
        ).not.toBeInTheDocument();
        expect(
          within(card).queryByRole('link', { name: /^Edit/ }),
        ).not.toBeInTheDocument();
        expect(authorize).not.toHaveBeenCalled();
      },
    );

    it('hides where a managed workflow is changed from those who may not edit it', async () => {
      await renderEditable(
        editable({ name: 'Freeze deployments', managedBy: 'config' }, false),
      );

      const card = screen.getByRole('article', { name: 'Freeze deployments' });
      expect(within(card).queryByText(/Managed in/)).not.toBeInTheDocument();
    });
  });
});

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

  describe('the Edit link', () => {
    function renderEditable(workflow = makeWorkflow()) {
      return renderInTestApp(
        <TestApiProvider
          apis={[
            [selfServiceApiRef, mockSelfServiceApi()],
            [permissionApiRef, mockApis.permission()],
          ]}
        >
          <WorkflowCard workflow={workflow} showEditLink />
        </TestApiProvider>,
        { mountedRoutes: { '/self-service': rootRouteRef } },
      );
    }

    it('leads to the editor of a workflow published through the API', async () => {
      await renderEditable(makeWorkflow({ name: 'Restart service' }));

      const card = screen.getByRole('article', { name: 'Restart service' });
      expect(
        await within(card).findByRole('button', {
          name: 'Edit: Restart service',
        }),
      ).toHaveAttribute('href', '/self-service/workflows/restart-service/edit');
    });

    it.each([
      ['config' as const, 'Managed in app-config; edit it there'],
      ['extension' as const, 'Managed by a backend module; change it there'],
    ])(
      'is replaced by where a workflow managed by %s is changed',
      async (managedBy, note) => {
        await renderEditable(
          makeWorkflow({ name: 'Freeze deployments', managedBy }),
        );

        const card = screen.getByRole('article', {
          name: 'Freeze deployments',
        });
        expect(await within(card).findByText(note)).toBeInTheDocument();
        expect(
          within(card).queryByRole('button', { name: /^Edit/ }),
        ).not.toBeInTheDocument();
        expect(
          within(card).queryByRole('link', { name: /^Edit/ }),
        ).not.toBeInTheDocument();
      },
    );
  });
});

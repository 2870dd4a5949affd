import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { selfServiceApiRef } from '../../api';
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
});

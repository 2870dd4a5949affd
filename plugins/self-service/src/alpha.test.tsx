import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { selfServiceApiRef } from './api';
import {
  mockSelfServiceApi,
  makeWorkflow,
  makeWorkflowPage,
} from './testUtils/fixtures';
import plugin, { entityWorkflowsContent, selfServicePage } from './alpha';

describe('self-service alpha plugin', () => {
  it('is the self-service plugin', () => {
    expect(plugin.id).toBe('self-service');
  });

  it('renders the page with its empty state', async () => {
    const api = mockSelfServiceApi();

    renderInTestApp(createExtensionTester(selfServicePage).reactElement(), {
      apis: [[selfServiceApiRef, api]],
    });

    expect(await screen.findByText('No workflows yet')).toBeInTheDocument();
    // One header: the page's own, not a second one from the layout.
    expect(screen.getAllByRole('heading', { level: 1 })).toHaveLength(1);
    await userEvent.click(screen.getByRole('tab', { name: /My runs/ }));
    expect(
      await screen.findByText('You have not run any workflows yet.'),
    ).toBeInTheDocument();
    expect(api.listWorkflows).toHaveBeenCalled();
  });

  it('renders the workflows the API returns', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockResolvedValue(
      makeWorkflowPage([
        makeWorkflow({
          name: 'Rotate credentials',
          access: { type: 'approval', approvers: ['group:default/dba'] },
        }),
      ]),
    );

    renderInTestApp(createExtensionTester(selfServicePage).reactElement(), {
      apis: [[selfServiceApiRef, api]],
    });

    expect(
      await screen.findByRole('article', { name: 'Rotate credentials' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Approval required')).toBeInTheDocument();
  });

  it('adds the Workflows tab to components, systems, resources and APIs', () => {
    const tester = createExtensionTester(entityWorkflowsContent);
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    const entityOfKind = (kind: string) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: { name: 'x' },
    });

    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Workflows');
    for (const kind of ['Component', 'System', 'Resource', 'API']) {
      expect(filter?.(entityOfKind(kind))).toBe(true);
    }
    for (const kind of ['User', 'Group', 'Domain', 'Location']) {
      expect(filter?.(entityOfKind(kind))).toBe(false);
    }
  });
});

import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { selfServiceApiRef } from './api';
import {
  mockSelfServiceApi,
  makeWorkflow,
  makeWorkflowPage,
} from './testUtils/fixtures';
import plugin, { entityWorkflowsContent, selfServicePage } from './alpha';

/*
 * The extensions load their components lazily; the first load compiles
 * them, which takes more than the default second in a busy Jest worker.
 */
const LAZY_LOAD = { timeout: 10_000 };

describe('self-service alpha plugin', () => {
  it('is the self-service plugin', () => {
    expect(plugin.id).toBe('self-service');
  });

  it('renders the page with its empty state', async () => {
    const api = mockSelfServiceApi();

    renderInTestApp(createExtensionTester(selfServicePage).reactElement(), {
      apis: [[selfServiceApiRef, api]],
    });

    expect(
      await screen.findByText('No workflows yet', undefined, LAZY_LOAD),
    ).toBeInTheDocument();
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
      await screen.findByRole(
        'article',
        { name: 'Rotate credentials' },
        LAZY_LOAD,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Approval required')).toBeInTheDocument();
  });

  it('shows the first page of the workflows of the entity on its tab, and the next on demand', async () => {
    const api = mockSelfServiceApi();
    api.listWorkflows.mockImplementation(async options =>
      options?.cursor
        ? makeWorkflowPage([makeWorkflow({ id: 'w-2', name: 'Scale down' })], {
            totalCount: 2,
          })
        : makeWorkflowPage([makeWorkflow({ id: 'w-1', name: 'Restart' })], {
            nextCursor: 'page-2',
            totalCount: 2,
          }),
    );
    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'payments', namespace: 'default' },
    };

    renderInTestApp(
      <EntityProvider entity={entity}>
        {createExtensionTester(entityWorkflowsContent).reactElement()}
      </EntityProvider>,
      { apis: [[selfServiceApiRef, api]] },
    );

    expect(
      await screen.findByRole('article', { name: 'Restart' }, LAZY_LOAD),
    ).toBeInTheDocument();
    expect(screen.getByText('Showing 1 of 2 workflows.')).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Show more workflows' }),
    );
    expect(
      await screen.findByRole('article', { name: 'Scale down' }),
    ).toBeInTheDocument();
    expect(api.listWorkflows).toHaveBeenLastCalledWith({
      entityRef: 'component:default/payments',
      scope: 'entity',
      cursor: 'page-2',
      limit: 24,
    });
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

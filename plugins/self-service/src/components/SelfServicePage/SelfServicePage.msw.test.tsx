import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  WorkflowListItem,
  selfServiceWorkflowUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeWorkflow } from '../../testUtils/fixtures';
import {
  SELF_SERVICE_URL,
  backstageErrorResponse,
  mswSelfServiceClient,
} from '../../testUtils/mswBackend';
import {
  makeWorkflows,
  serveWorkflowList,
} from '../Workflows/__testUtils__/workflowListBackend';
import {
  SelfServicePage,
  WORKFLOW_SEARCH_DEBOUNCE_MS,
} from './SelfServicePage';

/*
 * The Workflows tab of the Self-Service page with the real SelfServiceClient;
 * msw stands in for the backend, which searches, filters and pages the list
 * and says what the caller may do with each workflow.
 */

const rotate = makeWorkflow({
  id: 'w-rotate',
  identifier: 'rotate-credentials',
  name: 'Rotate database credentials',
  description: 'Issues new credentials and revokes the old ones.',
  scope: { type: 'entity', kinds: ['Resource'] },
  access: { type: 'approval', approvers: ['group:default/dba'] },
});

const sandbox = makeWorkflow({
  id: 'w-sandbox',
  identifier: 'request-sandbox',
  name: 'Request a sandbox',
  scope: { type: 'global' },
  capabilities: { run: { allowed: true }, edit: true, delete: true },
});

const freeze = makeWorkflow({
  id: 'w-freeze',
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  description: 'Stops every pipeline from deploying to production.',
  scope: { type: 'global' },
  managedBy: 'config',
  capabilities: { run: { allowed: true }, edit: true, delete: false },
});

/** Three named workflows, then thirty numbered ones: two pages and a bit. */
const catalogue: WorkflowListItem[] = [
  rotate,
  sandbox,
  freeze,
  ...makeWorkflows(30),
];

/** The names of the workflow cards on show. */
function shownWorkflows() {
  return screen
    .queryAllByRole('heading', { level: 3 })
    .map(heading => heading.textContent);
}

// Two pages of cards render slowly on a busy machine.
jest.setTimeout(30_000);

/** How long to wait for what a user waits for: a page of cards to render. */
const UI = { timeout: 5000 };

/** An answer the backend holds back until the test releases it. */
function heldAnswer() {
  let release = () => {};
  const answer = new Promise<void>(resolve => {
    release = resolve;
  });
  return { answer, release };
}

/** Lets timers and the answers they lead to run out. */
async function settle(ms = WORKFLOW_SEARCH_DEBOUNCE_MS * 3) {
  await act(() => new Promise(resolve => setTimeout(resolve, ms)));
}

describe('SelfServicePage against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const permissionApi = mockApis.permission();
  const authorize = jest.spyOn(permissionApi, 'authorize');

  beforeEach(() => {
    authorize.mockClear();
    server.use(
      http.get(`${SELF_SERVICE_URL}/runs`, () =>
        HttpResponse.json({ items: [] }),
      ),
    );
  });

  function renderPage() {
    return renderInTestApp(
      <TestApiProvider
        apis={[
          [selfServiceApiRef, mswSelfServiceClient()],
          [permissionApiRef, permissionApi],
          [catalogApiRef, catalogApiMock()],
          [identityApiRef, mockApis.identity()],
        ]}
      >
        <SelfServicePage />
      </TestApiProvider>,
      {
        mountedRoutes: {
          '/self-service': rootRouteRef,
          '/catalog/:namespace/:kind/:name': entityRouteRef,
        },
      },
    );
  }

  /** Types into the search box with no pause between keys. */
  async function typeSearch(text: string) {
    const search = screen.getByRole('searchbox', { name: 'Search workflows' });
    await userEvent.type(search, text, { delay: null });
    return search;
  }

  it('shows the first page, then appends the next ones on demand', async () => {
    const backend = serveWorkflowList(server, catalogue);
    await renderPage();

    expect(
      await screen.findByRole(
        'article',
        {
          name: 'Rotate database credentials',
        },
        UI,
      ),
    ).toBeInTheDocument();
    expect(shownWorkflows()).toHaveLength(24);
    expect(screen.getByText('Showing 24 of 33 workflows.')).toBeInTheDocument();
    expect(backend.requests).toHaveLength(1);
    expect(Object.fromEntries(backend.requests[0].query)).toEqual({
      limit: '24',
    });

    await userEvent.click(
      screen.getByRole('button', { name: 'Show more workflows' }),
    );

    expect(
      await screen.findByRole('article', { name: 'Workflow 030' }, UI),
    ).toBeInTheDocument();
    expect(shownWorkflows()).toHaveLength(33);
    // The first page stays, in order, with the second after it.
    expect(shownWorkflows().slice(0, 3)).toEqual([
      'Rotate database credentials',
      'Request a sandbox',
      'Freeze deployments',
    ]);
    expect(screen.getByText('Showing all 33 workflows.')).toHaveFocus();
    expect(
      screen.queryByRole('button', { name: 'Show more workflows' }),
    ).not.toBeInTheDocument();
    expect(backend.requests).toHaveLength(2);
    expect(Object.fromEntries(backend.requests[1].query)).toEqual({
      cursor: 'offset-24',
      limit: '24',
    });
  });

  it('sends one search once typing pauses, and shows its results and count', async () => {
    const backend = serveWorkflowList(server, catalogue);
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    const search = await typeSearch('sandbox');
    // What is typed shows at once, before the server answers.
    expect(search).toHaveValue('sandbox');

    await waitFor(
      () => expect(shownWorkflows()).toEqual(['Request a sandbox']),
      UI,
    );
    // The count is the server's, once it answers.
    expect(
      await screen.findByText(
        'Showing 1 workflow matching your search.',
        undefined,
        UI,
      ),
    ).toBeInTheDocument();
    await settle();
    const searches = backend.requests.filter(r => r.query.has('search'));
    expect(searches).toHaveLength(1);
    expect(Object.fromEntries(searches[0].query)).toEqual({
      search: 'sandbox',
      limit: '24',
    });
    expect(backend.requests).toHaveLength(2);
  });

  it('counts the matches on every page of a search', async () => {
    serveWorkflowList(server, catalogue);
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    await typeSearch('number');

    expect(
      await screen.findByText(
        'Showing 24 of 30 workflows matching your search.',
        undefined,
        UI,
      ),
    ).toBeInTheDocument();
    expect(shownWorkflows()[0]).toBe('Workflow 001');
  });

  it('narrows the cards shown as a search is typed on, then adds the matches the server finds beyond them', async () => {
    const { answer, release } = heldAnswer();
    serveWorkflowList(server, catalogue, {
      gate: query =>
        query.get('search') === 'workflow 02' ? answer : undefined,
    });
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    // Workflows 001 to 021 are loaded; of those, three match at once.
    await typeSearch('workflow 02');
    expect(shownWorkflows()).toEqual([
      'Workflow 002',
      'Workflow 020',
      'Workflow 021',
    ]);
    expect(
      screen.getByText(
        'Showing 3 workflows matching your search; searching for more…',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', { name: 'Searching workflows' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Show more workflows' }),
    ).not.toBeInTheDocument();

    release();
    expect(
      await screen.findByText(
        'Showing all 11 workflows matching your search.',
        undefined,
        UI,
      ),
    ).toBeInTheDocument();
    expect(shownWorkflows()).toEqual([
      'Workflow 002',
      'Workflow 020',
      'Workflow 021',
      'Workflow 022',
      'Workflow 023',
      'Workflow 024',
      'Workflow 025',
      'Workflow 026',
      'Workflow 027',
      'Workflow 028',
      'Workflow 029',
    ]);
  });

  it('says it is searching, not that nothing matches, while no loaded card matches', async () => {
    const { answer, release } = heldAnswer();
    serveWorkflowList(server, catalogue, {
      gate: query => (query.get('search') === '030' ? answer : undefined),
    });
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    await typeSearch('030');
    expect(shownWorkflows()).toEqual([]);
    expect(screen.getByText('Searching all workflows…')).toBeInTheDocument();
    expect(
      screen.queryByText('No workflow matches your search and filters.'),
    ).not.toBeInTheDocument();

    release();
    await waitFor(() => expect(shownWorkflows()).toEqual(['Workflow 030']), UI);
  });

  it('keeps the cards of a search until the server answers one that may find more', async () => {
    const { answer, release } = heldAnswer();
    serveWorkflowList(server, catalogue, {
      gate: query => (query.get('search') === 'free' ? answer : undefined),
    });
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);
    const search = await typeSearch('freeze');
    await screen.findByText(
      'Showing 1 workflow matching your search.',
      undefined,
      UI,
    );

    // Deleting a letter may find more: what is shown waits for the server.
    await userEvent.type(search, '{Backspace}{Backspace}', { delay: null });
    await settle();
    expect(shownWorkflows()).toEqual(['Freeze deployments']);
    expect(
      screen.getByRole('progressbar', { name: 'Searching workflows' }),
    ).toBeInTheDocument();

    release();
    await waitFor(
      () =>
        expect(
          screen.queryByRole('progressbar', { name: 'Searching workflows' }),
        ).not.toBeInTheDocument(),
      UI,
    );
    expect(shownWorkflows()).toEqual(['Freeze deployments']);
  });

  it('never lets the answer to an older search replace that to a newer one', async () => {
    const { answer: oldAnswer, release: releaseOld } = heldAnswer();
    const backend = serveWorkflowList(server, catalogue, {
      gate: query => (query.get('search') === 'rotate' ? oldAnswer : undefined),
    });
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    const search = await typeSearch('rotate');
    await waitFor(
      () =>
        expect(backend.requests.map(r => r.query.get('search'))).toContain(
          'rotate',
        ),
      UI,
    );
    // The page stays usable while the search is on its way, with the cards
    // loaded that match.
    expect(
      screen.getByRole('progressbar', { name: 'Searching workflows' }),
    ).toBeInTheDocument();
    expect(shownWorkflows()).toEqual(['Rotate database credentials']);

    await userEvent.clear(search);
    await userEvent.type(search, 'freeze', { delay: null });
    await waitFor(
      () => expect(shownWorkflows()).toEqual(['Freeze deployments']),
      UI,
    );

    releaseOld();
    await settle();
    expect(shownWorkflows()).toEqual(['Freeze deployments']);
    expect(
      screen.getByText('Showing 1 workflow matching your search.'),
    ).toBeInTheDocument();
    expect(search).toHaveValue('freeze');
    expect(
      screen.queryByRole('progressbar', { name: 'Searching workflows' }),
    ).not.toBeInTheDocument();
  });

  it('sends the scope and approval filters, and clears them when nothing matches', async () => {
    const backend = serveWorkflowList(server, catalogue);
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Scope' }),
      'global',
    );
    expect(
      await screen.findByText(
        'Showing all 2 workflows matching your filters.',
        undefined,
        UI,
      ),
    ).toBeInTheDocument();
    expect(shownWorkflows()).toEqual([
      'Request a sandbox',
      'Freeze deployments',
    ]);
    expect(Object.fromEntries(backend.requests.at(-1)!.query)).toEqual({
      scope: 'global',
      limit: '24',
    });

    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Approval required only' }),
    );
    expect(
      await screen.findByText(
        'No workflow matches your search and filters.',
        undefined,
        UI,
      ),
    ).toBeInTheDocument();
    expect(Object.fromEntries(backend.requests.at(-1)!.query)).toEqual({
      scope: 'global',
      approval: 'true',
      limit: '24',
    });

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear search and filters' }),
    );
    expect(
      await screen.findByText('Showing 24 of 33 workflows.', undefined, UI),
    ).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Scope' })).toHaveValue('all');
    expect(
      screen.getByRole('checkbox', { name: 'Approval required only' }),
    ).not.toBeChecked();
    expect(Object.fromEntries(backend.requests.at(-1)!.query)).toEqual({
      limit: '24',
    });
  });

  it('offers Edit and the managed notice from the capabilities, asking no permission per card', async () => {
    serveWorkflowList(server, catalogue);
    await renderPage();

    const sandboxCard = await screen.findByRole(
      'article',
      {
        name: 'Request a sandbox',
      },
      UI,
    );
    expect(
      within(sandboxCard).getByRole('button', {
        name: 'Edit: Request a sandbox',
      }),
    ).toHaveAttribute('href', '/self-service/workflows/request-sandbox/edit');
    const freezeCard = screen.getByRole('article', {
      name: 'Freeze deployments',
    });
    expect(
      within(freezeCard).getByText('Managed in app-config; edit it there'),
    ).toBeInTheDocument();
    const rotateCard = screen.getByRole('article', {
      name: 'Rotate database credentials',
    });
    expect(
      within(rotateCard).queryByRole('button', { name: /^Edit/ }),
    ).not.toBeInTheDocument();

    await settle();
    expect(authorize).not.toHaveBeenCalledWith(
      expect.objectContaining({
        permission: selfServiceWorkflowUpdatePermission,
      }),
    );
    // Only the page's own questions: may they create, may they see all runs.
    expect(authorize.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('shows the empty state, without search or filters, when there are no workflows', async () => {
    serveWorkflowList(server, []);
    await renderPage();

    expect(
      await screen.findByText('No workflows yet', undefined, UI),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('searchbox', { name: 'Search workflows' }),
    ).not.toBeInTheDocument();
  });

  it('shows the error of the backend when the workflows cannot be loaded', async () => {
    server.use(
      http.get(`${SELF_SERVICE_URL}/workflows`, () =>
        backstageErrorResponse(500, 'Error', 'The database is down'),
      ),
    );
    await renderPage();

    expect(
      await screen.findByText(/Could not load workflows/, undefined, UI),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/The database is down/).length).toBeGreaterThan(
      0,
    );
    expect(screen.queryByText('No workflows yet')).not.toBeInTheDocument();
    expect(shownWorkflows()).toEqual([]);
  });

  it('keeps the search box when a search fails, so it can be changed', async () => {
    serveWorkflowList(server, catalogue, {
      gate: query =>
        query.get('search') === 'broken'
          ? backstageErrorResponse(503, 'Error', 'Search is unavailable')
          : undefined,
    });
    await renderPage();
    await screen.findByText('Showing 24 of 33 workflows.', undefined, UI);

    const search = await typeSearch('broken');

    expect(
      await screen.findByText(/Could not load workflows/, undefined, UI),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Search is unavailable/).length).toBeGreaterThan(
      0,
    );
    expect(search).toBeInTheDocument();
    await userEvent.clear(search);
    expect(
      await screen.findByText('Showing 24 of 33 workflows.', undefined, UI),
    ).toBeInTheDocument();
  });
});

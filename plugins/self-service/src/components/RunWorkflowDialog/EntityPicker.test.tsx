import { useState } from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { makeWorkflow } from '../../testUtils/fixtures';
import { makeEntity } from '../../testUtils/workflowFixtures';
import { EntityPicker } from './EntityPicker';

type CatalogApi = typeof catalogApiRef.T;
type QueryEntitiesResponse = Awaited<ReturnType<CatalogApi['queryEntities']>>;

const entities = [
  makeEntity('Component', 'payments', {
    type: 'service',
    title: 'Payments',
    owner: 'group:default/team-a',
  }),
  makeEntity('Component', 'checkout', {
    type: 'service',
    owner: 'group:default/team-b',
  }),
  makeEntity('Component', 'paypal-bridge', {
    type: 'service',
    owner: 'group:default/team-a',
  }),
  makeEntity('Component', 'web', {
    type: 'website',
    owner: 'group:default/team-a',
  }),
];

const serviceWorkflow = makeWorkflow({
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
});

/** The picker with its value kept in state, as the dialog does. */
function Picker(props: { workflow: WorkflowListItem; initial?: Entity }) {
  const [value, setValue] = useState<Entity | null>(props.initial ?? null);
  return (
    <EntityPicker workflow={props.workflow} value={value} onChange={setValue} />
  );
}

function renderPicker(options: {
  workflow: WorkflowListItem;
  entities?: Entity[];
  initial?: Entity;
  /** Stands in for the catalog's answer to queryEntities. */
  query?: CatalogApi['queryEntities'];
}) {
  const catalogApi = catalogApiMock({ entities: options.entities ?? [] });
  const queryEntities = jest.spyOn(catalogApi, 'queryEntities');
  if (options.query) {
    queryEntities.mockImplementation(options.query);
  }
  render(
    <TestApiProvider
      apis={[
        [catalogApiRef, catalogApi],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/jane',
            ownershipEntityRefs: ['user:default/jane', 'group:default/team-a'],
          }),
        ],
      ]}
    >
      <Picker workflow={options.workflow} initial={options.initial} />
    </TestApiProvider>,
  );
  return { queryEntities };
}

function entityField() {
  return screen.getByRole('textbox', { name: /Entity/ });
}

function shownOptions() {
  return within(screen.getByRole('listbox'))
    .getAllByRole('option')
    .map(option => option.textContent);
}

/** The full-text search term of a request to queryEntities, if any. */
function termOf(request: Parameters<CatalogApi['queryEntities']>[0]) {
  return request && 'fullTextFilter' in request
    ? request.fullTextFilter?.term
    : undefined;
}

function response(items: Entity[], totalItems = items.length) {
  return { items, totalItems, pageInfo: {} };
}

describe('EntityPicker', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('searches the catalog for what the user types once typing pauses', async () => {
    jest.useFakeTimers();
    const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
    const { queryEntities } = renderPicker({
      entities,
      workflow: serviceWorkflow,
    });

    await waitFor(() => expect(queryEntities).toHaveBeenCalledTimes(1));
    expect(queryEntities).toHaveBeenLastCalledWith({
      filter: { kind: ['Component'], 'spec.type': ['service'] },
      fields: expect.arrayContaining(['kind', 'metadata.name', 'relations']),
      limit: 50,
      orderFields: { field: 'metadata.name', order: 'asc' },
      fullTextFilter: undefined,
    });

    await user.type(entityField(), 'pay');
    expect(queryEntities).toHaveBeenCalledTimes(1);
    act(() => {
      jest.advanceTimersByTime(249);
    });
    expect(queryEntities).toHaveBeenCalledTimes(1);
    act(() => {
      jest.advanceTimersByTime(1);
    });

    // One search for the whole term, none for every keystroke.
    expect(queryEntities).toHaveBeenCalledTimes(2);
    expect(queryEntities).toHaveBeenLastCalledWith({
      filter: { kind: ['Component'], 'spec.type': ['service'] },
      fields: expect.any(Array),
      limit: 50,
      orderFields: { field: 'metadata.name', order: 'asc' },
      fullTextFilter: {
        term: 'pay',
        fields: ['metadata.name', 'metadata.title'],
      },
    });
    await waitFor(() =>
      expect(shownOptions()).toEqual([
        'component:paypal-bridge',
        'Payments (component:payments)',
      ]),
    );
  });

  it('searches only among the entities the user owns for owner-only workflows', async () => {
    const { queryEntities } = renderPicker({
      entities,
      workflow: makeWorkflow({
        scope: { type: 'entity', kinds: ['Component'] },
        access: { type: 'owners' },
      }),
    });

    await userEvent.type(entityField(), 'p');

    await waitFor(() =>
      expect(queryEntities).toHaveBeenLastCalledWith(
        expect.objectContaining({
          filter: {
            kind: ['Component'],
            'relations.ownedBy': ['user:default/jane', 'group:default/team-a'],
          },
          fullTextFilter: {
            term: 'p',
            fields: ['metadata.name', 'metadata.title'],
          },
        }),
      ),
    );
    await waitFor(() =>
      expect(shownOptions()).toEqual([
        'component:paypal-bridge',
        'Payments (component:payments)',
      ]),
    );
    expect(entityField()).toHaveAccessibleDescription(
      'Only entities you own are listed.',
    );
  });

  it('says when the catalog has more entities than it shows', async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      makeEntity('Component', `svc-${String(i).padStart(2, '0')}`, {
        type: 'service',
      }),
    );
    renderPicker({ entities: many, workflow: serviceWorkflow });

    await userEvent.click(entityField());
    const hint = await screen.findByText(
      'Showing the first 50 of 60; type to narrow down.',
    );
    expect(hint).toHaveAttribute('role', 'status');
    expect(shownOptions()).toHaveLength(50);
    expect(shownOptions()[0]).toBe('component:svc-00');

    await userEvent.type(entityField(), 'svc-5');

    await waitFor(() => expect(shownOptions()).toHaveLength(10));
    expect(screen.queryByText(/Showing the first/)).not.toBeInTheDocument();
  });

  it('ignores the answer to an older search that comes in last', async () => {
    const pending = new Map<string, (answer: QueryEntitiesResponse) => void>();
    renderPicker({
      workflow: serviceWorkflow,
      query: request =>
        new Promise(resolve => {
          pending.set(termOf(request) ?? '', resolve);
        }),
    });
    const [payments, checkout, paypal] = entities;

    await waitFor(() => expect(pending.has('')).toBe(true));
    await act(async () => pending.get('')!(response([checkout, payments])));

    await userEvent.type(entityField(), 'pay');
    await waitFor(() => expect(pending.has('pay')).toBe(true));
    await userEvent.type(entityField(), 'm');
    await waitFor(() => expect(pending.has('paym')).toBe(true));

    await act(async () => pending.get('paym')!(response([payments])));
    await waitFor(() =>
      expect(shownOptions()).toEqual(['Payments (component:payments)']),
    );
    // The slower, older search answers last: its answer is dropped.
    await act(async () => pending.get('pay')!(response([paypal, payments])));
    expect(shownOptions()).toEqual(['Payments (component:payments)']);
    expect(
      screen.queryByRole('progressbar', { name: 'Loading entities' }),
    ).not.toBeInTheDocument();
  });

  it('says when nothing matches what the user typed', async () => {
    renderPicker({ entities, workflow: serviceWorkflow });

    await userEvent.type(entityField(), 'zzz');

    expect(await screen.findByText('No matching entities')).toBeInTheDocument();
    expect(entityField()).toHaveAccessibleDescription(
      'The entity the workflow runs against.',
    );
  });

  it('keeps the chosen entity as an option when a search does not find it', async () => {
    const gone = makeEntity('Component', 'legacy', { type: 'service' });
    const warn = jest.spyOn(console, 'warn');
    renderPicker({ entities, workflow: serviceWorkflow, initial: gone });

    expect(entityField()).toHaveValue('component:legacy');
    await userEvent.click(entityField());
    await waitFor(() =>
      expect(shownOptions()).toEqual([
        'component:legacy',
        'component:checkout',
        'component:paypal-bridge',
        'Payments (component:payments)',
      ]),
    );
    expect(warn).not.toHaveBeenCalledWith(
      expect.stringContaining('None of the options match'),
    );
    warn.mockRestore();
  });

  it('shows why the entities could not be loaded', async () => {
    renderPicker({
      workflow: serviceWorkflow,
      query: () => Promise.reject(new Error('catalog is down')),
    });

    await waitFor(() =>
      expect(entityField()).toHaveAccessibleDescription(
        'Could not load entities: catalog is down',
      ),
    );
    expect(entityField()).toBeInvalid();
  });
});

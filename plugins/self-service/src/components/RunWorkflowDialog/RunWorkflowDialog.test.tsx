import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router-dom';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import {
  makeRun,
  makeWorkflow,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import {
  makeEntity,
  makeWorkflowWithParameters,
} from '../../testUtils/workflowFixtures';
import { makeResponseError } from '../../testUtils/fixtures';
import { RunWorkflowDialog } from './RunWorkflowDialog';

const mountedRoutes = {
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

/** Where the app is; the open dialog hides the rest of the page. */
function currentPath() {
  return screen.getByTestId('location').textContent;
}

async function renderDialog(options: {
  workflow: WorkflowListItem;
  entityRef?: string;
  api?: ReturnType<typeof mockSelfServiceApi>;
  entities?: Entity[];
  ownershipEntityRefs?: string[];
}) {
  const api = options.api ?? mockSelfServiceApi();
  const catalogApi = catalogApiMock({ entities: options.entities ?? [] });
  const queryEntities = jest.spyOn(catalogApi, 'queryEntities');
  const onClose = jest.fn();
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [selfServiceApiRef, api],
        [catalogApiRef, catalogApi],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/jane',
            ownershipEntityRefs: options.ownershipEntityRefs ?? [
              'user:default/jane',
              'group:default/team-a',
            ],
          }),
        ],
      ]}
    >
      <RunWorkflowDialog
        workflow={options.workflow}
        entityRef={options.entityRef}
        open
        onClose={onClose}
      />
      <Location />
    </TestApiProvider>,
    { mountedRoutes },
  );
  return { api, onClose, queryEntities };
}

function field(name: RegExp | string) {
  return screen.getByRole('textbox', { name });
}

describe('RunWorkflowDialog', () => {
  it('shows the workflow, the approvers and a request button for approval workflows', async () => {
    await renderDialog({
      workflow: makeWorkflow({
        name: 'Rotate credentials',
        description: 'Issues new credentials.',
        scope: { type: 'global' },
        access: {
          type: 'approval',
          approvers: ['group:default/dba', 'user:default/ada'],
        },
      }),
    });

    const dialog = screen.getByRole('dialog', { name: 'Rotate credentials' });
    expect(
      within(dialog).getByText('Issues new credentials.'),
    ).toBeInTheDocument();
    const note = within(dialog).getByRole('note');
    expect(within(note).getByText('Approval required')).toBeInTheDocument();
    expect(within(note).getByText('dba')).toBeInTheDocument();
    expect(within(note).getByText('user:ada')).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Request run' }),
    ).toBeEnabled();
    expect(
      within(dialog).queryByRole('button', { name: 'Run' }),
    ).not.toBeInTheDocument();
    expect(
      within(dialog).queryByRole('textbox', { name: /Entity/ }),
    ).not.toBeInTheDocument();
  });

  it('builds a field for every parameter, marks required ones and pre-fills defaults', async () => {
    await renderDialog({
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });

    const reason = field(/Reason/);
    expect(reason).toBeRequired();
    expect(reason).toHaveValue('');
    expect(reason).toHaveAccessibleDescription(
      'Why the service needs a restart.',
    );
    expect(field(/Replicas/)).toHaveValue('2');
    expect(field(/Replicas/)).not.toBeRequired();
    expect(field(/Surge ratio/)).toHaveValue('');

    const drain = screen.getByRole('checkbox', { name: 'Drain connections' });
    expect(drain).toBeChecked();
    expect(drain).toHaveAccessibleDescription(
      'Wait for open connections to close.',
    );
    await userEvent.click(drain);
    expect(drain).not.toBeChecked();

    const env = screen.getByRole('combobox', { name: /Environment/ });
    expect(env).toBeRequired();
    expect(env).toHaveValue('staging');
    expect(
      within(env)
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['staging', 'production']);
    await userEvent.selectOptions(env, 'production');
    expect(env).toHaveValue('production');

    // The entity is fixed: no picker, the entity is named.
    expect(
      screen.queryByRole('textbox', { name: /Entity/ }),
    ).not.toBeInTheDocument();
    expect(screen.getByText('payments')).toBeInTheDocument();
  });

  it('refuses integers that are not whole numbers', async () => {
    const { api } = await renderDialog({
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });
    await userEvent.type(field(/Reason/), 'Memory leak');

    const replicas = field(/Replicas/);
    await userEvent.clear(replicas);
    await userEvent.type(replicas, 'abc');
    await userEvent.tab();
    expect(replicas).toBeInvalid();
    expect(replicas).toHaveAccessibleDescription(
      'Enter a whole number, for example 3.',
    );

    await userEvent.clear(replicas);
    await userEvent.type(replicas, '1.5');
    expect(replicas).toHaveAccessibleDescription(
      'Enter a whole number, for example 3.',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));
    expect(api.triggerRun).not.toHaveBeenCalled();
    expect(replicas).toHaveFocus();

    await userEvent.clear(replicas);
    await userEvent.type(replicas, '-3');
    expect(replicas).toBeValid();
    // The backend fills in the default for a value left out, and says so.
    expect(replicas).toHaveAccessibleDescription(
      'How many pods to keep. Left empty, the default (2) is used.',
    );
  });

  it('refuses floats that are not numbers and accepts decimals', async () => {
    await renderDialog({
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });

    const ratio = field(/Surge ratio/);
    await userEvent.type(ratio, 'abc');
    await userEvent.tab();
    expect(ratio).toBeInvalid();
    expect(ratio).toHaveAccessibleDescription(
      'Enter a number, for example 1.5.',
    );

    await userEvent.clear(ratio);
    await userEvent.type(ratio, '1.5');
    expect(ratio).toBeValid();
  });

  it('asks for required values before sending anything', async () => {
    const { api } = await renderDialog({
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });

    await userEvent.click(screen.getByRole('button', { name: 'Run' }));

    const reason = field(/Reason/);
    expect(reason).toBeInvalid();
    expect(reason).toHaveAccessibleDescription('Enter a value.');
    expect(reason).toHaveFocus();
    expect(api.triggerRun).not.toHaveBeenCalled();

    await userEvent.type(reason, 'x');
    expect(reason).toBeValid();
  });

  it('sends typed inputs and the entity, then opens the run page', async () => {
    const api = mockSelfServiceApi();
    api.triggerRun.mockResolvedValue(makeRun({ id: 'r-42' }));
    const { onClose } = await renderDialog({
      api,
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });

    await userEvent.type(field(/Reason/), 'Memory leak');
    await userEvent.clear(field(/Replicas/));
    await userEvent.type(field(/Replicas/), '3');
    await userEvent.type(field(/Surge ratio/), '0.25');
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Drain connections' }),
    );
    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: /Environment/ }),
      'production',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));

    await waitFor(() => expect(currentPath()).toBe('/self-service/runs/r-42'));
    expect(api.triggerRun).toHaveBeenCalledWith('restart-service', {
      entityRef: 'component:default/payments',
      inputs: {
        reason: 'Memory leak',
        replicas: 3,
        ratio: 0.25,
        drain: false,
        env: 'production',
      },
    });
    expect(onClose).toHaveBeenCalled();
  });

  it('leaves out empty optional inputs and sends no entity for global workflows', async () => {
    const api = mockSelfServiceApi();
    api.triggerRun.mockResolvedValue(makeRun({ id: 'r-7' }));
    await renderDialog({
      api,
      workflow: makeWorkflowWithParameters({ scope: { type: 'global' } }),
    });

    await userEvent.type(field(/Reason/), 'Because');
    await userEvent.clear(field(/Replicas/));
    // Submitting with the keyboard: Enter in a text field.
    await userEvent.type(field(/Reason/), '{Enter}');

    await waitFor(() => expect(api.triggerRun).toHaveBeenCalled());
    expect(api.triggerRun.mock.calls[0]).toEqual([
      'restart-service',
      { inputs: { reason: 'Because', drain: true, env: 'staging' } },
    ]);
  });

  it('shows a 400 of the backend at the field it names', async () => {
    const api = mockSelfServiceApi();
    api.triggerRun.mockRejectedValue(
      await makeResponseError(
        400,
        'InputError',
        'inputs.replicas: must be at most 10',
      ),
    );
    const { onClose } = await renderDialog({
      api,
      workflow: makeWorkflowWithParameters(),
      entityRef: 'component:default/payments',
    });

    await userEvent.type(field(/Reason/), 'Scale');
    await userEvent.clear(field(/Replicas/));
    await userEvent.type(field(/Replicas/), '50');
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));

    const replicas = field(/Replicas/);
    await waitFor(() => expect(replicas).toBeInvalid());
    expect(replicas).toHaveAccessibleDescription('Must be at most 10.');
    expect(replicas).toHaveFocus();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('shows other backend errors with their reason at the top', async () => {
    const api = mockSelfServiceApi();
    api.triggerRun.mockRejectedValue(
      await makeResponseError(
        403,
        'NotAllowedError',
        'Only owners of payments may run this workflow',
      ),
    );
    await renderDialog({
      api,
      workflow: makeWorkflow({ scope: { type: 'global' } }),
    });

    await userEvent.click(screen.getByRole('button', { name: 'Run' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You may not run this workflow');
    expect(alert).toHaveTextContent(
      'Only owners of payments may run this workflow',
    );
    expect(currentPath()).toBe('/');
  });

  it('disables the buttons while the run is being triggered', async () => {
    const api = mockSelfServiceApi();
    let resolve: (run: ReturnType<typeof makeRun>) => void = () => {};
    api.triggerRun.mockReturnValue(
      new Promise(r => {
        resolve = r;
      }),
    );
    await renderDialog({
      api,
      workflow: makeWorkflow({ scope: { type: 'global' } }),
    });

    await userEvent.click(screen.getByRole('button', { name: 'Run' }));

    expect(await screen.findByRole('button', { name: 'Run…' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    resolve(makeRun({ id: 'r-1' }));
    await waitFor(() => expect(currentPath()).toBe('/self-service/runs/r-1'));
  });

  it('closes on Cancel', async () => {
    const { onClose } = await renderDialog({
      workflow: makeWorkflow({ scope: { type: 'global' } }),
    });

    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(onClose).toHaveBeenCalled();
  });

  describe('entity field', () => {
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
      makeEntity('Component', 'web', {
        type: 'website',
        owner: 'group:default/team-a',
      }),
      makeEntity('Resource', 'orders-db', {
        type: 'database',
        owner: 'group:default/team-a',
      }),
    ];

    async function optionsOf(entityField: HTMLElement) {
      await userEvent.click(entityField);
      const listbox = await screen.findByRole('listbox');
      return within(listbox)
        .getAllByRole('option')
        .map(option => option.textContent);
    }

    it('offers the entities of the workflow kinds and types, and sends the chosen one', async () => {
      const api = mockSelfServiceApi();
      api.triggerRun.mockResolvedValue(makeRun({ id: 'r-5' }));
      const { queryEntities } = await renderDialog({
        api,
        entities,
        workflow: makeWorkflow({
          scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
        }),
      });

      const entityField = field(/Entity/);
      expect(entityField).toBeRequired();
      expect(await optionsOf(entityField)).toEqual([
        'component:checkout',
        'Payments (component:payments)',
      ]);
      expect(queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          filter: { kind: ['Component'], 'spec.type': ['service'] },
          limit: 50,
          orderFields: { field: 'metadata.name', order: 'asc' },
          fullTextFilter: undefined,
        }),
      );

      await userEvent.click(
        screen.getByRole('option', { name: 'component:checkout' }),
      );
      await userEvent.click(screen.getByRole('button', { name: 'Run' }));

      await waitFor(() =>
        expect(api.triggerRun).toHaveBeenCalledWith('restart-service', {
          entityRef: 'component:default/checkout',
          inputs: {},
        }),
      );
    });

    it('offers only entities the user owns for owner-only workflows', async () => {
      const { queryEntities } = await renderDialog({
        entities,
        workflow: makeWorkflow({
          scope: { type: 'entity', kinds: ['Component', 'Resource'] },
          access: { type: 'owners' },
        }),
      });

      const entityField = field(/Entity/);
      expect(entityField).toHaveAccessibleDescription(
        'Only entities you own are listed.',
      );
      expect(await optionsOf(entityField)).toEqual([
        'component:web',
        'Payments (component:payments)',
        'resource:orders-db',
      ]);
      expect(queryEntities).toHaveBeenCalledWith(
        expect.objectContaining({
          limit: 50,
          filter: {
            kind: ['Component', 'Resource'],
            'relations.ownedBy': ['user:default/jane', 'group:default/team-a'],
          },
        }),
      );
    });

    it('says so when the user owns no matching entity', async () => {
      await renderDialog({
        entities,
        ownershipEntityRefs: ['user:default/jane'],
        workflow: makeWorkflow({
          scope: { type: 'entity', kinds: ['Component'] },
          access: { type: 'owners' },
        }),
      });

      await waitFor(() =>
        expect(field(/Entity/)).toHaveAccessibleDescription(
          'You own no entity this workflow applies to.',
        ),
      );
    });

    it('requires an entity and shows the backend complaint about it', async () => {
      const api = mockSelfServiceApi();
      api.triggerRun.mockRejectedValue(
        await makeResponseError(
          400,
          'InputError',
          'entityRef: the workflow does not apply to component:default/checkout',
        ),
      );
      await renderDialog({
        api,
        entities,
        workflow: makeWorkflow({
          scope: { type: 'entity', kinds: ['Component'] },
        }),
      });

      await userEvent.click(screen.getByRole('button', { name: 'Run' }));
      const entityField = field(/Entity/);
      expect(entityField).toHaveAccessibleDescription('Choose an entity.');
      expect(entityField).toHaveFocus();
      expect(api.triggerRun).not.toHaveBeenCalled();

      await optionsOf(entityField);
      await userEvent.click(
        screen.getByRole('option', { name: 'component:checkout' }),
      );
      await userEvent.click(screen.getByRole('button', { name: 'Run' }));

      await waitFor(() =>
        expect(entityField).toHaveAccessibleDescription(
          'The workflow does not apply to component:default/checkout.',
        ),
      );
    });
  });
});

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
import { identityApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { makeRun, makeWorkflow } from '../../testUtils/fixtures';
import {
  SELF_SERVICE_URL,
  SeenRequest,
  backstageErrorResponse,
  mswSelfServiceClient,
  recordRequests,
  seeRequest,
} from '../../testUtils/mswBackend';
import { RunWorkflowDialog } from './RunWorkflowDialog';

/*
 * The dialog with the real SelfServiceClient; msw stands in for the backend,
 * so what is checked is what goes over the wire and what comes back.
 */

const TRIGGER_PATH = '/api/self-service/workflows/restart-service/runs';

const mountedRoutes = {
  '/self-service': rootRouteRef,
  '/catalog/:namespace/:kind/:name': entityRouteRef,
};

/** A workflow with one parameter of every type. */
const workflow: WorkflowListItem = makeWorkflow({
  parameters: [
    {
      identifier: 'reason',
      name: 'Reason',
      description: 'Why the service needs a restart.',
      type: 'string',
      required: true,
    },
    {
      identifier: 'count',
      name: 'Pod count',
      description: 'How many pods to restart.',
      type: 'integer',
      required: true,
    },
    {
      identifier: 'ratio',
      name: 'Surge ratio',
      description: 'Extra pods during the restart, as a share.',
      type: 'float',
      required: false,
    },
    {
      identifier: 'drain',
      name: 'Drain connections',
      type: 'boolean',
      required: false,
      default: false,
    },
    {
      identifier: 'env',
      name: 'Environment',
      description: 'Where to restart.',
      type: 'select',
      required: true,
      options: ['staging', 'production'],
    },
  ],
  runnable: { allowed: true },
});

function Location() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

/** Where the app is; the open dialog hides the rest of the page. */
function currentPath() {
  return screen.getByTestId('location').textContent;
}

function textField(name: RegExp) {
  return screen.getByRole('textbox', { name });
}

function environment() {
  return screen.getByRole('combobox', { name: /Environment/ });
}

function runButton() {
  return screen.getByRole('button', { name: 'Run' });
}

describe('RunWorkflowDialog against the backend API', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const requests = recordRequests(server);

  async function renderDialog() {
    const onClose = jest.fn();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [selfServiceApiRef, mswSelfServiceClient()],
          [catalogApiRef, catalogApiMock()],
          [
            identityApiRef,
            mockApis.identity({ userEntityRef: 'user:default/jane' }),
          ],
        ]}
      >
        <RunWorkflowDialog
          workflow={workflow}
          entityRef="component:default/payments"
          open
          onClose={onClose}
        />
        <Location />
      </TestApiProvider>,
      { mountedRoutes },
    );
    return { onClose };
  }

  /** Fills in every field with a valid value. */
  async function fillInValidValues() {
    await userEvent.type(textField(/Reason/), 'Memory leak');
    await userEvent.type(textField(/Pod count/), '3');
    await userEvent.type(textField(/Surge ratio/), '0.25');
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Drain connections' }),
    );
    await userEvent.selectOptions(environment(), 'production');
  }

  /** Answers the trigger endpoint with `answer`, remembering each request. */
  function onTrigger(answer: () => Response) {
    const seen: SeenRequest[] = [];
    server.use(
      http.post(
        `${SELF_SERVICE_URL}/workflows/:identifier/runs`,
        async ({ request }) => {
          seen.push(await seeRequest(request));
          return answer();
        },
      ),
    );
    return seen;
  }

  describe('validation per parameter type', () => {
    it('requires a value for a required string', async () => {
      await renderDialog();
      const reason = textField(/Reason/);
      expect(reason).toBeRequired();
      expect(reason).toHaveAccessibleDescription(
        'Why the service needs a restart.',
      );

      await userEvent.click(runButton());

      expect(reason).toBeInvalid();
      expect(reason).toHaveAccessibleDescription('Enter a value.');
      expect(reason).toHaveFocus();
      // Blanks are no value either.
      await userEvent.type(reason, '   ');
      expect(reason).toHaveAccessibleDescription('Enter a value.');
      await userEvent.type(reason, 'x');
      expect(reason).toBeValid();
      expect(reason).toHaveAccessibleDescription(
        'Why the service needs a restart.',
      );
      expect(requests).toEqual([]);
    });

    it('refuses integers that are not whole numbers or no numbers at all', async () => {
      await renderDialog();
      await userEvent.type(textField(/Reason/), 'Memory leak');
      await userEvent.selectOptions(environment(), 'staging');
      const count = textField(/Pod count/);

      for (const wrong of ['abc', '1.5', '2e3', '3 pods']) {
        await userEvent.clear(count);
        await userEvent.type(count, wrong);
        await userEvent.tab();
        expect(count).toBeInvalid();
        expect(count).toHaveAccessibleDescription(
          'Enter a whole number, for example 3.',
        );
      }
      await userEvent.click(runButton());
      expect(count).toHaveFocus();
      expect(requests).toEqual([]);

      await userEvent.clear(count);
      await userEvent.type(count, '-4');
      expect(count).toBeValid();
      expect(count).toHaveAccessibleDescription('How many pods to restart.');
    });

    it('refuses floats that are not numbers and accepts decimals', async () => {
      await renderDialog();
      await userEvent.type(textField(/Reason/), 'Memory leak');
      await userEvent.type(textField(/Pod count/), '3');
      await userEvent.selectOptions(environment(), 'staging');
      const ratio = textField(/Surge ratio/);
      expect(ratio).not.toBeRequired();

      for (const wrong of ['abc', '1,5', '0.5.1']) {
        await userEvent.clear(ratio);
        await userEvent.type(ratio, wrong);
        await userEvent.tab();
        expect(ratio).toBeInvalid();
        expect(ratio).toHaveAccessibleDescription(
          'Enter a number, for example 1.5.',
        );
      }
      await userEvent.click(runButton());
      expect(ratio).toHaveFocus();
      expect(requests).toEqual([]);

      for (const right of ['1.5', '-.5', '2e-1', '7']) {
        await userEvent.clear(ratio);
        await userEvent.type(ratio, right);
        expect(ratio).toBeValid();
      }
    });

    it('sends a boolean as the switch stands, off by default', async () => {
      const seen = onTrigger(() =>
        HttpResponse.json(makeRun({ id: 'r-9' }), { status: 201 }),
      );
      await renderDialog();
      const drain = screen.getByRole('checkbox', {
        name: 'Drain connections',
      });
      expect(drain).not.toBeChecked();
      await userEvent.click(drain);
      expect(drain).toBeChecked();
      await userEvent.click(drain);
      expect(drain).not.toBeChecked();

      await userEvent.type(textField(/Reason/), 'x');
      await userEvent.type(textField(/Pod count/), '1');
      await userEvent.selectOptions(environment(), 'staging');
      await userEvent.click(runButton());

      await waitFor(() => expect(seen).toHaveLength(1));
      // Off is sent as false, not left out like an empty optional field.
      expect(seen[0].body).toStrictEqual({
        entityRef: 'component:default/payments',
        inputs: { reason: 'x', count: 1, drain: false, env: 'staging' },
      });
    });

    it('offers the options of a select and requires a choice', async () => {
      await renderDialog();
      await userEvent.type(textField(/Reason/), 'Memory leak');
      await userEvent.type(textField(/Pod count/), '3');
      const env = environment();
      expect(env).toBeRequired();
      expect(env).toHaveValue('');
      expect(
        within(env)
          .getAllByRole('option')
          .map(option => option.textContent),
      ).toEqual(['Choose an option', 'staging', 'production']);

      await userEvent.click(runButton());

      expect(env).toBeInvalid();
      expect(screen.getByText('Choose an option.')).toBeInTheDocument();
      expect(env).toHaveFocus();
      expect(requests).toEqual([]);

      await userEvent.selectOptions(env, 'production');
      expect(env).toHaveValue('production');
      expect(env).toBeValid();
      expect(screen.queryByText('Choose an option.')).not.toBeInTheDocument();
    });
  });

  it('posts typed inputs and the entity, then opens the run page', async () => {
    const seen = onTrigger(() =>
      HttpResponse.json(
        makeRun({
          id: 'r-42',
          inputs: {
            reason: 'Memory leak',
            count: 3,
            ratio: 0.25,
            drain: true,
            env: 'production',
          },
        }),
        { status: 201 },
      ),
    );
    const { onClose } = await renderDialog();

    await fillInValidValues();
    await userEvent.click(runButton());

    await waitFor(() => expect(currentPath()).toBe('/self-service/runs/r-42'));
    expect(onClose).toHaveBeenCalled();
    expect(requests).toEqual([`POST ${TRIGGER_PATH}`]);
    expect(seen).toHaveLength(1);
    expect(seen[0].path).toBe(TRIGGER_PATH);
    expect(seen[0].contentType).toBe('application/json');
    // Numbers as numbers, the boolean as a boolean, the select as its option.
    expect(seen[0].body).toStrictEqual({
      entityRef: 'component:default/payments',
      inputs: {
        reason: 'Memory leak',
        count: 3,
        ratio: 0.25,
        drain: true,
        env: 'production',
      },
    });
  });

  it('leaves an empty optional field out of the request', async () => {
    const seen = onTrigger(() =>
      HttpResponse.json(makeRun({ id: 'r-43' }), { status: 201 }),
    );
    await renderDialog();

    await userEvent.type(textField(/Reason/), 'Because');
    await userEvent.type(textField(/Pod count/), '0');
    await userEvent.selectOptions(environment(), 'staging');
    await userEvent.click(runButton());

    await waitFor(() => expect(currentPath()).toBe('/self-service/runs/r-43'));
    expect(seen[0].body).toStrictEqual({
      entityRef: 'component:default/payments',
      inputs: { reason: 'Because', count: 0, drain: false, env: 'staging' },
    });
  });

  it('shows a 400 of the backend at the field it names', async () => {
    const seen = onTrigger(() =>
      backstageErrorResponse(
        400,
        'InputError',
        'inputs.count: must be an integer',
      ),
    );
    const { onClose } = await renderDialog();

    await fillInValidValues();
    await userEvent.click(runButton());

    const count = textField(/Pod count/);
    await waitFor(() => expect(count).toBeInvalid());
    expect(seen).toHaveLength(1);
    // The backend's words, as a sentence, where the user can fix them.
    expect(count).toHaveAccessibleDescription('Must be an integer.');
    expect(count).toHaveFocus();
    expect(textField(/Reason/)).toBeValid();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(runButton()).toBeEnabled();
    expect(onClose).not.toHaveBeenCalled();
    expect(currentPath()).toBe('/');

    // Editing the field replaces the backend's complaint with the form's own
    // judgement of the new value.
    await userEvent.clear(count);
    await userEvent.type(count, '2');
    expect(count).toBeValid();
    expect(count).toHaveAccessibleDescription('How many pods to restart.');
  });

  it('shows backend errors that name no field of the form at the top', async () => {
    onTrigger(() =>
      backstageErrorResponse(400, 'InputError', 'inputs.legacy: unknown field'),
    );
    await renderDialog();

    await fillInValidValues();
    await userEvent.click(runButton());

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not run the workflow');
    expect(alert).toHaveTextContent('inputs.legacy: unknown field');
    for (const name of [/Reason/, /Pod count/, /Surge ratio/]) {
      expect(textField(name)).toBeValid();
    }
    expect(currentPath()).toBe('/');
  });

  it('shows a refusal of the backend with its reason', async () => {
    onTrigger(() =>
      backstageErrorResponse(
        403,
        'NotAllowedError',
        'Only owners of this entity can run this workflow',
      ),
    );
    await renderDialog();

    await fillInValidValues();
    await userEvent.click(runButton());

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You may not run this workflow');
    expect(alert).toHaveTextContent(
      'Only owners of this entity can run this workflow',
    );
    expect(runButton()).toBeEnabled();
    expect(currentPath()).toBe('/');
  });
});

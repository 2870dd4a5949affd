import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Workflow } from '@backstage-self-service/plugin-self-service-common';
import {
  makeResponseError,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import {
  editorDefinition,
  editorWorkflow,
  stepsDefinition,
} from '../../testUtils/editorFixtures';
import {
  fill,
  region,
  renderEditing,
  renderEditor,
} from './__testUtils__/editorPage';

/*
 * The Steps section of the editor: the graph and a card per step, turning
 * a one-request workflow into steps, adding and ordering steps, each
 * kind's fields, and the errors about steps at their fields.
 */

jest.setTimeout(60_000);

/** The card of the `index`th step, from 1, whatever its name. */
function stepCard(index: number) {
  return screen.getByRole('region', { name: new RegExp(`^${index}\\. `) });
}

function graphLabels() {
  const graph = within(region('Steps')).getByRole('list', {
    name: 'Steps, in order',
  });
  return within(graph)
    .getAllByRole('listitem')
    .filter(item => item.hasAttribute('aria-label'))
    .map(item => item.getAttribute('aria-label'));
}

async function renderStepsWorkflow(api = mockSelfServiceApi()) {
  const { execution, request, delivery, ...record } = editorWorkflow();
  const stored: Workflow = { ...record, ...stepsDefinition() };
  api.getWorkflow.mockResolvedValue(stored);
  api.updateWorkflow.mockResolvedValue({ ...stored, revision: 4 });
  await renderEditor('/self-service/workflows/restart-service/edit', { api });
  await screen.findByRole('heading', { name: 'Edit Restart service' });
  return api;
}

describe('WorkflowEditorPage steps', () => {
  it('shows a workflow of steps as a graph and a card per step, and saves them unchanged with the rest', async () => {
    const user = userEvent.setup();
    const api = await renderStepsWorkflow();

    const steps = region('Steps');
    expect(
      within(steps).getByText(/^3 steps, run as one unit/),
    ).toBeInTheDocument();
    expect(graphLabels()).toEqual(['Build', 'Production gate', 'Deploy']);
    const edges = within(steps).getByTestId('step-edges');
    expect(edges).toHaveAttribute('aria-hidden', 'true');
    expect(edges.querySelectorAll('path')).toHaveLength(2);

    const deploy = stepCard(3);
    expect(
      within(deploy).getByRole('heading', { name: '3. Deploy' }),
    ).toBeInTheDocument();
    expect(
      within(deploy).getByRole('checkbox', { name: 'Production gate' }),
    ).toBeChecked();
    expect(
      within(deploy).getByRole('checkbox', { name: 'Build' }),
    ).not.toBeChecked();
    expect(
      within(deploy).getByRole('radio', { name: 'Event-driven' }),
    ).toBeChecked();
    expect(within(deploy).getByRole('textbox', { name: /^URL/ })).toHaveValue(
      'https://cd.example.com/deploy',
    );
    // The variables panel offers the outputs of the steps before it.
    expect(
      within(deploy).getByRole('button', {
        name: 'Copy {{steps.build.outputs.image}}',
      }),
    ).toBeInTheDocument();
    const gate = stepCard(2);
    expect(within(gate).getByRole('combobox', { name: 'Kind' })).toHaveValue(
      'approval',
    );
    expect(
      within(gate).getByRole('radio', { name: /^Any one approver/ }),
    ).toBeChecked();
    // A workflow of steps has no request of its own.
    expect(
      screen.queryByRole('region', { name: 'HTTP request' }),
    ).not.toBeInTheDocument();

    const name = within(region('Basic details')).getByRole('textbox', {
      name: /^Name/,
    });
    await user.clear(name);
    await fill(user, name, 'Ship it');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() =>
      expect(api.updateWorkflow).toHaveBeenCalledWith(
        'restart-service',
        { ...stepsDefinition(), name: 'Ship it' },
        3,
      ),
    );
  });

  it('turns a one-request workflow into steps, adds a gate and a dependent request, and saves them', async () => {
    const user = userEvent.setup();
    const api = await renderEditing();
    api.updateWorkflow.mockResolvedValue(editorWorkflow({ revision: 4 }));

    await user.click(
      within(region('Steps')).getByRole('button', { name: 'Use steps' }),
    );
    // The request became the first step, and the request sections went.
    expect(
      screen.queryByRole('region', { name: 'HTTP request' }),
    ).not.toBeInTheDocument();
    expect(graphLabels()).toEqual(['Send the request']);
    const first = stepCard(1);
    const name1 = within(first).getByRole('textbox', { name: /^Step name/ });
    await user.clear(name1);
    await fill(user, name1, 'Build');
    expect(
      within(first).getByRole('textbox', { name: /^Step id/ }),
    ).toHaveValue('request');
    const id1 = within(first).getByRole('textbox', { name: /^Step id/ });
    await user.clear(id1);
    await fill(user, id1, 'build');
    await user.click(within(first).getByRole('button', { name: 'Add output' }));
    await fill(
      user,
      within(first).getByRole('textbox', { name: 'Output 1 name' }),
      'image',
    );
    await fill(
      user,
      within(first).getByRole('textbox', { name: 'Output 1 JSON pointer' }),
      '/image',
    );

    await user.click(screen.getByRole('button', { name: 'Add approval step' }));
    const gate = stepCard(2);
    await fill(
      user,
      within(gate).getByRole('textbox', { name: /^Step name/ }),
      'Production gate',
    );
    expect(within(gate).getByRole('textbox', { name: /^Step id/ })).toHaveValue(
      'production-gate',
    );
    // A new step waits for the last one.
    expect(within(gate).getByRole('checkbox', { name: 'Build' })).toBeChecked();
    await user.type(
      within(gate).getByRole('textbox', { name: /^Approvers/ }),
      'Site',
    );
    await user.click(
      await screen.findByRole('option', { name: /Site Reliability/ }),
    );
    await user.click(
      within(gate).getByRole('radio', { name: /^All approvers/ }),
    );
    await fill(
      user,
      within(gate).getByRole('spinbutton', {
        name: 'Time out after (minutes)',
      }),
      '90',
    );

    await user.click(screen.getByRole('button', { name: 'Add request step' }));
    const deploy = stepCard(3);
    await fill(
      user,
      within(deploy).getByRole('textbox', { name: /^Step name/ }),
      'Deploy',
    );
    await fill(
      user,
      within(deploy).getByRole('textbox', { name: /^URL/ }),
      'https://cd.example.com/deploy/{{steps.build.outputs.image}}',
    );
    await user.click(
      within(deploy).getByRole('radio', { name: 'Event-driven' }),
    );
    expect(graphLabels()).toEqual(['Build', 'Production gate', 'Deploy']);
    expect(
      within(region('Steps'))
        .getByTestId('step-edges')
        .querySelectorAll('path'),
    ).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.updateWorkflow).toHaveBeenCalled());
    const { execution, request, delivery, ...details } = editorDefinition();
    expect(api.updateWorkflow).toHaveBeenCalledWith(
      'restart-service',
      {
        ...details,
        steps: [
          {
            id: 'build',
            name: 'Build',
            kind: 'request',
            dependsOn: [],
            execution,
            request,
            ...(delivery && { delivery }),
            outputs: { image: '/image' },
          },
          {
            id: 'production-gate',
            name: 'Production gate',
            kind: 'approval',
            dependsOn: ['build'],
            approvers: ['group:default/sre'],
            mode: 'all',
            timeoutSeconds: 5400,
          },
          {
            id: 'deploy',
            name: 'Deploy',
            kind: 'request',
            dependsOn: ['production-gate'],
            execution: { type: 'event-driven' },
            request: {
              method: 'POST',
              url: 'https://cd.example.com/deploy/{{steps.build.outputs.image}}',
            },
          },
        ],
      },
      3,
    );
  });

  it('names a cycle and a variable of a step not upstream at their fields before saving, and moves and removes steps', async () => {
    const user = userEvent.setup();
    const api = await renderStepsWorkflow();

    // Build waits for Deploy, which waits for the gate, which waits for Build.
    await user.click(
      within(stepCard(1)).getByRole('checkbox', { name: 'Deploy' }),
    );
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const waitsFor = within(stepCard(1)).getByRole('group', {
      name: 'Waits for',
    });
    expect(
      await within(waitsFor).findByText(
        'These steps wait for each other: Build → Deploy → Production gate → Build',
      ),
    ).toBeInTheDocument();
    expect(api.updateWorkflow).not.toHaveBeenCalled();
    await user.click(
      within(stepCard(1)).getByRole('checkbox', { name: 'Deploy' }),
    );
    expect(
      within(waitsFor).queryByText(/wait for each other/),
    ).not.toBeInTheDocument();

    // Deploy no longer after Build: its use of Build's output is refused.
    await user.click(
      within(stepCard(2)).getByRole('checkbox', { name: 'Build' }),
    );
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const body = within(stepCard(3)).getByRole('textbox', { name: /^Body/ });
    await waitFor(() => expect(body).toBeInvalid());
    expect(body).toHaveAccessibleDescription(
      `{{steps.build.outputs.image}}: step 'build' does not finish before this one; add it (or a step after it) to "Waits for"`,
    );
    expect(api.updateWorkflow).not.toHaveBeenCalled();

    // Moving keeps what each step waits for; removing drops it from others.
    await user.click(screen.getByRole('button', { name: 'Move Deploy up' }));
    expect(
      within(stepCard(2)).getByRole('heading', { name: '2. Deploy' }),
    ).toBeInTheDocument();
    await user.click(
      screen.getByRole('button', { name: 'Remove Production gate' }),
    );
    expect(graphLabels()).toEqual(['Build', 'Deploy']);
    expect(
      within(stepCard(2)).getByRole('checkbox', { name: 'Build' }),
    ).not.toBeChecked();
  });

  it("puts the backend's errors about steps at the step fields they name", async () => {
    const user = userEvent.setup();
    const api = await renderStepsWorkflow();
    api.updateWorkflow
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          "steps[2].request.url: host 'cd.example.com' resolves to a private address",
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          "steps[1].approvers[0]: no user or group 'group:default/sre' in the catalog",
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          "steps[0].outputs.image: '/image~' is not a JSON pointer (RFC 6901: '' or '/a/b', with ~0 for ~ and ~1 for /)",
        ),
      );
    const save = screen.getByRole('button', { name: 'Save changes' });

    await user.click(save);
    const url = within(stepCard(3)).getByRole('textbox', { name: /^URL/ });
    await waitFor(() => expect(url).toBeInvalid());
    expect(url).toHaveAccessibleDescription(
      "host 'cd.example.com' resolves to a private address",
    );

    await user.click(save);
    const approvers = within(stepCard(2)).getByRole('textbox', {
      name: /^Approvers/,
    });
    await waitFor(() => expect(approvers).toBeInvalid());

    await user.click(save);
    const pointer = within(stepCard(1)).getByRole('textbox', {
      name: 'Output 1 JSON pointer',
    });
    await waitFor(() => expect(pointer).toBeInvalid());
    expect(pointer).toHaveAccessibleDescription(/is not a JSON pointer/);
    // Fixing the field clears its error.
    await user.type(pointer, 'x');
    expect(pointer).not.toBeInvalid();
  });

  it('goes back to a single request from one request step', async () => {
    const user = userEvent.setup();
    await renderEditing();
    await user.click(
      within(region('Steps')).getByRole('button', { name: 'Use steps' }),
    );
    await user.click(
      screen.getByRole('button', { name: 'Back to a single request' }),
    );
    expect(
      within(region('HTTP request')).getByRole('textbox', { name: /^URL/ }),
    ).toHaveValue(editorDefinition().request.url);
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  makeResponseError,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import {
  editorDefinition,
  editorWorkflow,
} from '../../testUtils/editorFixtures';
import {
  fill,
  parameterGroup,
  region,
  renderEditing,
  renderEditor,
} from './__testUtils__/editorPage';

jest.setTimeout(60_000);

describe('WorkflowEditorPage', () => {
  it.each([
    [
      'config' as const,
      'This workflow is managed in app-config; edit it there',
      /selfService\.workflows/,
    ],
    [
      'extension' as const,
      'This workflow is managed by a backend module; change it there',
      /selfServiceWorkflowsExtensionPoint/,
    ],
  ])(
    'shows a workflow managed by %s read-only, saying where to change it',
    async (managedBy, title, detail) => {
      const api = mockSelfServiceApi();
      api.getWorkflow.mockResolvedValue({ ...editorWorkflow(), managedBy });
      await renderEditor('/self-service/workflows/restart-service/edit', {
        api,
      });

      expect(await screen.findByText(title)).toBeInTheDocument();
      expect(
        screen.getByRole('heading', { name: 'Restart service' }),
      ).toBeInTheDocument();
      expect(screen.getByText(detail)).toBeInTheDocument();
      expect(
        screen.queryByRole('textbox', { name: /^Name/ }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: /Save|Delete/ }),
      ).not.toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: 'Back to Self-Service' }),
      ).toHaveAttribute('href', '/self-service');
      expect(api.updateWorkflow).not.toHaveBeenCalled();
    },
  );

  it('creates a workflow with what was typed', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.createWorkflow.mockResolvedValue(editorWorkflow());
    await renderEditor('/self-service/workflows/new', { api });

    expect(
      await screen.findByRole('heading', { name: 'New workflow' }),
    ).toBeInTheDocument();

    // Basic details; the identifier follows the name.
    const basic = region('Basic details');
    await user.type(
      within(basic).getByRole('textbox', { name: /^Name/ }),
      'Restart service',
    );
    expect(
      within(basic).getByRole('textbox', { name: /^Identifier/ }),
    ).toHaveValue('restart-service');
    await fill(
      user,
      within(basic).getByRole('textbox', { name: 'Description' }),
      'Rolling restart',
    );
    await fill(
      user,
      within(basic).getByRole('textbox', { name: 'Icon' }),
      'refresh',
    );
    await fill(
      user,
      within(basic).getByRole('textbox', { name: 'Color' }),
      '#1976d2',
    );

    // Scope
    const scope = region('Scope');
    await user.click(
      within(scope).getByRole('radio', { name: 'Entity-specific' }),
    );
    await user.type(
      within(scope).getByRole('textbox', { name: /^Kinds/ }),
      'Comp{Enter}',
    );
    await user.type(
      within(scope).getByRole('textbox', { name: /^Types/ }),
      'service{Enter}',
    );

    // Execution
    const execution = region('Execution');
    await user.click(
      within(execution).getByRole('radio', { name: 'Event-driven' }),
    );
    await user.type(
      within(execution).getByRole('spinbutton', { name: 'Timeout' }),
      '30',
    );
    await user.selectOptions(
      within(execution).getByRole('combobox', { name: 'Unit' }),
      'minutes',
    );

    // Access, with approvers from the catalog by display name
    const access = region('Access and permissions');
    await user.click(
      within(access).getByRole('radio', { name: 'All users with approval' }),
    );
    await user.type(
      within(access).getByRole('textbox', { name: /^Approvers/ }),
      'Ada',
    );
    await user.click(
      await screen.findByRole('option', { name: /Ada Lovelace/ }),
    );
    await user.type(
      within(access).getByRole('textbox', { name: /^Approvers/ }),
      'Site',
    );
    await user.click(
      await screen.findByRole('option', { name: /Site Reliability/ }),
    );
    await user.click(
      within(access).getByRole('checkbox', {
        name: 'Let requesters approve their own runs',
      }),
    );

    // Parameters
    const parameters = region('Parameters');
    await user.click(
      within(parameters).getByRole('button', { name: 'Add parameter' }),
    );
    let parameter = parameterGroup(1);
    expect(
      within(parameter).getByRole('textbox', { name: /^Name/ }),
    ).toHaveFocus();
    await fill(
      user,
      within(parameter).getByRole('textbox', { name: /^Name/ }),
      'Target environment',
    );
    expect(
      within(parameter).getByRole('textbox', { name: /^Identifier/ }),
    ).toHaveValue('targetEnvironment');
    await user.selectOptions(
      within(parameter).getByRole('combobox', { name: 'Type' }),
      'select',
    );
    await user.type(
      within(parameter).getByRole('textbox', { name: /^Options/ }),
      'staging{Enter}production',
    );
    await user.click(
      within(parameter).getByRole('checkbox', { name: 'Required' }),
    );
    await user.selectOptions(
      within(parameter).getByRole('combobox', { name: /^Default/ }),
      'production',
    );

    await user.click(
      within(parameters).getByRole('button', { name: 'Add parameter' }),
    );
    parameter = parameterGroup(2);
    await fill(
      user,
      within(parameter).getByRole('textbox', { name: /^Name/ }),
      'Replicas',
    );
    await user.selectOptions(
      within(parameter).getByRole('combobox', { name: 'Type' }),
      'integer',
    );
    await user.type(
      within(parameter).getByRole('spinbutton', { name: /^Default/ }),
      '3',
    );

    // HTTP request
    const request = region('HTTP request');
    await user.selectOptions(
      within(request).getByRole('combobox', { name: 'Method' }),
      'PUT',
    );
    await fill(
      user,
      within(request).getByRole('textbox', { name: /^URL/ }),
      'https://ci.example.com/restart/{{entity.identifier}}',
    );
    await user.click(
      within(request).getByRole('button', { name: 'Add header' }),
    );
    const header = within(request).getByRole('group', { name: 'Header 1' });
    await fill(
      user,
      within(header).getByRole('textbox', { name: 'Name' }),
      'content-type',
    );
    await fill(
      user,
      within(header).getByRole('textbox', { name: 'Value' }),
      'application/json',
    );
    await fill(
      user,
      within(request).getByRole('textbox', { name: 'Body (optional)' }),
      '{"env": "{{data.targetEnvironment}}"}',
    );

    await user.click(screen.getByRole('button', { name: 'Create workflow' }));

    await waitFor(() => expect(api.createWorkflow).toHaveBeenCalledTimes(1));
    expect(api.createWorkflow).toHaveBeenCalledWith({
      identifier: 'restart-service',
      name: 'Restart service',
      description: 'Rolling restart',
      icon: 'refresh',
      color: '#1976d2',
      scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
      execution: { type: 'event-driven', timeoutSeconds: 1800 },
      access: {
        type: 'approval',
        approvers: ['user:default/ada', 'group:default/sre'],
        allowSelfApproval: true,
      },
      parameters: [
        {
          identifier: 'targetEnvironment',
          name: 'Target environment',
          type: 'select',
          required: true,
          options: ['staging', 'production'],
          default: 'production',
        },
        {
          identifier: 'replicas',
          name: 'Replicas',
          type: 'integer',
          required: false,
          default: 3,
        },
      ],
      request: {
        method: 'PUT',
        url: 'https://ci.example.com/restart/{{entity.identifier}}',
        headers: { 'content-type': 'application/json' },
        body: '{"env": "{{data.targetEnvironment}}"}',
      },
    });
    expect(await screen.findByText('Self-Service home')).toBeInTheDocument();
  });

  it('checks required fields before sending anything', async () => {
    const user = userEvent.setup();
    const api = await renderEditor('/self-service/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow' });

    await user.click(screen.getByRole('button', { name: 'Create workflow' }));

    expect(
      await screen.findByText('The workflow was not saved'),
    ).toBeInTheDocument();
    const name = within(region('Basic details')).getByRole('textbox', {
      name: /^Name/,
    });
    expect(name).toBeInvalid();
    expect(name).toHaveAccessibleDescription('Enter a name');
    expect(api.createWorkflow).not.toHaveBeenCalled();

    // The error goes once the field changes.
    await user.type(name, 'X');
    expect(name).toBeValid();
  });

  it('loads a workflow for editing and saves it with its revision', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow.mockResolvedValue(editorWorkflow({ revision: 4 }));
    await renderEditing(api);

    expect(api.getWorkflow).toHaveBeenCalledWith('restart-service');
    const basic = region('Basic details');
    const name = within(basic).getByRole('textbox', { name: /^Name/ });
    expect(name).toHaveValue('Restart service');
    const identifier = within(basic).getByRole('textbox', {
      name: /^Identifier/,
    });
    expect(identifier).toHaveValue('restart-service');
    expect(identifier).toHaveAttribute('readonly');
    expect(identifier).toHaveAccessibleDescription(/cannot change/);
    expect(
      within(region('Scope')).getByRole('radio', { name: 'Entity-specific' }),
    ).toBeChecked();
    expect(within(region('Scope')).getByText('Component')).toBeInTheDocument();
    expect(
      within(region('Execution')).getByRole('spinbutton', { name: 'Timeout' }),
    ).toHaveValue(1);
    const access = region('Access and permissions');
    expect(
      within(access).getByRole('radio', { name: 'All users with approval' }),
    ).toBeChecked();
    expect(
      await within(access).findByText('Site Reliability'),
    ).toBeInTheDocument();
    expect(
      within(parameterGroup(5)).getByRole('textbox', { name: /^Options/ }),
    ).toHaveValue('staging\nproduction');
    expect(
      within(region('HTTP request')).getByRole('textbox', { name: /^URL/ }),
    ).toHaveValue(editorDefinition().request.url);

    await user.clear(name);
    await fill(user, name, 'Restart pods');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() =>
      expect(api.updateWorkflow).toHaveBeenCalledWith(
        'restart-service',
        { ...editorDefinition(), name: 'Restart pods' },
        3,
      ),
    );
    expect(await screen.findByText('Self-Service home')).toBeInTheDocument();
  });

  it('shows backend validation errors at the fields they concern', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          'parameters[0].options: a select parameter needs at least one option',
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          "request.url: unknown variable {{data.region}} (no parameter 'region')",
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(500, 'Error', 'The database is on fire'),
      );
    api.getWorkflow.mockResolvedValue(
      editorWorkflow({
        parameters: [
          {
            identifier: 'env',
            name: 'Environment',
            type: 'select',
            required: true,
            options: ['staging'],
          },
        ],
        request: { method: 'POST', url: 'https://ci.example.com/x' },
      }),
    );
    await renderEditor('/self-service/workflows/restart-service/edit', {
      api,
    });
    await screen.findByRole('heading', { name: 'Edit Restart service' });
    const save = screen.getByRole('button', { name: 'Save changes' });

    await user.click(save);
    const options = within(parameterGroup(1)).getByRole('textbox', {
      name: /^Options/,
    });
    await waitFor(() => expect(options).toBeInvalid());
    expect(options).toHaveAccessibleDescription(
      'a select parameter needs at least one option',
    );
    expect(screen.getByText('The workflow was not saved')).toBeInTheDocument();
    expect(
      screen.getByText('Check the highlighted field below.'),
    ).toBeInTheDocument();

    await user.click(save);
    const url = within(region('HTTP request')).getByRole('textbox', {
      name: /^URL/,
    });
    await waitFor(() => expect(url).toBeInvalid());
    expect(url).toHaveAccessibleDescription(
      "unknown variable {{data.region}} (no parameter 'region')",
    );
    expect(options).toBeValid();

    await user.click(save);
    expect(
      await screen.findByText('The database is on fire'),
    ).toBeInTheDocument();
    expect(url).toBeValid();
    expect(screen.queryByText('Self-Service home')).not.toBeInTheDocument();
  });

  it('tells the user when someone else edited the workflow meanwhile', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow.mockRejectedValue(
      await makeResponseError(
        409,
        'ConflictError',
        "Workflow 'restart-service' was edited meanwhile",
      ),
    );
    await renderEditing(api);

    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    const alert = await screen.findByText(
      'Someone else edited this workflow; reload to see their changes',
    );
    expect(alert).toBeInTheDocument();
    expect(api.updateWorkflow).toHaveBeenCalledWith(
      'restart-service',
      expect.anything(),
      3,
    );

    api.getWorkflow.mockResolvedValue(
      editorWorkflow({ name: 'Restart everything', revision: 4 }),
    );
    await user.click(screen.getByRole('button', { name: 'Reload' }));
    expect(
      await screen.findByRole('heading', { name: 'Edit Restart everything' }),
    ).toBeInTheDocument();
    expect(
      within(region('Basic details')).getByRole('textbox', { name: /^Name/ }),
    ).toHaveValue('Restart everything');
    expect(api.getWorkflow).toHaveBeenCalledTimes(2);
  });

  it('previews the rendered request for sample inputs', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.previewRequest.mockResolvedValue({
      method: 'POST',
      url: 'https://ci.example.com/api/pipelines/payments/restart',
      headers: {
        'content-type': 'application/json',
        authorization: '[REDACTED]',
      },
      body: '{"run": "preview", "replicas": 5, "env": "staging"}',
    });
    await renderEditing(api);

    const preview = region('Preview');
    const replicas = within(preview).getByRole('spinbutton', {
      name: 'Replicas',
    });
    expect(replicas).toHaveValue(2);
    await user.clear(replicas);
    await user.type(replicas, '5');
    await fill(
      user,
      within(preview).getByRole('textbox', { name: 'Entity (optional)' }),
      'component:default/payments',
    );
    await user.click(
      within(preview).getByRole('button', { name: 'Preview request' }),
    );

    expect(
      await within(preview).findByText(
        'POST https://ci.example.com/api/pipelines/payments/restart',
      ),
    ).toBeInTheDocument();
    expect(api.previewRequest).toHaveBeenCalledWith({
      definition: editorDefinition(),
      inputs: {
        reason: 'example',
        replicas: 5,
        ratio: 0.5,
        drain: true,
        env: 'staging',
      },
      entityRef: 'component:default/payments',
    });
    const headers = within(preview).getByRole('table', {
      name: 'Rendered headers',
    });
    expect(within(headers).getByText('authorization')).toBeInTheDocument();
    expect(within(headers).getByText('[REDACTED]')).toBeInTheDocument();
    expect(
      within(preview).getByText(
        '{"run": "preview", "replicas": 5, "env": "staging"}',
      ),
    ).toBeInTheDocument();
  });

  it('shows preview errors, at the field when there is one', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.previewRequest
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          'definition.request.url: variables are not allowed in the scheme or host',
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          'inputs.replicas: must be a whole number',
        ),
      );
    await renderEditing(api);
    const preview = region('Preview');
    const button = within(preview).getByRole('button', {
      name: 'Preview request',
    });

    await user.click(button);
    expect(
      await within(preview).findByText(
        /request\.url: variables are not allowed in the scheme or host/,
      ),
    ).toBeInTheDocument();
    expect(
      within(region('HTTP request')).getByRole('textbox', { name: /^URL/ }),
    ).toHaveAccessibleDescription(
      'variables are not allowed in the scheme or host',
    );

    await user.click(button);
    await waitFor(() =>
      expect(
        within(preview).getByRole('spinbutton', { name: 'Replicas' }),
      ).toHaveAccessibleDescription('must be a whole number'),
    );
  });

  it('keeps the errors of the last save when a preview has none of its own', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow.mockRejectedValueOnce(
      await makeResponseError(
        400,
        'InputError',
        'request.headers.authorization: unknown secret {{secrets.CI_TOKEN}} (not in selfService.secrets)',
      ),
    );
    api.previewRequest.mockResolvedValue({
      method: 'POST',
      url: 'https://ci.example.com/api/pipelines/payments/restart',
      headers: {},
    });
    await renderEditing(api);

    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const headerValue = within(
      within(region('HTTP request')).getByRole('group', { name: 'Header 2' }),
    ).getByRole('textbox', { name: 'Value' });
    await waitFor(() => expect(headerValue).toBeInvalid());

    const preview = region('Preview');
    await user.click(
      within(preview).getByRole('button', { name: 'Preview request' }),
    );
    expect(
      await within(preview).findByText(
        'POST https://ci.example.com/api/pipelines/payments/restart',
      ),
    ).toBeInTheDocument();
    expect(headerValue).toBeInvalid();
    expect(headerValue).toHaveAccessibleDescription(
      'unknown secret {{secrets.CI_TOKEN}} (not in selfService.secrets)',
    );
  });

  it('lists the variables of the workflow as edited', async () => {
    const user = userEvent.setup();
    await renderEditor('/self-service/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow' });
    const request = region('HTTP request');

    expect(
      within(request).getByRole('button', { name: 'Copy {{run.id}}' }),
    ).toBeInTheDocument();
    expect(
      within(request).getByRole('button', { name: 'Copy {{secrets.NAME}}' }),
    ).toBeInTheDocument();
    expect(
      within(request).queryByRole('button', { name: 'Copy {{entity.ref}}' }),
    ).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Add parameter' }));
    await fill(
      user,
      within(parameterGroup(1)).getByRole('textbox', { name: /^Name/ }),
      'AWS region',
    );
    expect(
      within(request).getByRole('button', { name: 'Copy {{data.awsRegion}}' }),
    ).toBeInTheDocument();

    await user.click(
      within(region('Scope')).getByRole('radio', { name: 'Entity-specific' }),
    );
    for (const variable of ['identifier', 'name', 'ref', 'kind', 'namespace']) {
      expect(
        within(request).getByRole('button', {
          name: `Copy {{entity.${variable}}}`,
        }),
      ).toBeInTheDocument();
    }
  });

  it('reorders and removes parameters, keeping focus on the buttons', async () => {
    const user = userEvent.setup();
    await renderEditing();
    const parameters = region('Parameters');
    const headings = () =>
      within(parameters)
        .getAllByRole('heading', { level: 3 })
        .map(heading => heading.textContent);
    expect(headings()).toEqual([
      'Parameter 1: Reason',
      'Parameter 2: Replicas',
      'Parameter 3: Surge ratio',
      'Parameter 4: Drain connections',
      'Parameter 5: Environment',
    ]);

    await user.click(
      within(parameterGroup(2)).getByRole('button', { name: 'Move up' }),
    );
    expect(headings().slice(0, 2)).toEqual([
      'Parameter 1: Replicas',
      'Parameter 2: Reason',
    ]);
    // At the top, Move up is disabled: focus goes to Move down.
    expect(
      within(parameterGroup(1)).getByRole('button', { name: 'Move up' }),
    ).toBeDisabled();
    expect(
      within(parameterGroup(1)).getByRole('button', { name: 'Move down' }),
    ).toHaveFocus();

    await user.click(
      within(parameterGroup(5)).getByRole('button', { name: 'Remove' }),
    );
    expect(headings()).toHaveLength(4);
    expect(
      within(parameters).getByRole('button', { name: 'Add parameter' }),
    ).toHaveFocus();
    expect(
      within(region('HTTP request')).queryByRole('button', {
        name: 'Copy {{data.env}}',
      }),
    ).not.toBeInTheDocument();
  });

  it('offers "Entity owners only" for entity-specific workflows only', async () => {
    const user = userEvent.setup();
    await renderEditor('/self-service/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow' });
    const access = region('Access and permissions');

    const owners = within(access).getByRole('radio', {
      name: 'Entity owners only',
    });
    expect(owners).toBeDisabled();
    expect(owners).toHaveAccessibleDescription(
      /Only for entity-specific workflows/,
    );

    await user.click(
      within(region('Scope')).getByRole('radio', { name: 'Entity-specific' }),
    );
    expect(owners).toBeEnabled();
    await user.click(owners);
    expect(owners).toBeChecked();
  });

  it('asks for confirmation before deleting a workflow', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.deleteWorkflow.mockResolvedValue(undefined);
    await renderEditing(api);

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', {
      name: 'Delete workflow?',
    });
    expect(api.deleteWorkflow).not.toHaveBeenCalled();

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(api.deleteWorkflow).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(
      within(
        await screen.findByRole('dialog', { name: 'Delete workflow?' }),
      ).getByRole('button', { name: 'Delete' }),
    );
    await waitFor(() =>
      expect(api.deleteWorkflow).toHaveBeenCalledWith('restart-service'),
    );
    expect(await screen.findByText('Self-Service home')).toBeInTheDocument();
  });

  it('goes back to the Self-Service page on cancel', async () => {
    const user = userEvent.setup();
    const api = await renderEditor('/self-service/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow' });
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Self-Service home')).toBeInTheDocument();
    expect(api.createWorkflow).not.toHaveBeenCalled();
  });
});

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
  region,
  renderEditing,
  renderEditor,
} from './__testUtils__/editorPage';

/*
 * The Delivery part of the editor's request section: attempts and the
 * signing key, from the stored workflow to what is saved, and the errors
 * about them at their fields.
 */

jest.setTimeout(60_000);

/** The Attempts and Signing key fields of the request section. */
function deliveryFields() {
  const delivery = within(region('HTTP request')).getByRole('group', {
    name: 'Delivery',
  });
  return {
    attempts: within(delivery).getByRole('spinbutton', { name: 'Attempts' }),
    signingKey: within(delivery).getByRole('textbox', {
      name: 'Signing key (optional)',
    }),
  };
}

describe('WorkflowEditorPage delivery', () => {
  it('shows the stored attempts and signing key, and saves them as changed', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow.mockResolvedValue(editorWorkflow({ revision: 4 }));
    await renderEditing(api);

    const { attempts, signingKey } = deliveryFields();
    expect(attempts).toHaveValue(3);
    expect(signingKey).toHaveValue('ci');
    expect(attempts).toHaveAccessibleDescription(
      'From 1 to 10. Network errors, time-outs, 408, 425, 429 and 5xx answers are retried with backoff; other 4xx answers never are.',
    );
    expect(signingKey).toHaveAccessibleDescription(
      /^The name of a key in selfService\.signing\.keys; requests then carry Standard Webhooks signatures/,
    );

    await user.clear(attempts);
    await user.type(attempts, '5');
    await user.clear(signingKey);
    await user.type(signingKey, 'ci-2026');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(api.updateWorkflow).toHaveBeenCalledTimes(1));
    expect(api.updateWorkflow).toHaveBeenCalledWith(
      'restart-service',
      {
        ...editorDefinition(),
        delivery: { maxAttempts: 5, signingKey: 'ci-2026' },
      },
      3,
    );
  });

  it('saves no delivery once both fields are back at their defaults', async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow.mockResolvedValue(editorWorkflow({ revision: 4 }));
    await renderEditing(api);

    const { attempts, signingKey } = deliveryFields();
    await user.clear(attempts);
    await user.type(attempts, '1');
    await user.clear(signingKey);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(api.updateWorkflow).toHaveBeenCalledTimes(1));
    const saved = api.updateWorkflow.mock.calls[0][1];
    expect(saved).not.toHaveProperty('delivery');
    const { delivery: _ignored, ...rest } = editorDefinition();
    expect(saved).toEqual(rest);
  });

  it('starts a new workflow at one unsigned attempt', async () => {
    await renderEditor('/self-service/workflows/new');
    await screen.findByRole('heading', { name: 'New workflow' });

    const { attempts, signingKey } = deliveryFields();
    expect(attempts).toHaveValue(1);
    expect(signingKey).toHaveValue('');
  });

  it('refuses attempts out of range before sending anything', async () => {
    const user = userEvent.setup();
    const api = await renderEditing();

    const { attempts } = deliveryFields();
    await user.clear(attempts);
    await user.type(attempts, '11');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(attempts).toBeInvalid());
    expect(attempts).toHaveAccessibleDescription(
      'Enter a whole number from 1 to 10',
    );
    expect(api.updateWorkflow).not.toHaveBeenCalled();
  });

  it("shows the backend's errors about delivery at their fields", async () => {
    const user = userEvent.setup();
    const api = mockSelfServiceApi();
    api.updateWorkflow
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          "delivery.signingKey: no key 'ci' in selfService.signing.keys (configured: ci-2026)",
        ),
      )
      .mockRejectedValueOnce(
        await makeResponseError(
          400,
          'InputError',
          'delivery.maxAttempts: must be a whole number from 1 to 10',
        ),
      );
    await renderEditing(api);
    const { attempts, signingKey } = deliveryFields();
    const save = screen.getByRole('button', { name: 'Save changes' });

    await user.click(save);
    await waitFor(() => expect(signingKey).toBeInvalid());
    expect(signingKey).toHaveAccessibleDescription(
      "no key 'ci' in selfService.signing.keys (configured: ci-2026)",
    );
    expect(
      screen.getByText('Check the highlighted field below.'),
    ).toBeInTheDocument();

    // The error goes once the field changes.
    await user.type(signingKey, '-2026');
    expect(signingKey).toBeValid();

    await user.click(save);
    await waitFor(() => expect(attempts).toBeInvalid());
    expect(attempts).toHaveAccessibleDescription(
      'must be a whole number from 1 to 10',
    );
    expect(signingKey).toBeValid();
    expect(api.updateWorkflow).toHaveBeenCalledTimes(2);
  });
});

import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { selfServiceApiRef } from '../../api';
import { editorDefinition } from '../../testUtils/editorFixtures';
import {
  makeResponseError,
  mockSelfServiceApi,
} from '../../testUtils/fixtures';
import { PreviewSection } from './PreviewSection';
import { toForm } from './workflowForm';

async function renderPreview(api: ReturnType<typeof mockSelfServiceApi>) {
  const form = toForm(editorDefinition());
  const onCheck = jest.fn(() => true);
  const onDefinitionErrors = jest.fn();
  await renderInTestApp(
    <TestApiProvider apis={[[selfServiceApiRef, api]]}>
      <PreviewSection
        form={form}
        onCheck={onCheck}
        onDefinitionErrors={onDefinitionErrors}
      />
    </TestApiProvider>,
  );
  const preview = async () => {
    await userEvent.click(
      screen.getByRole('button', { name: 'Preview request' }),
    );
    return screen.findByText(/Could not render the request/);
  };
  return { onCheck, onDefinitionErrors, preview };
}

describe('PreviewSection', () => {
  it('puts errors of the definition at their fields', async () => {
    const api = mockSelfServiceApi();
    api.previewRequest.mockRejectedValue(
      await makeResponseError(
        400,
        'InputError',
        'definition.request.url: variables are not allowed in the scheme or host',
      ),
    );
    const { onDefinitionErrors, preview } = await renderPreview(api);

    await preview();

    expect(onDefinitionErrors).toHaveBeenCalledTimes(1);
    expect(onDefinitionErrors).toHaveBeenCalledWith({
      'request.url': 'variables are not allowed in the scheme or host',
    });
  });

  it.each([
    ['that belongs to no field', 'Request failed with 500'],
    ['about the sample entity', "entityRef: no entity 'component:default/x'"],
  ])(
    'leaves the errors at the fields be after an error %s',
    async (_what, message) => {
      const api = mockSelfServiceApi();
      api.previewRequest.mockRejectedValue(
        await makeResponseError(400, 'InputError', message),
      );
      const { onDefinitionErrors, preview } = await renderPreview(api);

      expect(await preview()).toHaveTextContent(message);

      expect(onDefinitionErrors).not.toHaveBeenCalled();
    },
  );

  it('shows errors of the sample inputs at the input, leaving the definition fields be', async () => {
    const api = mockSelfServiceApi();
    api.previewRequest.mockRejectedValue(
      await makeResponseError(
        400,
        'InputError',
        'inputs.replicas: must be a whole number',
      ),
    );
    const { onDefinitionErrors, preview } = await renderPreview(api);

    await preview();

    expect(
      screen.getByRole('spinbutton', { name: 'Replicas' }),
    ).toHaveAccessibleDescription('must be a whole number');
    expect(onDefinitionErrors).not.toHaveBeenCalled();
  });
});

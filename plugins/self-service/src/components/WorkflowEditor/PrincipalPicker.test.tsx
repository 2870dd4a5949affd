import { useState } from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { makeEntity } from '../../testUtils/workflowFixtures';
import { PrincipalPicker } from './PrincipalPicker';

function Picker(props: {
  initial?: string[];
  onChange: (value: string[]) => void;
}) {
  const [value, setValue] = useState(props.initial ?? []);
  return (
    <>
      <PrincipalPicker
        id="approvers"
        label="Approvers"
        helperText="Users and groups."
        value={value}
        onChange={next => {
          props.onChange(next);
          setValue(next);
        }}
      />
      <button type="button">Elsewhere</button>
    </>
  );
}

async function renderPicker(initial?: string[]) {
  const onChange = jest.fn();
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [
          catalogApiRef,
          catalogApiMock({
            entities: [
              makeEntity('User', 'grace', { title: 'Grace Hopper' }),
              makeEntity('Group', 'sre', { title: 'Site Reliability' }),
            ],
          }),
        ],
      ]}
    >
      <Picker initial={initial} onChange={onChange} />
    </TestApiProvider>,
  );
  return {
    onChange,
    input: screen.getByRole('textbox', { name: 'Approvers' }),
  };
}

/** The refs shown as chips. */
function chips() {
  return Array.from(document.querySelectorAll('.MuiChip-label')).map(
    chip => chip.textContent,
  );
}

describe('PrincipalPicker', () => {
  it('keeps a typed ref when the user tabs away', async () => {
    const user = userEvent.setup();
    const { onChange, input } = await renderPicker();

    await user.type(input, 'user:default/ada');
    await user.tab();

    expect(onChange).toHaveBeenLastCalledWith(['user:default/ada']);
    expect(chips()).toEqual(['user:default/ada']);
    expect(input).toHaveValue('');
    expect(screen.getByRole('button', { name: 'Elsewhere' })).toHaveFocus();
  });

  it('keeps a typed ref when the user clicks elsewhere, after the others', async () => {
    const user = userEvent.setup();
    const { onChange, input } = await renderPicker(['group:default/sre']);

    await user.type(input, '  group:default/dba ');
    await user.click(screen.getByRole('button', { name: 'Elsewhere' }));

    expect(onChange).toHaveBeenLastCalledWith([
      'group:default/sre',
      'group:default/dba',
    ]);
  });

  it('still adds what is typed on Enter, and catalog entries by name', async () => {
    const user = userEvent.setup();
    const { onChange, input } = await renderPicker();

    await user.type(input, 'user:default/ada{Enter}');
    expect(onChange).toHaveBeenLastCalledWith(['user:default/ada']);

    await user.type(input, 'Grace');
    await user.click(await screen.findByRole('option', { name: /Grace/ }));
    expect(onChange).toHaveBeenLastCalledWith([
      'user:default/ada',
      'user:default/grace',
    ]);
    await waitFor(() =>
      expect(chips()).toEqual(['user:default/ada', 'Grace Hopper']),
    );
  });

  it('adds nothing when the user tabs away without typing', async () => {
    const user = userEvent.setup();
    const { onChange, input } = await renderPicker(['group:default/sre']);

    await user.click(input);
    await user.tab();

    expect(onChange).not.toHaveBeenCalled();
    expect(
      within(input.closest('.MuiAutocomplete-root') as HTMLElement).getByText(
        'Site Reliability',
      ),
    ).toBeInTheDocument();
  });
});

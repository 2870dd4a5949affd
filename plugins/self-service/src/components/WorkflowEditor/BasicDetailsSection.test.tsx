import { useState } from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { BasicDetailsSection } from './BasicDetailsSection';
import { WorkflowForm, emptyForm } from './workflowForm';

function Section(props: { initial: Partial<WorkflowForm> }) {
  const [form, setForm] = useState<WorkflowForm>({
    ...emptyForm(),
    ...props.initial,
  });
  return (
    <BasicDetailsSection
      form={form}
      errors={{}}
      onChange={update => setForm(update)}
      mode="new"
    />
  );
}

describe('BasicDetailsSection', () => {
  it('previews the icon and color as they are typed', async () => {
    const user = userEvent.setup();
    await renderInTestApp(
      <Section initial={{ icon: 'refresh', color: '#1976d2' }} />,
    );

    const preview = screen.getByTestId('workflow-avatar');
    expect(preview).toHaveAttribute('data-icon', 'refresh');
    expect(preview).toHaveStyle({ backgroundColor: '#1976d2' });
    expect(screen.getByText('Preview')).toBeInTheDocument();
    // Decorative: hidden from assistive technology.
    expect(preview.closest('[aria-hidden="true"]')).not.toBeNull();

    const icon = screen.getByRole('textbox', { name: 'Icon' });
    await user.clear(icon);
    await user.type(icon, 'vpn-key');
    const color = screen.getByRole('textbox', { name: 'Color' });
    await user.clear(color);
    await user.type(color, '#8e24aa');

    expect(screen.getByTestId('workflow-avatar')).toHaveAttribute(
      'data-icon',
      'vpn-key',
    );
    expect(screen.getByTestId('workflow-avatar')).toHaveStyle({
      backgroundColor: '#8e24aa',
    });
  });
});

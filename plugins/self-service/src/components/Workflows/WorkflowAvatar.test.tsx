import { render, screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { useTheme } from '@material-ui/core';
import Star from '@material-ui/icons/Star';
import { WorkflowAvatar, workflowColor } from './WorkflowAvatar';

function avatar() {
  return screen.getByTestId('workflow-avatar');
}

/** The theme's primary color, as the browser spells a background color. */
function PrimaryProbe() {
  const theme = useTheme();
  return (
    <span
      data-testid="primary"
      style={{ backgroundColor: theme.palette.primary.main }}
    />
  );
}

describe('WorkflowAvatar', () => {
  it('shows the mapped icon in a circle of the workflow color', async () => {
    await renderInTestApp(<WorkflowAvatar icon="refresh" color="#1976d2" />);

    expect(avatar()).toHaveAttribute('data-icon', 'refresh');
    expect(avatar()).toHaveAttribute('data-icon-source', 'builtin');
    expect(avatar().querySelector('svg')).not.toBeNull();
    expect(avatar()).toHaveStyle({ backgroundColor: '#1976d2' });
    // A dark background gets a light foreground.
    expect(avatar()).toHaveStyle({ color: '#fff' });
  });

  it('picks a dark foreground on a light color', async () => {
    await renderInTestApp(<WorkflowAvatar icon="ac-unit" color="#ffeb3b" />);

    expect(avatar()).toHaveAttribute('data-icon', 'ac-unit');
    expect(avatar()).toHaveStyle({ backgroundColor: '#ffeb3b' });
    expect(avatar()).toHaveStyle({ color: 'rgba(0, 0, 0, 0.87)' });
  });

  it('knows the icons of the example workflows and common aliases', async () => {
    await renderInTestApp(
      <>
        {['vpn-key', 'cloud-upload', 'flag', 'restart', 'key', 'rocket'].map(
          icon => (
            <WorkflowAvatar key={icon} icon={icon} />
          ),
        )}
      </>,
    );

    expect(
      screen.getAllByTestId('workflow-avatar').map(a => a.dataset.icon),
    ).toEqual(['vpn-key', 'cloud-upload', 'flag', 'restart', 'key', 'rocket']);
  });

  it('falls back to a generic icon for an unknown or missing name', async () => {
    await renderInTestApp(
      <>
        <WorkflowAvatar icon="no-such-icon" />
        <WorkflowAvatar />
        <WorkflowAvatar icon="constructor" />
      </>,
    );

    const [unknown, missing, inherited] =
      screen.getAllByTestId('workflow-avatar');
    expect(inherited).toHaveAttribute('data-icon', 'default');
    expect(unknown).toHaveAttribute('data-icon', 'default');
    expect(unknown.querySelector('svg')).not.toBeNull();
    expect(missing).toHaveAttribute('data-icon', 'default');
  });

  it('prefers an app icon of that name', async () => {
    await renderInTestApp(<WorkflowAvatar icon="favourite" />, {
      icons: { favourite: Star },
    });

    expect(avatar()).toHaveAttribute('data-icon', 'favourite');
    expect(avatar()).toHaveAttribute('data-icon-source', 'app');
  });

  it('takes the primary color for an invalid or missing color', async () => {
    await renderInTestApp(
      <>
        <WorkflowAvatar icon="flag" color="not-a-color" />
        <WorkflowAvatar icon="flag" />
        <PrimaryProbe />
      </>,
    );

    const primary = screen.getByTestId('primary').style.backgroundColor;
    expect(primary).not.toBe('');
    const [invalid, missing] = screen.getAllByTestId('workflow-avatar');
    expect(invalid.style.backgroundColor).toBe(primary);
    expect(missing.style.backgroundColor).toBe(primary);
  });

  it('renders outside of an app, as decoration', () => {
    render(<WorkflowAvatar icon="sync" color="#fa0" size="small" />);

    expect(avatar()).toHaveAttribute('data-icon', 'sync');
    expect(avatar()).toHaveAttribute('aria-hidden', 'true');
    expect(avatar()).toHaveStyle({ backgroundColor: '#ffaa00' });
    expect(screen.queryByRole('img')).toBeNull();
  });
});

describe('workflowColor', () => {
  it('accepts hex colors only', () => {
    expect(workflowColor('#1976d2')).toBe('#1976d2');
    expect(workflowColor(' #FA0 ')).toBe('#FA0');
    expect(workflowColor('red')).toBeUndefined();
    expect(workflowColor('#12345')).toBeUndefined();
    expect(workflowColor('')).toBeUndefined();
    expect(workflowColor(undefined)).toBeUndefined();
  });
});

import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { makeRunEvent } from '../../testUtils/runFixtures';
import { RunTimeline } from './RunTimeline';

// Built, so that linters do not take it for a script URL in the source.
const JS = ['javascript', 'alert(1)'].join(':');

async function renderTimeline(
  events: Parameters<typeof RunTimeline>[0]['events'],
) {
  await renderInTestApp(
    <>
      <h2 id="timeline-heading">Timeline</h2>
      <RunTimeline events={events} labelledBy="timeline-heading" />
    </>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  const timeline = screen.getByRole('list', { name: 'Timeline' });
  return within(timeline).getAllByRole('listitem');
}

describe('RunTimeline', () => {
  beforeEach(() => {
    // React reports the error an event's boundary caught to the console.
    jest.spyOn(console, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('shows a note in place of an event it cannot render, and every other event', async () => {
    const entries = await renderTimeline([
      makeRunEvent(1, 'triggered', {}, { actor: 'user:default/jane' }),
      // Not an entity reference: the catalog's link to it throws.
      makeRunEvent(2, 'approval_requested', { approvers: ['group:'] }),
      makeRunEvent(3, 'message', { markdown: 'Deployed **payments**' }),
      makeRunEvent(4, 'status_changed', { from: 'in_progress', to: 'success' }),
    ]);

    expect(entries).toHaveLength(4);
    expect(entries[0]).toHaveTextContent('Triggered workflow run by');
    expect(entries[1]).toHaveTextContent('This event could not be shown.');
    expect(entries[1]).not.toHaveTextContent('Approval requested');
    expect(entries[2]).toHaveTextContent('Deployed payments');
    expect(entries[3]).toHaveTextContent(
      'Status changed from In progress to Succeeded',
    );
  });

  it('shows hostile messages and links without breaking', async () => {
    const entries = await renderTimeline([
      makeRunEvent(1, 'message', { markdown: `[Run me](${JS})` }),
      makeRunEvent(2, 'message', {
        markdown: '![img](https://203.0.113.5/t.png)',
      }),
      makeRunEvent(3, 'link', { label: 'Open', url: ` ${JS}` }),
      makeRunEvent(4, 'link', {
        label: 'Pipeline',
        url: 'https://ci.example.com/1',
      }),
      makeRunEvent(5, 'status_changed', {
        from: 'in_progress',
        to: 'failed',
        message: `[x](${JS}) <img src=x onerror=alert(1)>`,
      }),
    ]);

    expect(entries).toHaveLength(5);
    expect(screen.queryByText('This event could not be shown.')).toBeNull();
    expect(entries[0]).toHaveTextContent('Run me');
    expect(within(entries[0]).queryByRole('link')).toBeNull();
    expect(
      within(entries[1]).getByRole('link', { name: /Image: img/ }),
    ).toHaveAttribute('href', 'https://203.0.113.5/t.png');
    expect(entries[2]).toHaveTextContent(`Link: Open ( ${JS})`);
    expect(within(entries[2]).queryByRole('link')).toBeNull();
    const pipeline = within(entries[3]).getByRole('link', { name: /Pipeline/ });
    expect(pipeline).toHaveAttribute('href', 'https://ci.example.com/1');
    expect(pipeline).toHaveAttribute('rel', 'noopener noreferrer');
    expect(entries[4]).toHaveTextContent(
      `[x](${JS}) <img src=x onerror=alert(1)>`,
    );
    expect(document.querySelector('img')).toBeNull();
  });
});

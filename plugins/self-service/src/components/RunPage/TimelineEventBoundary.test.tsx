import { render, screen } from '@testing-library/react';
import { TimelineEventBoundary } from './TimelineEventBoundary';

function Throws(): JSX.Element {
  throw new Error('cannot render this event');
}

describe('TimelineEventBoundary', () => {
  beforeEach(() => {
    // React reports caught errors to the console; that is expected here.
    jest.spyOn(console, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('renders its children when they render', () => {
    render(
      <TimelineEventBoundary fallback="could not be shown">
        <p>An event</p>
      </TimelineEventBoundary>,
    );

    expect(screen.getByText('An event')).toBeInTheDocument();
    expect(screen.queryByText('could not be shown')).not.toBeInTheDocument();
  });

  it('renders the fallback in place of children that throw, and only there', () => {
    render(
      <ul>
        <TimelineEventBoundary fallback={<li>could not be shown</li>}>
          <li>First event</li>
        </TimelineEventBoundary>
        <TimelineEventBoundary fallback={<li>could not be shown</li>}>
          <Throws />
        </TimelineEventBoundary>
        <TimelineEventBoundary fallback={<li>could not be shown</li>}>
          <li>Third event</li>
        </TimelineEventBoundary>
      </ul>,
    );

    expect(
      screen.getAllByRole('listitem').map(item => item.textContent),
    ).toEqual(['First event', 'could not be shown', 'Third event']);
  });
});

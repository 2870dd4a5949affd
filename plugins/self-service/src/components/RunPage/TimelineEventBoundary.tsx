import { Component, ReactNode } from 'react';

interface Props {
  /** What to show instead of the event when rendering it throws. */
  fallback: ReactNode;
  children: ReactNode;
}

interface State {
  failed: boolean;
}

/**
 * Catches what rendering one timeline event throws. Event data comes from
 * external systems and from older or newer backends; without a boundary of
 * its own, one event the page cannot render would replace the whole run page
 * with the app's error page, for everyone who opens the run. React itself
 * reports the error to the console.
 */
export class TimelineEventBoundary extends Component<Props, State> {
  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  state: State = { failed: false };

  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

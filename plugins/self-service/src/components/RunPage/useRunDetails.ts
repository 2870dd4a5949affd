import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { TERMINAL_RUN_STATUSES } from '@backstage-self-service/plugin-self-service-common';
import { RunPageDetails, selfServiceApiRef } from '../../api';
import { useRunSignals } from '../Runs/useRunSignals';

export { RUN_SIGNAL_CHANNEL } from '../Runs/useRunSignals';
export type { RunChangedSignal } from '../Runs/useRunSignals';

/**
 * How often an unfinished run is refetched when signals are unavailable, or
 * not yet known to arrive.
 */
export const RUN_POLL_INTERVAL_MS = 5000;

/**
 * How often an unfinished run is refetched once signals have arrived: they
 * may still be lost, for instance while the connection to the backend is
 * down, so the page catches up slowly even then.
 */
export const RUN_SIGNAL_POLL_INTERVAL_MS = 30_000;

interface State {
  /** The latest details fetched; kept while refetching or after a failure. */
  details?: RunPageDetails;
  /** The error of the latest fetch, if it failed. */
  error?: Error;
  loading: boolean;
}

/**
 * A run's details, kept up to date: refetched when the backend signals a
 * change to this run, and, while the run is unfinished, every
 * {@link RUN_POLL_INTERVAL_MS} until a signal has arrived (of any run: the
 * connection is up), then every {@link RUN_SIGNAL_POLL_INTERVAL_MS}.
 */
export function useRunDetails(runId: string) {
  const api = useApi(selfServiceApiRef);
  const [state, setState] = useState<State>({ loading: true });
  // Only the answer of the latest fetch is kept, so a slow old answer never
  // replaces a newer one.
  const latestFetch = useRef(0);
  const fetching = useRef(false);

  const refresh = useCallback(async () => {
    const fetchId = ++latestFetch.current;
    fetching.current = true;
    setState(previous => ({ ...previous, loading: true }));
    try {
      const details = await api.getRun(runId);
      if (fetchId === latestFetch.current) {
        setState({ details, loading: false });
      }
    } catch (error) {
      if (fetchId === latestFetch.current) {
        setState(previous => ({
          details: previous.details,
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        }));
      }
    } finally {
      if (fetchId === latestFetch.current) {
        fetching.current = false;
      }
    }
  }, [api, runId]);

  // A new run id starts afresh; leaving drops answers still on their way.
  useEffect(() => {
    setState({ loading: true });
    refresh();
    return () => {
      latestFetch.current += 1;
      fetching.current = false;
    };
  }, [refresh]);

  // Every message counts: the channel carries the changes of all runs.
  const signals = useRunSignals(signal => {
    if (signal.runId === runId) {
      refresh();
    }
  });

  const hasDetails = state.details !== undefined;
  const finished =
    state.details !== undefined &&
    TERMINAL_RUN_STATUSES.includes(state.details.run.status);
  const interval = signals.heard
    ? RUN_SIGNAL_POLL_INTERVAL_MS
    : RUN_POLL_INTERVAL_MS;
  useEffect(() => {
    if (!hasDetails || finished) {
      return undefined;
    }
    const timer = setInterval(() => {
      if (!fetching.current && document.visibilityState !== 'hidden') {
        refresh();
      }
    }, interval);
    return () => clearInterval(timer);
  }, [interval, hasDetails, finished, refresh]);

  return { ...state, refresh };
}

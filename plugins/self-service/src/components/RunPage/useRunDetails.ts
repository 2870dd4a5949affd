import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  RunDetails,
  RunStatus,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';

/** The signal channel on which the backend announces run changes. */
export const RUN_SIGNAL_CHANNEL = 'self-service:runs';

/** How often an unfinished run is refetched when signals are unavailable. */
export const RUN_POLL_INTERVAL_MS = 5000;

/** What the backend sends on {@link RUN_SIGNAL_CHANNEL}. */
export type RunChangedSignal = {
  runId: string;
  status: RunStatus;
  updatedAt: string;
};

interface State {
  /** The latest details fetched; kept while refetching or after a failure. */
  details?: RunDetails;
  /** The error of the latest fetch, if it failed. */
  error?: Error;
  loading: boolean;
}

/**
 * A run's details, kept up to date: refetched when the backend signals a
 * change to this run, or every {@link RUN_POLL_INTERVAL_MS} while the run is
 * unfinished and signals are not available.
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

  const { lastSignal, isSignalsAvailable } =
    useSignal<RunChangedSignal>(RUN_SIGNAL_CHANNEL);
  // Only a new signal refetches, not a new run id with an old signal.
  const handledSignal = useRef<RunChangedSignal | null>(null);
  useEffect(() => {
    if (!lastSignal || lastSignal === handledSignal.current) {
      return;
    }
    handledSignal.current = lastSignal;
    if (lastSignal.runId === runId) {
      refresh();
    }
  }, [lastSignal, runId, refresh]);

  const hasDetails = state.details !== undefined;
  const finished =
    state.details !== undefined &&
    TERMINAL_RUN_STATUSES.includes(state.details.run.status);
  useEffect(() => {
    if (isSignalsAvailable || !hasDetails || finished) {
      return undefined;
    }
    const timer = setInterval(() => {
      if (!fetching.current && document.visibilityState !== 'hidden') {
        refresh();
      }
    }, RUN_POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, hasDetails, finished, refresh]);

  return { ...state, refresh };
}

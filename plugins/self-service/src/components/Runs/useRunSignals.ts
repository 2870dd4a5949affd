import { useEffect, useRef, useState } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { RunStatus } from '@backstage-self-service/plugin-self-service-common';

/** The signal channel on which the backend announces run changes. */
export const RUN_SIGNAL_CHANNEL = 'self-service:runs';

/** What the backend sends on {@link RUN_SIGNAL_CHANNEL}. */
export type RunChangedSignal = {
  runId: string;
  status: RunStatus;
  updatedAt: string;
};

function isRunChangedSignal(message: unknown): message is RunChangedSignal {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { runId?: unknown }).runId === 'string'
  );
}

/**
 * Calls `onSignal` for every message on {@link RUN_SIGNAL_CHANNEL}, each one
 * as it arrives: the channel is shared by all runs, so keeping only the
 * latest message (as `useSignal` does) would lose one run's signal when
 * another run's follows before React renders. Gives whether the app has the
 * signal API at all, and whether a message has arrived since: only that
 * proves the connection is up (Backstage's signals client gives up
 * connecting after 1 s and tries again 5 s later, and what is published
 * meanwhile is lost).
 */
export function useRunSignals(onSignal: (signal: RunChangedSignal) => void): {
  available: boolean;
  heard: boolean;
} {
  const signals = useApiHolder().get(signalApiRef);
  const handler = useRef(onSignal);
  const [heard, setHeard] = useState(false);
  useEffect(() => {
    handler.current = onSignal;
  });

  useEffect(() => {
    if (!signals) {
      return undefined;
    }
    const { unsubscribe } = signals.subscribe(RUN_SIGNAL_CHANNEL, message => {
      if (isRunChangedSignal(message)) {
        setHeard(true);
        handler.current(message);
      }
    });
    return () => unsubscribe();
  }, [signals]);

  return { available: signals !== undefined, heard };
}

import { SignalApi } from '@backstage/plugin-signals-react';
import {
  RequestWorkflowDefinition,
  RunEvent,
  RunEventType,
} from '@backstage-self-service/plugin-self-service-common';
import { RunPageDetails } from '../api';
import { makeRun } from './fixtures';

/** A JSON object, as signals carry them. */
type JsonObject = Parameters<Parameters<SignalApi['subscribe']>[1]>[0];

/** A workflow definition as a run's page gets it, overridable per test. */
export function makeRunWorkflow(
  overrides: Partial<RequestWorkflowDefinition> = {},
): RequestWorkflowDefinition {
  return {
    identifier: 'restart-service',
    name: 'Restart service',
    description: 'Restarts every pod of the service.',
    scope: { type: 'entity', kinds: ['Component'] },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [],
    request: { method: 'POST', url: 'https://ops.example.com/restart' },
    ...overrides,
  };
}

/** One event of run `r-1`; its id and sequence come from `sequence`. */
export function makeRunEvent(
  sequence: number,
  type: RunEventType,
  data: Record<string, unknown> = {},
  overrides: Partial<RunEvent> = {},
): RunEvent {
  return {
    id: `e-${sequence}`,
    runId: 'r-1',
    sequence,
    type,
    createdAt: new Date(
      Date.parse('2026-01-02T10:00:00.000Z') + sequence * 1000,
    ).toISOString(),
    data,
    ...overrides,
  };
}

/**
 * The details of run `r-1` of a simple workflow that succeeded, with fields
 * overridable per test. Without `events`, the timeline is triggered, request
 * sent (200) and status changed to success.
 */
export function makeRunDetails(
  overrides: {
    run?: Parameters<typeof makeRun>[0];
    workflow?: Partial<RequestWorkflowDefinition>;
    events?: RunEvent[];
    approvers?: string[];
    permissions?: Partial<RunPageDetails['permissions']>;
  } = {},
): RunPageDetails {
  return {
    run: makeRun(overrides.run),
    workflow: makeRunWorkflow(overrides.workflow),
    events: overrides.events ?? [
      makeRunEvent(
        1,
        'triggered',
        { revision: 1, entityRef: 'component:default/payments' },
        { actor: 'user:default/jane' },
      ),
      makeRunEvent(2, 'request_sent', {
        startedAt: '2026-01-02T10:00:02.000Z',
        durationMs: 123,
        outcome: 'success',
        request: {
          method: 'POST',
          url: 'https://ops.example.com/restart',
          headers: { 'content-type': 'application/json' },
          body: '{"service":"payments"}',
        },
        response: {
          status: 200,
          statusText: 'OK',
          headers: {},
          body: '',
          bodyTruncated: false,
        },
      }),
      makeRunEvent(3, 'status_changed', { from: 'in_progress', to: 'success' }),
    ],
    approvers: overrides.approvers ?? [],
    permissions: {
      approve: { allowed: false },
      withdraw: false,
      redeliver: {
        allowed: false,
        reason:
          'Only failed or timed-out runs can be resent; this one is success',
      },
      ...overrides.permissions,
    },
  };
}

/**
 * A SignalApi whose subscribers a test can send messages to. `publish`
 * delivers at once, so several messages sent in one `act` all arrive before
 * React renders, as they can over a real connection.
 */
export interface FakeSignalApi extends SignalApi {
  /** Delivers a message to everyone subscribed to the channel. */
  publish(channel: string, message: JsonObject): void;
  /** How many subscriptions to the channel are open. */
  subscriberCount(channel: string): number;
}

/** A {@link FakeSignalApi}. */
export function fakeSignalApi(): FakeSignalApi {
  const subscribers = new Map<string, Set<(message: JsonObject) => void>>();
  return {
    subscribe<TMessage extends JsonObject = JsonObject>(
      channel: string,
      onMessage: (message: TMessage) => void,
    ) {
      const listener = onMessage as (message: JsonObject) => void;
      const set = subscribers.get(channel) ?? new Set();
      set.add(listener);
      subscribers.set(channel, set);
      // Callers may call unsubscribe unbound.
      const unsubscribe = () => {
        set.delete(listener);
      };
      return { unsubscribe };
    },
    publish(channel, message) {
      for (const listener of subscribers.get(channel) ?? []) {
        listener(message);
      }
    },
    subscriberCount(channel) {
      return subscribers.get(channel)?.size ?? 0;
    },
  };
}

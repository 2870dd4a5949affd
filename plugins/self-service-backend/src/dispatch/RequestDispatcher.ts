import type { Agent, Dispatcher } from 'undici';
import {
  createGuardedAgent,
  type EgressPolicy,
  type HostResolver,
} from '../egress';
import { RenderedRequest } from './renderRequest';
import {
  describeDispatchError,
  describeEgressRefusal,
  DispatchErrorKind,
} from './dispatchErrors';
import { readBodyUpTo } from './readBodyUpTo';

/** Limits of one attempt. */
export interface DispatchOptions {
  /** The whole attempt, response body included, is aborted after this. */
  timeoutMs: number;
  /** Response body bytes kept; the rest is not read. */
  maxResponseBodyBytes: number;
}

/** What happened when a request was sent once. */
export interface DispatchAttempt {
  startedAt: string;
  durationMs: number;
  /** As sent: not redacted here. */
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
  };
  response?: {
    status: number;
    statusText: string;
    headers: Record<string, string>;
    body: string;
    bodyTruncated: boolean;
  };
  /**
   * Why no (complete) response came. With a response present, reading its
   * body failed; the body holds what arrived and is marked truncated.
   */
  error?: { kind: DispatchErrorKind; message: string };
  /** Success only for a 2xx response; a 3xx is a failure and not followed. */
  outcome: 'success' | 'failure';
}

/**
 * Sends one rendered request. The seam where retries, request signing and
 * per-attempt records plug in: it knows nothing of runs or storage.
 */
export interface RequestDispatcher {
  dispatch(
    request: RenderedRequest,
    options: DispatchOptions,
  ): Promise<DispatchAttempt>;
}

export interface HttpRequestDispatcherOptions {
  /** Where requests may go (`selfService.request.allowedHosts`). */
  egressPolicy: EgressPolicy;
  /** Resolves host names; the system's resolver unless a test injects one. */
  resolve?: HostResolver;
}

/**
 * Sends requests with undici's request API: no redirects followed, a timeout
 * covering the whole attempt, and a bounded response body. Never throws for
 * network problems; they are described in the attempt.
 *
 * Only where the egress policy allows: the URL is checked before anything
 * is sent, and every connection, through an agent that checks each address
 * it is about to connect to. A refused request is an attempt with a
 * `refused-address` error naming the host and the configuration key.
 * (undici's own API on its own agent, not the global `fetch`: a dispatcher
 * from one undici version is not guaranteed to work with another's.)
 */
export class HttpRequestDispatcher implements RequestDispatcher {
  private readonly agent: Agent;

  constructor(private readonly options: HttpRequestDispatcherOptions) {
    this.agent = createGuardedAgent({
      policy: options.egressPolicy,
      resolve: options.resolve,
    });
  }

  async dispatch(
    request: RenderedRequest,
    options: DispatchOptions,
  ): Promise<DispatchAttempt> {
    const startedAt = new Date();
    const started = performance.now();
    const sent: DispatchAttempt['request'] = {
      method: request.method,
      url: request.url,
      headers: { ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
    };
    const finish = (
      result: Pick<DispatchAttempt, 'response' | 'error'>,
    ): DispatchAttempt => ({
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      request: sent,
      ...result,
      outcome:
        result.response &&
        result.response.status >= 200 &&
        result.response.status < 300
          ? 'success'
          : 'failure',
    });

    const refusal = this.refusalOf(request.url);
    if (refusal) {
      return finish({ error: refusal });
    }

    if (
      request.body !== undefined &&
      (request.method === 'GET' || (request.method as string) === 'HEAD')
    ) {
      // Refused as fetch would; a saved workflow cannot have one.
      return finish({
        error: {
          kind: 'invalid-request',
          message: `Invalid request: a ${request.method} request cannot have a body`,
        },
      });
    }

    let response: Dispatcher.ResponseData;
    try {
      const url = new URL(request.url);
      // The agent's own request API rather than fetch: the same connection
      // pool and checks, a fraction of fetch's work on the event loop that
      // also serves the API. It follows no redirects.
      response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return finish({
        error: describeDispatchError(error, request.url, options.timeoutMs),
      });
    }

    const received = {
      status: response.statusCode,
      statusText: response.statusText ?? '',
      headers: Object.fromEntries(
        Object.entries(response.headers).flatMap(([name, value]) =>
          value === undefined
            ? []
            : [[name, Array.isArray(value) ? value.join(', ') : value]],
        ),
      ),
    };
    // Read as the Node stream it is: a web stream around it costs a
    // fraction of a millisecond on every request.
    const body = await readBodyUpTo(
      response.body,
      options.maxResponseBodyBytes,
    );
    return finish({
      response: {
        ...received,
        body: body.text,
        bodyTruncated: body.truncated,
      },
      ...(body.error !== undefined
        ? {
            error: describeDispatchError(
              body.error,
              request.url,
              options.timeoutMs,
            ),
          }
        : {}),
    });
  }

  /** What the URL alone refuses; an invalid URL is left for the request to report. */
  private refusalOf(url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const refusal = this.options.egressPolicy.checkUrl(parsed);
    return refusal && describeEgressRefusal(refusal);
  }
}

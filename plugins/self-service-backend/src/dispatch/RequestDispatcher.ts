import { RenderedRequest } from './renderRequest';
import { describeDispatchError, DispatchErrorKind } from './dispatchErrors';
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
 * Sends one rendered request. The seam where retries, request signing,
 * per-attempt records and an address allowlist plug in: it knows nothing of
 * runs or storage.
 */
export interface RequestDispatcher {
  dispatch(
    request: RenderedRequest,
    options: DispatchOptions,
  ): Promise<DispatchAttempt>;
}

/**
 * Sends requests with the global `fetch`: no redirects followed, a timeout
 * covering the whole attempt, and a bounded response body. Never throws for
 * network problems; they are described in the attempt.
 */
export class HttpRequestDispatcher implements RequestDispatcher {
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

    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return finish({
        error: describeDispatchError(error, request.url, options.timeoutMs),
      });
    }

    const headers = new Map<string, string>();
    response.headers.forEach((value, name) => {
      const previous = headers.get(name);
      headers.set(
        name,
        previous === undefined ? value : `${previous}, ${value}`,
      );
    });
    const received = {
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(headers),
    };
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
}

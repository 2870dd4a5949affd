import { EGRESS_REFUSED, type EgressRefusal } from '../egress';

/** Kinds of failure to send a request or read its response. */
export type DispatchErrorKind =
  | 'timeout'
  | 'connection'
  | 'dns'
  | 'tls'
  | 'invalid-request'
  | 'refused-address'
  | 'other';

/** A failure in words a workflow author can act on. */
export interface DispatchError {
  kind: DispatchErrorKind;
  message: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);
const INVALID_REQUEST_CODES = new Set([
  'ERR_INVALID_URL',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  refusal?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null
    ? (value as ErrorLike)
    : undefined;
}

/** The error and its causes (`fetch` wraps the real one in `cause`). */
function causeChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 10) {
    const current = asErrorLike(queue.shift());
    if (!current || chain.includes(current)) {
      continue;
    }
    chain.push(current);
    queue.push(current.cause);
    if (Array.isArray(current.errors)) {
      queue.push(...current.errors);
    }
  }
  return chain;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number'
    ? String(value)
    : undefined;
}

function isTlsCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_')
  );
}

/**
 * A request the egress policy refused, before it was sent or when it was
 * about to connect: the message names the host and
 * `selfService.request.allowedHosts`.
 */
export function describeEgressRefusal(refusal: EgressRefusal): DispatchError {
  return {
    kind: 'refused-address',
    message: `Refused to send the request: ${refusal.message}`,
  };
}

/**
 * Classifies what `fetch` (or reading a response body) threw, with a
 * message naming the host and what went wrong.
 */
export function describeDispatchError(
  error: unknown,
  url: string,
  timeoutMs: number,
): DispatchError {
  const chain = causeChain(error);
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // Keep the URL as given.
  }

  // Refused by the connecting agent, before a connection was made.
  const refusal = chain.find(e => e.code === EGRESS_REFUSED)?.refusal;
  if (refusal) {
    return describeEgressRefusal(refusal as EgressRefusal);
  }

  if (chain.some(e => e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return { kind: 'timeout', message: `Timed out after ${timeoutMs} ms` };
  }

  const coded = chain.find(e => typeof e.code === 'string');
  const code = coded ? String(coded.code) : undefined;
  const detail = text(coded?.message) ?? text(chain.at(-1)?.message) ?? '';
  const where =
    coded && text(coded.address) !== undefined
      ? `${text(coded.address)}${
          text(coded.port) !== undefined ? `:${text(coded.port)}` : ''
        }`
      : host;

  if (code !== undefined) {
    if (code === 'ECONNREFUSED') {
      return { kind: 'connection', message: `Connection refused by ${where}` };
    }
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
      return {
        kind: 'connection',
        message: `Connection to ${where} was closed unexpectedly: ${detail}`,
      };
    }
    if (CONNECTION_CODES.has(code)) {
      return {
        kind: 'connection',
        message: `Could not connect to ${where}: ${detail}`,
      };
    }
    if (DNS_CODES.has(code)) {
      const name = text(coded?.hostname) ?? host;
      return {
        kind: 'dns',
        message:
          code === 'ENOTFOUND'
            ? `Host ${name} was not found (DNS)`
            : `Could not resolve host ${name} (DNS ${code})`,
      };
    }
    if (TIMEOUT_CODES.has(code)) {
      return {
        kind: 'timeout',
        message: `Timed out talking to ${where}: ${detail}`,
      };
    }
    if (isTlsCode(code)) {
      return {
        kind: 'tls',
        message: `TLS error with ${host}: ${detail} (${code})`,
      };
    }
    if (INVALID_REQUEST_CODES.has(code)) {
      return { kind: 'invalid-request', message: `Invalid request: ${detail}` };
    }
  }

  const root = chain.at(-1);
  const rootMessage = text(root?.message) ?? String(error);
  if (rootMessage === 'bad port') {
    return {
      kind: 'invalid-request',
      message: `The port of ${host} is one fetch refuses to call (bad port)`,
    };
  }
  // fetch rejects a request it cannot build (a GET with a body, an invalid
  // header) with a TypeError of its own, before any network activity.
  const top = chain[0];
  // Compared by name: the error may come from another realm.
  if (
    top?.name === 'TypeError' &&
    top.cause === undefined &&
    text(top?.message) !== 'fetch failed'
  ) {
    return {
      kind: 'invalid-request',
      message: `Invalid request: ${rootMessage}`,
    };
  }
  return {
    kind: 'other',
    message: `Request to ${host} failed: ${rootMessage}${
      code !== undefined ? ` (${code})` : ''
    }`,
  };
}

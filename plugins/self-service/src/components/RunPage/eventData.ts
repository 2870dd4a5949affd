/*
 * Typed views of the `data` of run events, as the backend stores them (see
 * the run commands and the delivery worker in the backend). The data is
 * JSON from the server, so every field is checked rather than cast: an
 * event of an older or newer backend renders with what it has instead of
 * breaking the page.
 */

/** A request as sent, with secrets already redacted by the backend. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The response to a sent request, redacted and bounded by the backend. */
export interface ReceivedResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
}

/** Why no (complete) response came. */
export interface RequestError {
  kind: string;
  message: string;
}

/** The data of a `request_sent` event: one attempt of a run's delivery. */
export interface RequestSentData {
  /** Which attempt this was, from 1; absent in events from before retries. */
  attempt?: number;
  /** The most attempts the delivery makes, resends included. */
  maxAttempts?: number;
  /** The `webhook-id` every attempt of the delivery carries. */
  webhookId?: string;
  /** When the next attempt goes out, if one is scheduled (ISO time). */
  nextAttemptAt?: string;
  startedAt?: string;
  durationMs?: number;
  /** `success`, `failure`, or `unknown` when its replica stopped mid-request. */
  outcome?: string;
  /** Absent when none was recorded: an attempt whose outcome is unknown. */
  request?: SentRequest;
  response?: ReceivedResponse;
  error?: RequestError;
}

/** An attempt whose request was recorded, as every attempt but an interrupted one. */
export type RecordedAttempt = RequestSentData & { request: SentRequest };

/** Whether an attempt's request was recorded, to be shown. */
export function isRecordedAttempt(
  data: RequestSentData,
): data is RecordedAttempt {
  return data.request !== undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A string field, or undefined if absent or of another type. */
export function stringField(
  data: Record<string, unknown>,
  key: string,
): string | undefined {
  const value = data[key];
  return typeof value === 'string' ? value : undefined;
}

function numberField(
  data: Record<string, unknown>,
  key: string,
): number | undefined {
  const value = data[key];
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}

/** A list of strings, dropping anything else. */
export function stringListField(
  data: Record<string, unknown>,
  key: string,
): string[] {
  const value = data[key];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function headersOf(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(record(value) ?? {})) {
    if (headerValue !== undefined && headerValue !== null) {
      headers[name] = String(headerValue);
    }
  }
  return headers;
}

/** The data of a `request_sent` event. */
export function requestSentData(
  data: Record<string, unknown>,
): RequestSentData {
  const request = record(data.request);
  const response = record(data.response);
  const error = record(data.error);
  return {
    attempt: numberField(data, 'attempt'),
    maxAttempts: numberField(data, 'maxAttempts'),
    webhookId: stringField(data, 'webhookId'),
    nextAttemptAt: stringField(data, 'nextAttemptAt'),
    startedAt: stringField(data, 'startedAt'),
    durationMs: numberField(data, 'durationMs'),
    outcome: stringField(data, 'outcome'),
    request: request
      ? {
          method: stringField(request, 'method') ?? '',
          url: stringField(request, 'url') ?? '',
          headers: headersOf(request.headers),
          body: stringField(request, 'body'),
        }
      : undefined,
    response: response
      ? {
          status: numberField(response, 'status') ?? 0,
          statusText: stringField(response, 'statusText') ?? '',
          headers: headersOf(response.headers),
          body: stringField(response, 'body') ?? '',
          bodyTruncated: response.bodyTruncated === true,
        }
      : undefined,
    error: error
      ? {
          kind: stringField(error, 'kind') ?? 'other',
          message: stringField(error, 'message') ?? '',
        }
      : undefined,
  };
}

const errorKinds: Record<string, string> = {
  timeout: 'Timed out',
  connection: 'Connection failed',
  dns: 'Host not found',
  tls: 'TLS or certificate error',
  'invalid-request': 'Invalid request',
  'refused-address': 'Address not allowed',
  interrupted: 'Interrupted',
  other: 'Other error',
};

/** The kind of a request error in words, for example `Timed out`. */
export function requestErrorKindText(kind: string): string {
  return errorKinds[kind] ?? kind;
}

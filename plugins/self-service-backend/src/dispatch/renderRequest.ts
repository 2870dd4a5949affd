import { InputError } from '@backstage/errors';
import {
  WORKFLOW_REQUEST_METHODS,
  type WorkflowRequest,
  type WorkflowRequestMethod,
} from '@backstage-self-service/plugin-self-service-common';
import { TemplateContext } from '../workflows/templateContext';
import { contentTypeOf } from './jsonBody';
import { renderBody } from './renderBody';
import { renderHeaders } from './renderHeaders';
import { renderUrl } from './renderUrl';

/** A workflow request with every variable filled in, ready to send. */
export interface RenderedRequest {
  method: WorkflowRequestMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Turns a workflow's request template into the request to send, putting
 * values into the URL, headers and body by structure rather than by text.
 * Throws `InputError` (a 400 for the caller) naming the part that failed,
 * for example `request.url: ...`.
 */
export function renderRequest(
  request: WorkflowRequest,
  context: TemplateContext,
): RenderedRequest {
  if (!WORKFLOW_REQUEST_METHODS.includes(request.method)) {
    throw new InputError(
      `request.method: must be one of ${WORKFLOW_REQUEST_METHODS.join(', ')}`,
    );
  }
  const url = renderUrl(request.url, context);
  const headers = renderHeaders(request.headers, context);
  const contentType = contentTypeOf(headers);
  // Kept for every method: a GET or DELETE body is sent, or fails visibly.
  const body = renderBody(request.body, context, contentType);
  return {
    method: request.method,
    url,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

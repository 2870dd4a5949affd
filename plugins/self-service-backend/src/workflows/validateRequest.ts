import type {
  WorkflowRequest,
  WorkflowRequestMethod,
  WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';
import { WORKFLOW_REQUEST_METHODS } from '@backstage-self-service/plugin-self-service-common';
import {
  contentTypeOf,
  isJsonBodyTemplate,
  parseJsonBodyTemplate,
} from '../dispatch/jsonBody';
import { isSecretKey } from '../dispatch/redact';
import { WEBHOOK_HEADER_NAMES } from '../delivery/webhookHeaders';
import type { EgressPolicy } from '../egress';
import { describeValue } from './describeValue';
import {
  findMalformedPlaceholders,
  findPlaceholders,
  type Placeholder,
  textOutside,
} from './placeholders';
import {
  checkKeys,
  fail,
  get,
  isAbsent,
  isObject,
  readObject,
  readText,
  readType,
} from './readFields';
import { ENTITY_VARIABLES, FIXED_VARIABLES } from './templateContext';

const MAX_HEADERS = 100;
const MAX_URL_LENGTH = 2000;
const MAX_HEADER_VALUE_LENGTH = 8192;
const MAX_BODY_BYTES = 1024 * 1024;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HTTP_URL_PREFIX = /^https?:\/\//i;

/**
 * Headers the HTTP client sets itself or refuses; a workflow setting them
 * would fail (or misbehave) on every run.
 */
const MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
]);

const fixedVariables: ReadonlySet<string> = new Set(FIXED_VARIABLES);
const entityVariables: ReadonlySet<string> = new Set(ENTITY_VARIABLES);

/** Variables of a step of a multi-step workflow: `{{step.token}}` and the outputs of steps before it. */
export const STEP_VARIABLES = [
  'step.id',
  'step.callbackUrl',
  'step.token',
] as const;
const stepVariables: ReadonlySet<string> = new Set(STEP_VARIABLES);
/** What the run-level callback variables are called in a step. */
const RUN_CALLBACK_VARIABLES: Record<string, string> = {
  'run.callbackUrl': 'step.callbackUrl',
  'run.token': 'step.token',
};

/** The outputs a step's request may use, when it is a step of a multi-step workflow. */
export interface StepVariableContext {
  /** Declared outputs of every step of the workflow, by step id. */
  outputs: ReadonlyMap<string, ReadonlySet<string>>;
  /** The steps that finish before this one (its dependencies, transitively). */
  upstream: ReadonlySet<string>;
}

/** What a request's `{{...}}` variables are checked against. */
export interface VariableContext {
  scope: WorkflowScope;
  parameterIds: ReadonlySet<string>;
  secretNames: ReadonlySet<string>;
  /** Present for a step of a multi-step workflow. */
  step?: StepVariableContext;
}

/** Placeholders of a template, refusing anything `{{`-like that is not one. */
function readPlaceholders(template: string, path: string): Placeholder[] {
  const malformed = findMalformedPlaceholders(template);
  if (malformed.length > 0) {
    fail(path, `malformed placeholder ${malformed[0]}`);
  }
  const placeholders = findPlaceholders(template);
  const rest = textOutside(template, placeholders);
  const open = rest.indexOf('{{');
  if (open !== -1) {
    const snippet = rest.slice(open, open + 30).split(/[\r\n]/)[0];
    fail(
      path,
      `malformed placeholder ${snippet} (a placeholder is closed with }} on the same line)`,
    );
  }
  return placeholders;
}

function checkVariables(
  placeholders: Placeholder[],
  path: string,
  context: VariableContext,
) {
  for (const { name } of placeholders) {
    const stepName = RUN_CALLBACK_VARIABLES[name];
    if (context.step && stepName !== undefined) {
      fail(
        path,
        `{{${name}}} is for one-request workflows; a step reports back with {{${stepName}}}`,
      );
    }
    if (fixedVariables.has(name)) {
      continue;
    }
    if (stepVariables.has(name)) {
      if (!context.step) {
        fail(path, `{{${name}}} is only available in a step of a workflow`);
      }
      continue;
    }
    const [head, ...rest] = name.split('.');
    if (head === 'steps') {
      checkStepOutput(name, rest, path, context.step);
      continue;
    }
    const key = rest.length === 1 ? rest[0] : undefined;
    if (head === 'data' && key !== undefined) {
      if (!context.parameterIds.has(key)) {
        fail(path, `unknown variable {{${name}}} (no parameter '${key}')`);
      }
      continue;
    }
    if (entityVariables.has(name)) {
      if (context.scope.type !== 'entity') {
        fail(path, `{{${name}}} is only available for entity-scoped workflows`);
      }
      continue;
    }
    if (head === 'secrets' && key !== undefined) {
      if (!context.secretNames.has(key)) {
        fail(
          path,
          `unknown secret {{${name}}}; configure selfService.secrets.${key}`,
        );
      }
      continue;
    }
    fail(path, `unknown variable {{${name}}}`);
  }
}

/** `{{steps.<id>.outputs.<name>}}`: a declared output of a step that finishes first. */
function checkStepOutput(
  name: string,
  rest: string[],
  path: string,
  step: StepVariableContext | undefined,
) {
  if (!step) {
    fail(path, `unknown variable {{${name}}} (this workflow has no steps)`);
  }
  const [stepId, outputs, output] = rest;
  if (rest.length !== 3 || outputs !== 'outputs') {
    fail(
      path,
      `unknown variable {{${name}}}; a step's output is {{steps.<id>.outputs.<name>}}`,
    );
  }
  const declared = step.outputs.get(stepId);
  if (!declared) {
    fail(path, `unknown variable {{${name}}} (no step '${stepId}')`);
  }
  if (!step.upstream.has(stepId)) {
    fail(
      path,
      `{{${name}}}: step '${stepId}' does not finish before this step; add it to dependsOn`,
    );
  }
  if (!declared.has(output)) {
    fail(
      path,
      `unknown variable {{${name}}} (step '${stepId}' declares no output '${output}')`,
    );
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}

function substitute(
  template: string,
  placeholders: Placeholder[],
  dummy: string,
): string {
  let result = '';
  let from = 0;
  for (const placeholder of placeholders) {
    result += template.slice(from, placeholder.index) + dummy;
    from = placeholder.index + placeholder.raw.length;
  }
  return result + template.slice(from);
}

function readUrl(
  value: unknown,
  path: string,
  context: VariableContext,
  egressPolicy: EgressPolicy,
): string {
  const url = readText(value, path, {
    required: true,
    max: MAX_URL_LENGTH,
  }) as string;
  const placeholders = readPlaceholders(url, path);
  if (!HTTP_URL_PREFIX.test(url)) {
    fail(path, 'must start with http:// or https://');
  }
  // Everything up to the first `/`, `?`, `#` (or `\`) after `://` is the
  // origin; a variable there could send the request (and its secrets)
  // anywhere.
  const authorityStart = url.indexOf('://') + 3;
  const authorityEnd = url.slice(authorityStart).search(/[/?#\\]/);
  const originEnd =
    authorityEnd === -1 ? url.length : authorityStart + authorityEnd;
  if (placeholders.some(p => p.index < originEnd)) {
    fail(path, 'variables are not allowed in the scheme or host');
  }
  if (originEnd === authorityStart) {
    fail(path, 'needs a host');
  }
  const sample = substitute(url, placeholders, 'x');
  if (/\s/.test(sample) || hasControlCharacter(sample)) {
    fail(path, 'must not contain spaces or control characters');
  }
  let parsed: URL;
  try {
    parsed = new URL(sample);
  } catch {
    return fail(path, `not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    fail(path, 'must start with http:// or https://');
  }
  if (!parsed.hostname) {
    fail(path, 'needs a host');
  }
  if (parsed.username || parsed.password) {
    fail(
      path,
      'credentials in the URL are not allowed; use an Authorization header',
    );
  }
  // Belt and braces: whatever the variables hold, the origin stays the same.
  let otherOrigin: string | undefined;
  try {
    otherOrigin = new URL(substitute(url, placeholders, 'y.y')).origin;
  } catch {
    otherOrigin = undefined;
  }
  if (otherOrigin !== parsed.origin) {
    fail(path, 'variables are not allowed in the scheme or host');
  }
  // The host is literal (checked above), so this decides the host as
  // written; names that resolve to refused addresses are refused when a
  // run connects.
  const refusal = egressPolicy.checkUrl(parsed);
  if (refusal) {
    fail(path, refusal.message);
  }
  checkVariables(placeholders, path, context);
  return url;
}

function readHeaders(
  value: unknown,
  headersPath: string,
  context: VariableContext,
): Record<string, string> {
  if (isAbsent(value)) {
    return {};
  }
  if (!isObject(value)) {
    fail(headersPath, 'must be an object of header names to values');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) {
    fail(headersPath, `at most ${MAX_HEADERS} headers`);
  }
  const seen = new Map<string, string>();
  const headers: Array<[string, string]> = [];
  for (const [name, raw] of entries) {
    if (name.includes('{{')) {
      fail(
        headersPath,
        `variables are not allowed in header names ('${name}')`,
      );
    }
    if (!HEADER_NAME.test(name)) {
      fail(headersPath, `invalid header name '${name}'`);
    }
    const path = `${headersPath}.${name}`;
    const lower = name.toLocaleLowerCase('en-US');
    const previous = seen.get(lower);
    if (previous !== undefined) {
      fail(path, `duplicate header (same as '${previous}')`);
    }
    seen.set(lower, name);
    if (MANAGED_HEADERS.has(lower)) {
      fail(path, 'is set by the HTTP client; remove it');
    }
    if ((WEBHOOK_HEADER_NAMES as ReadonlyArray<string>).includes(lower)) {
      fail(
        path,
        'is set on every attempt (Standard Webhooks: the delivery id, and signatures with delivery.signingKey); remove it',
      );
    }
    if (typeof raw !== 'string') {
      fail(path, `must be a string, got ${describeValue(raw)}`);
    }
    if (/[\r\n\0]/.test(raw)) {
      fail(path, 'must not contain line breaks or NUL characters');
    }
    const headerValue = raw.trim();
    if (headerValue.length > MAX_HEADER_VALUE_LENGTH) {
      fail(path, `must be at most ${MAX_HEADER_VALUE_LENGTH} characters`);
    }
    const placeholders = readPlaceholders(headerValue, path);
    checkVariables(placeholders, path, context);
    if (lower === 'content-type' && placeholders.length > 0) {
      // It decides how the body is rendered, so it is fixed when saved.
      fail(path, 'variables are not allowed in the content type');
    }
    if (
      isSecretKey(name) &&
      !carriesCredentialSafely(headerValue, placeholders)
    ) {
      fail(
        path,
        `this header carries a credential, which must not be written into the workflow: put it in selfService.secrets in app-config and use {{secrets.NAME}} (or {{run.token}}); a literal prefix like 'Bearer ' is fine`,
      );
    }
    headers.push([name, headerValue]);
  }
  // fromEntries defines own properties, even for a header named __proto__.
  return Object.fromEntries(headers);
}

/**
 * Whether a header whose name looks secret gets its value from somewhere safe:
 * a configured secret or the run token, or only identifiers Backstage itself
 * makes up (for instance `Idempotency-Key: {{run.id}}`) with at most a scheme
 * word around them. Literal credentials would be stored with every revision,
 * and a credential typed into a run's form would be stored with its inputs.
 */
function carriesCredentialSafely(
  value: string,
  placeholders: Placeholder[],
): boolean {
  if (
    placeholders.some(
      p =>
        p.name === 'run.token' ||
        p.name === 'step.token' ||
        p.name.startsWith('secrets.'),
    )
  ) {
    return true;
  }
  const generatedOnly =
    placeholders.length > 0 &&
    placeholders.every(
      p =>
        p.name === 'run.id' ||
        p.name === 'step.id' ||
        p.name === 'user.ref' ||
        p.name.startsWith('workflow.') ||
        p.name.startsWith('entity.'),
    );
  const literal = textOutside(value, placeholders, ' ').trim();
  return generatedOnly && /^([A-Za-z]{1,20})?$/.test(literal);
}

function readBody(
  value: unknown,
  path: string,
  method: WorkflowRequestMethod,
  contentType: string | undefined,
  context: VariableContext,
): string | undefined {
  if (isAbsent(value)) {
    return undefined;
  }
  if (typeof value !== 'string') {
    fail(path, 'must be a string');
  }
  if (value === '') {
    return undefined;
  }
  if (method === 'GET') {
    fail(path, 'a GET request cannot have a body');
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_BODY_BYTES) {
    fail(path, 'must be at most 1 MB');
  }
  const placeholders = readPlaceholders(value, path);
  checkVariables(placeholders, path, context);
  if (isJsonBodyTemplate(value, placeholders, contentType)) {
    // Throws an InputError naming the field; rendering relies on it.
    parseJsonBodyTemplate(value, placeholders, path);
  }
  return value;
}

/**
 * Checks a request template at `path` (`request`, or `steps[2].request`):
 * its method, a URL whose host is literal and allowed, headers that carry no
 * credential of their own, a body that parses as JSON when sent as JSON, and
 * variables that will exist when it is rendered.
 */
export function readRequest(
  value: unknown,
  path: string,
  context: VariableContext,
  egressPolicy: EgressPolicy,
): WorkflowRequest {
  const request = readObject(value, path);
  checkKeys(request, path, ['method', 'url', 'headers', 'body']);
  const rawMethod = get(request, 'method');
  const method = readType(
    typeof rawMethod === 'string'
      ? rawMethod.trim().toLocaleUpperCase('en-US')
      : rawMethod,
    `${path}.method`,
    WORKFLOW_REQUEST_METHODS,
  );
  const url = readUrl(
    get(request, 'url'),
    `${path}.url`,
    context,
    egressPolicy,
  );
  const headers = readHeaders(
    get(request, 'headers'),
    `${path}.headers`,
    context,
  );
  const contentType = contentTypeOf(headers);
  const body = readBody(
    get(request, 'body'),
    `${path}.body`,
    method,
    contentType,
    context,
  );
  return { method, url, headers, ...(body !== undefined && { body }) };
}

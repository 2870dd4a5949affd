import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  WORKFLOW_DEFINITION_FIELDS,
  WORKFLOW_PARAMETER_TYPES,
  WORKFLOW_REQUEST_METHODS,
  type WorkflowAccess,
  type WorkflowDefinition,
  type WorkflowExecution,
  type WorkflowParameter,
  type WorkflowParameterType,
  type WorkflowRequest,
  type WorkflowRequestMethod,
  type WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';
import {
  findMalformedPlaceholders,
  findPlaceholders,
  type Placeholder,
  textOutside,
} from './placeholders';
import { ENTITY_VARIABLES, FIXED_VARIABLES } from './templateContext';
import { MAX_STRING_INPUT_LENGTH } from './validateRunInputs';
import {
  contentTypeOf,
  isJsonBodyTemplate,
  parseJsonBodyTemplate,
} from '../dispatch/jsonBody';
import { isSecretKey } from '../dispatch/redact';
import type { EgressPolicy } from '../egress';
import { describeValue } from './describeValue';
import { validateDelivery } from './validateDelivery';
import { WEBHOOK_HEADER_NAMES } from '../delivery/webhookHeaders';

/** What a workflow definition is checked against besides itself. */
export interface ValidationOptions {
  /** Names configured under `selfService.secrets`. */
  secretNames: ReadonlySet<string>;
  /** Names configured under `selfService.signing.keys`; none when absent. */
  signingKeyNames?: ReadonlySet<string>;
  /**
   * Where requests may go (`selfService.request.allowedHosts`): a URL whose
   * host is refused is refused when saved, not first when a run fails.
   */
  egressPolicy: EgressPolicy;
}

/** An unfinished event-driven run times out after this long by default. */
export const DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS = 86400;
const MIN_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 30 * 86400;

const MAX_PARAMETERS = 50;
const MAX_OPTIONS = 500;
const MAX_KINDS = 50;
const MAX_REFS = 200;
const MAX_HEADERS = 100;
const MAX_URL_LENGTH = 2000;
const MAX_HEADER_VALUE_LENGTH = 8192;
const MAX_BODY_BYTES = 1024 * 1024;

const WORKFLOW_IDENTIFIER = /^[a-z][a-z0-9-]{0,99}$/;
const PARAMETER_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const ICON = /^[a-z0-9-]+$/;
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
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
const entityNameValidator = makeValidator();

type JsonObject = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new InputError(`${path}: ${message}`);
}

/** An own property only, so nothing is read from a prototype. */
function get(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key)
    ? object[key]
    : undefined;
}

function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readObject(value: unknown, path: string): JsonObject {
  if (isAbsent(value)) {
    fail(path, 'required');
  }
  if (!isObject(value)) {
    fail(path, 'must be an object');
  }
  return value;
}

function checkKeys(
  object: JsonObject,
  path: string | undefined,
  allowed: readonly string[],
) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      fail(path ? `${path}.${key}` : key, 'unknown field');
    }
  }
}

/** A trimmed string; absent or empty gives undefined unless required. */
function readText(
  value: unknown,
  path: string,
  options: { required?: boolean; max: number },
): string | undefined {
  if (isAbsent(value)) {
    return options.required ? fail(path, 'required') : undefined;
  }
  if (typeof value !== 'string') {
    fail(path, 'must be a string');
  }
  const text = value.trim();
  if (text === '') {
    return options.required ? fail(path, 'must not be empty') : undefined;
  }
  if (text.length > options.max) {
    fail(path, `must be at most ${options.max} characters`);
  }
  return text;
}

function readArray(value: unknown, path: string): unknown[] {
  if (isAbsent(value)) {
    fail(path, 'required');
  }
  if (!Array.isArray(value)) {
    fail(path, 'must be an array');
  }
  return value;
}

function readType<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
): T {
  if (isAbsent(value)) {
    fail(path, `required; one of ${allowed.map(t => `'${t}'`).join(', ')}`);
  }
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(
      path,
      `must be one of ${allowed
        .map(t => `'${t}'`)
        .join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

function readIdentifier(value: unknown): string {
  const identifier = readText(value, 'identifier', {
    required: true,
    max: 100,
  }) as string;
  if (!WORKFLOW_IDENTIFIER.test(identifier)) {
    fail(
      'identifier',
      'must be 1-100 characters of lowercase letters, digits and dashes, starting with a letter',
    );
  }
  if (identifier.endsWith('-') || identifier.includes('--')) {
    fail('identifier', "must not end with a dash or contain '--'");
  }
  return identifier;
}

function readScope(value: unknown): WorkflowScope {
  const scope = readObject(value, 'scope');
  const type = readType(get(scope, 'type'), 'scope.type', [
    'global',
    'entity',
  ] as const);
  if (type === 'global') {
    checkKeys(scope, 'scope', ['type']);
    return { type };
  }
  checkKeys(scope, 'scope', ['type', 'kinds', 'types']);

  const rawKinds = readArray(get(scope, 'kinds'), 'scope.kinds');
  if (rawKinds.length === 0) {
    fail('scope.kinds', 'an entity-scoped workflow needs at least one kind');
  }
  if (rawKinds.length > MAX_KINDS) {
    fail('scope.kinds', `at most ${MAX_KINDS} kinds`);
  }
  const kinds = dedupeIgnoringCase(
    rawKinds.map((raw, i) => {
      const path = `scope.kinds[${i}]`;
      const kind = readText(raw, path, { required: true, max: 63 }) as string;
      if (!KIND.test(kind)) {
        fail(path, `'${kind}' is not an entity kind like 'Component'`);
      }
      return kind;
    }),
  );

  const rawTypes = get(scope, 'types');
  if (isAbsent(rawTypes)) {
    return { type, kinds };
  }
  const typeList = readArray(rawTypes, 'scope.types');
  if (typeList.length > MAX_KINDS) {
    fail('scope.types', `at most ${MAX_KINDS} types`);
  }
  const types = dedupeIgnoringCase(
    typeList.map(
      (raw, i) =>
        readText(raw, `scope.types[${i}]`, {
          required: true,
          max: 100,
        }) as string,
    ),
  );
  return types.length > 0 ? { type, kinds, types } : { type, kinds };
}

function dedupeIgnoringCase(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter(value => {
    const key = value.toLocaleLowerCase('en-US');
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function readExecution(value: unknown): WorkflowExecution {
  const execution = readObject(value, 'execution');
  const type = readType(get(execution, 'type'), 'execution.type', [
    'simple',
    'event-driven',
  ] as const);
  if (type === 'simple') {
    if (!isAbsent(get(execution, 'timeoutSeconds'))) {
      fail(
        'execution.timeoutSeconds',
        'only event-driven workflows have a timeout',
      );
    }
    checkKeys(execution, 'execution', ['type', 'timeoutSeconds']);
    return { type };
  }
  checkKeys(execution, 'execution', ['type', 'timeoutSeconds']);
  const timeout = get(execution, 'timeoutSeconds');
  if (isAbsent(timeout)) {
    return { type, timeoutSeconds: DEFAULT_EVENT_DRIVEN_TIMEOUT_SECONDS };
  }
  if (
    typeof timeout !== 'number' ||
    !Number.isInteger(timeout) ||
    timeout < MIN_TIMEOUT_SECONDS ||
    timeout > MAX_TIMEOUT_SECONDS
  ) {
    fail(
      'execution.timeoutSeconds',
      `must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS} (30 days), got ${describeValue(
        timeout,
      )}`,
    );
  }
  return { type, timeoutSeconds: timeout };
}

/** User or group refs, normalised to `kind:namespace/name`, de-duplicated. */
function readPrincipalRefs(value: unknown, path: string): string[] {
  const list = readArray(value, path);
  if (list.length === 0) {
    fail(path, 'needs at least one user or group');
  }
  if (list.length > MAX_REFS) {
    fail(path, `at most ${MAX_REFS} entries`);
  }
  const refs = list.map((raw, i) => {
    const itemPath = `${path}[${i}]`;
    const text = readText(raw, itemPath, { required: true, max: 300 });
    const example = "like 'user:default/ada' or 'group:default/platform-team'";
    let parsed: ReturnType<typeof parseEntityRef>;
    try {
      parsed = parseEntityRef(text as string);
    } catch {
      return fail(itemPath, `'${text}' is not an entity ref ${example}`);
    }
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'user' && kind !== 'group') {
      fail(itemPath, `'${text}' is not a user or group; use a ref ${example}`);
    }
    if (
      !entityNameValidator.isValidNamespace(
        parsed.namespace.toLocaleLowerCase('en-US'),
      ) ||
      !entityNameValidator.isValidEntityName(parsed.name)
    ) {
      fail(itemPath, `'${text}' is not a valid entity ref ${example}`);
    }
    return stringifyEntityRef(parsed);
  });
  return [...new Set(refs)];
}

function readAccess(value: unknown, scope: WorkflowScope): WorkflowAccess {
  const access = readObject(value, 'access');
  const type = readType(get(access, 'type'), 'access.type', [
    'everyone',
    'approval',
    'selected',
    'owners',
  ] as const);
  switch (type) {
    case 'approval': {
      checkKeys(access, 'access', ['type', 'approvers', 'allowSelfApproval']);
      const approvers = readPrincipalRefs(
        get(access, 'approvers'),
        'access.approvers',
      );
      const allowSelfApproval = get(access, 'allowSelfApproval');
      if (
        !isAbsent(allowSelfApproval) &&
        typeof allowSelfApproval !== 'boolean'
      ) {
        fail('access.allowSelfApproval', 'must be true or false');
      }
      return {
        type,
        approvers,
        allowSelfApproval: allowSelfApproval === true,
      };
    }
    case 'selected':
      checkKeys(access, 'access', ['type', 'members']);
      return {
        type,
        members: readPrincipalRefs(get(access, 'members'), 'access.members'),
      };
    case 'owners':
      checkKeys(access, 'access', ['type']);
      if (scope.type !== 'entity') {
        fail('access.type', "'owners' is only for entity-scoped workflows");
      }
      return { type };
    default:
      checkKeys(access, 'access', ['type']);
      return { type };
  }
}

function readParameters(value: unknown): WorkflowParameter[] {
  if (isAbsent(value)) {
    return [];
  }
  const list = readArray(value, 'parameters');
  if (list.length > MAX_PARAMETERS) {
    fail('parameters', `at most ${MAX_PARAMETERS} parameters`);
  }
  const seen = new Map<string, string>();
  return list.map((raw, i) => {
    const parameter = readParameter(raw, `parameters[${i}]`);
    const key = parameter.identifier.toLocaleLowerCase('en-US');
    const previous = seen.get(key);
    if (previous !== undefined) {
      fail(
        `parameters[${i}].identifier`,
        previous === parameter.identifier
          ? `duplicate '${parameter.identifier}'`
          : `duplicate '${parameter.identifier}' (same as '${previous}' ignoring case)`,
      );
    }
    seen.set(key, parameter.identifier);
    return parameter;
  });
}

function readParameter(value: unknown, path: string): WorkflowParameter {
  const raw = readObject(value, path);
  checkKeys(raw, path, [
    'identifier',
    'name',
    'description',
    'type',
    'required',
    'options',
    'default',
  ]);

  const identifier = readText(get(raw, 'identifier'), `${path}.identifier`, {
    required: true,
    max: 64,
  }) as string;
  if (!PARAMETER_IDENTIFIER.test(identifier)) {
    fail(
      `${path}.identifier`,
      'must be 1-64 letters, digits and underscores, not starting with a digit',
    );
  }
  if (identifier === '__proto__') {
    fail(`${path}.identifier`, `'${identifier}' is reserved`);
  }
  const name = readText(get(raw, 'name'), `${path}.name`, {
    required: true,
    max: 200,
  }) as string;
  const description = readText(get(raw, 'description'), `${path}.description`, {
    max: 2000,
  });
  const type = readType(
    get(raw, 'type'),
    `${path}.type`,
    WORKFLOW_PARAMETER_TYPES,
  );

  const required = get(raw, 'required');
  if (!isAbsent(required) && typeof required !== 'boolean') {
    fail(`${path}.required`, 'must be true or false');
  }

  const options = readOptions(get(raw, 'options'), `${path}.options`, type);
  const defaultValue = readDefault(
    get(raw, 'default'),
    `${path}.default`,
    type,
    options,
  );

  return {
    identifier,
    name,
    ...(description !== undefined && { description }),
    type,
    required: required === true,
    ...(options !== undefined && { options }),
    ...(defaultValue !== undefined && { default: defaultValue }),
  };
}

function readOptions(
  value: unknown,
  path: string,
  type: WorkflowParameterType,
): string[] | undefined {
  if (type !== 'select') {
    // An empty list says nothing; tolerate it from forms that always send one.
    if (isAbsent(value) || (Array.isArray(value) && value.length === 0)) {
      return undefined;
    }
    return fail(path, `only select parameters have options, not ${type}`);
  }
  if (isAbsent(value) || (Array.isArray(value) && value.length === 0)) {
    return fail(path, 'a select parameter needs at least one option');
  }
  const list = readArray(value, path);
  if (list.length > MAX_OPTIONS) {
    fail(path, `at most ${MAX_OPTIONS} options`);
  }
  const options: string[] = [];
  list.forEach((raw, i) => {
    const option = readText(raw, `${path}[${i}]`, {
      required: true,
      max: 200,
    }) as string;
    if (options.includes(option)) {
      fail(`${path}[${i}]`, `duplicate '${option}'`);
    }
    options.push(option);
  });
  return options;
}

function readDefault(
  value: unknown,
  path: string,
  type: WorkflowParameterType,
  options: string[] | undefined,
): string | number | boolean | undefined {
  if (isAbsent(value)) {
    return undefined;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') {
        fail(path, `must be a string, got ${describeValue(value)}`);
      }
      if (value.length > MAX_STRING_INPUT_LENGTH) {
        fail(path, `must be at most ${MAX_STRING_INPUT_LENGTH} characters`);
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        fail(path, `must be a whole number, got ${describeValue(value)}`);
      }
      return value;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(path, `must be a finite number, got ${describeValue(value)}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') {
        fail(path, `must be true or false, got ${describeValue(value)}`);
      }
      return value;
    default: {
      const option = typeof value === 'string' ? value.trim() : undefined;
      if (option === undefined || !(options ?? []).includes(option)) {
        fail(
          path,
          `must be one of the options (${(options ?? [])
            .map(o => `'${o}'`)
            .join(', ')}), got ${describeValue(value)}`,
        );
      }
      return option;
    }
  }
}

interface VariableContext {
  scope: WorkflowScope;
  parameterIds: ReadonlySet<string>;
  secretNames: ReadonlySet<string>;
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
    if (fixedVariables.has(name)) {
      continue;
    }
    const [head, ...rest] = name.split('.');
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
  context: VariableContext,
  egressPolicy: EgressPolicy,
): string {
  const path = 'request.url';
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
  context: VariableContext,
): Record<string, string> {
  if (isAbsent(value)) {
    return {};
  }
  if (!isObject(value)) {
    fail('request.headers', 'must be an object of header names to values');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) {
    fail('request.headers', `at most ${MAX_HEADERS} headers`);
  }
  const seen = new Map<string, string>();
  const headers: Array<[string, string]> = [];
  for (const [name, raw] of entries) {
    if (name.includes('{{')) {
      fail(
        'request.headers',
        `variables are not allowed in header names ('${name}')`,
      );
    }
    if (!HEADER_NAME.test(name)) {
      fail('request.headers', `invalid header name '${name}'`);
    }
    const path = `request.headers.${name}`;
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
      p => p.name === 'run.token' || p.name.startsWith('secrets.'),
    )
  ) {
    return true;
  }
  const generatedOnly =
    placeholders.length > 0 &&
    placeholders.every(
      p =>
        p.name === 'run.id' ||
        p.name === 'user.ref' ||
        p.name.startsWith('workflow.') ||
        p.name.startsWith('entity.'),
    );
  const literal = textOutside(value, placeholders, ' ').trim();
  return generatedOnly && /^([A-Za-z]{1,20})?$/.test(literal);
}

function readBody(
  value: unknown,
  method: WorkflowRequestMethod,
  contentType: string | undefined,
  context: VariableContext,
): string | undefined {
  const path = 'request.body';
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
    // Throws an InputError naming request.body; rendering relies on it.
    parseJsonBodyTemplate(value, placeholders);
  }
  return value;
}

function readRequest(
  value: unknown,
  context: VariableContext,
  egressPolicy: EgressPolicy,
): WorkflowRequest {
  const request = readObject(value, 'request');
  checkKeys(request, 'request', ['method', 'url', 'headers', 'body']);
  const rawMethod = get(request, 'method');
  const method = readType(
    typeof rawMethod === 'string'
      ? rawMethod.trim().toLocaleUpperCase('en-US')
      : rawMethod,
    'request.method',
    WORKFLOW_REQUEST_METHODS,
  );
  const url = readUrl(get(request, 'url'), context, egressPolicy);
  const headers = readHeaders(get(request, 'headers'), context);
  const contentType = contentTypeOf(headers);
  const body = readBody(get(request, 'body'), method, contentType, context);
  return { method, url, headers, ...(body !== undefined && { body }) };
}

/**
 * Checks an untrusted workflow definition (an HTTP body, so anything) and
 * returns a clean one: only known fields, strings trimmed, defaults filled,
 * entity refs and the method normalised. Everything a run would later trip
 * over is refused up front, including `{{...}}` variables that would not
 * exist when the request is rendered.
 *
 * Throws an `InputError` for the first problem, in document order, with a
 * message that starts with the field path, for example
 * `parameters[2].options: a select parameter needs at least one option`.
 */
export function validateWorkflowDefinition(
  input: unknown,
  options: ValidationOptions,
): WorkflowDefinition {
  if (!isObject(input)) {
    fail('body', 'a workflow definition must be a JSON object');
  }
  checkKeys(input, undefined, WORKFLOW_DEFINITION_FIELDS);

  const identifier = readIdentifier(get(input, 'identifier'));
  const name = readText(get(input, 'name'), 'name', {
    required: true,
    max: 200,
  }) as string;
  const description = readText(get(input, 'description'), 'description', {
    max: 2000,
  });
  const icon = readText(get(input, 'icon'), 'icon', { max: 100 });
  if (icon !== undefined && !ICON.test(icon)) {
    fail(
      'icon',
      'must be an icon name of lowercase letters, digits and dashes',
    );
  }
  const color = readText(get(input, 'color'), 'color', { max: 100 });
  if (color !== undefined && !COLOR.test(color)) {
    fail('color', "must be a hex color like '#1f6feb' or '#fa0'");
  }
  const scope = readScope(get(input, 'scope'));
  const execution = readExecution(get(input, 'execution'));
  const access = readAccess(get(input, 'access'), scope);
  const parameters = readParameters(get(input, 'parameters'));
  const request = readRequest(
    get(input, 'request'),
    {
      scope,
      parameterIds: new Set(parameters.map(p => p.identifier)),
      secretNames: options.secretNames,
    },
    options.egressPolicy,
  );
  const delivery = validateDelivery(
    get(input, 'delivery'),
    options.signingKeyNames ?? new Set(),
  );

  return {
    identifier,
    name,
    ...(description !== undefined && { description }),
    ...(icon !== undefined && { icon }),
    ...(color !== undefined && { color: color.toLocaleLowerCase('en-US') }),
    scope,
    execution,
    access,
    parameters,
    request,
    ...(delivery !== undefined && { delivery }),
  };
}

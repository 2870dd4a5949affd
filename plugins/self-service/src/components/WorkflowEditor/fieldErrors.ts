import { ResponseError } from '@backstage/errors';
import {
  MAX_DELIVERY_ATTEMPTS,
  WORKFLOW_DEFINITION_FIELDS,
} from '@backstage-self-service/plugin-self-service-common';
import {
  HeaderForm,
  ParameterForm,
  WorkflowForm,
  parseNumber,
  parseOptions,
} from './workflowForm';
import { checkSteps, stepFieldKeyForPath, stepFieldValue } from './stepErrors';

/**
 * Error messages by field key. Keys name what the editor shows, not the
 * definition's JSON: rows are named by their stable key, so an error stays
 * with its parameter or header when rows move.
 *
 * - `name`, `identifier`, `description`, `icon`, `color`
 * - `scope.type`, `scope.kinds`, `scope.types`
 * - `execution.type`, `execution.timeoutSeconds`
 * - `access.type`, `access.approvers`, `access.allowSelfApproval`,
 *   `access.members`
 * - `parameters` (the list), `parameters.<row>` (one parameter),
 *   `parameters.<row>.<field>`
 * - `request.method`, `request.url`, `request.headers` (the list),
 *   `request.headers.<row>.name`, `request.headers.<row>.value`,
 *   `request.body`
 * - `delivery.maxAttempts`, `delivery.signingKey`
 * - `preview.entityRef`, `preview.<parameter row>` (sample inputs)
 * - `steps…`, the steps of a workflow of steps: see `stepFieldKey`
 */
export type FieldErrors = Record<string, string>;

/** The fields of a parameter that have a control of their own. */
const PARAMETER_FIELDS = [
  'name',
  'identifier',
  'description',
  'type',
  'required',
  'options',
  'default',
] as const;

/** Field key of one field of a parameter row. */
export function parameterFieldKey(
  row: string,
  field?: (typeof PARAMETER_FIELDS)[number],
): string {
  return field ? `parameters.${row}.${field}` : `parameters.${row}`;
}

/** Field key of the name or value of a header row. */
export function headerFieldKey(row: string, field: 'name' | 'value'): string {
  return `request.headers.${row}.${field}`;
}

/** Field key of a sample input of the preview. */
export function previewInputKey(row: string): string {
  return `preview.${row}`;
}

/** The field path and the rest of a backend error message. */
export interface ParsedErrorMessage {
  /** For example `parameters[2].options`; `definition.` is removed. */
  path: string;
  /** The message without the path, for example `required`. */
  detail: string;
}

// The preview's errors also name its sample inputs and entity.
const ERROR_ROOTS: ReadonlySet<string> = new Set([
  ...WORKFLOW_DEFINITION_FIELDS,
  'inputs',
  'entityRef',
]);

/**
 * Splits a backend validation message (`parameters[2].options: a select
 * parameter needs at least one option`) into the field path and the rest,
 * or gives undefined when it does not start with a known field path. The
 * `definition.` prefix of the preview endpoint is dropped.
 */
export function parseErrorMessage(
  message: string,
): ParsedErrorMessage | undefined {
  const match = /^(?:definition\.)?([A-Za-z][^\s:]*): ([\s\S]+)$/.exec(
    message.trim(),
  );
  if (!match) {
    return undefined;
  }
  const [, path, detail] = match;
  const root = /^[A-Za-z]+/.exec(path)?.[0];
  if (!root || !ERROR_ROOTS.has(root)) {
    return undefined;
  }
  return { path, detail };
}

function findHeader(
  headers: HeaderForm[],
  name: string,
): HeaderForm | undefined {
  return headers.find(header => header.name.trim() === name);
}

function findParameterById(
  parameters: ParameterForm[],
  identifier: string,
): ParameterForm | undefined {
  return parameters.find(
    parameter => parameter.identifier.trim() === identifier,
  );
}

/**
 * How the backend's messages about one header (`request.headers.<name>: ...`)
 * start when the header's name is the problem, not its value: the user
 * fixes them by renaming or removing the header.
 */
const HEADER_NAME_PROBLEMS = [
  // request.headers.content-type: duplicate header (same as 'Content-Type')
  'duplicate header',
  // request.headers.Host: is set by the HTTP client; remove it
  'is set by the HTTP client',
  // request.headers.webhook-id: is set on every attempt (Standard Webhooks: …)
  'is set on every attempt',
];

/**
 * The field key a backend field path points at in the form, or undefined
 * when the form shows no such field (so the message belongs at the top).
 */
export function fieldKeyForPath(
  path: string,
  detail: string,
  form: WorkflowForm,
): string | undefined {
  const entity = form.scopeType === 'entity';

  if (path === 'steps' || path.startsWith('steps[')) {
    return stepFieldKeyForPath(path, detail, form, fieldKeyForPath);
  }
  if (['identifier', 'name', 'description', 'icon', 'color'].includes(path)) {
    return path;
  }

  const scope = /^scope\.(type|kinds|types)(?:\[\d+\])?$/.exec(path);
  if (scope) {
    return scope[1] === 'type' || entity ? `scope.${scope[1]}` : undefined;
  }

  if (path === 'execution.type') {
    return path;
  }
  if (path === 'execution.timeoutSeconds') {
    return form.executionType === 'event-driven' ? path : 'execution.type';
  }

  const access =
    /^access\.(type|approvers|allowSelfApproval|members)(?:\[\d+\])?$/.exec(
      path,
    );
  if (access) {
    const field = access[1];
    if (field === 'type') {
      return 'access.type';
    }
    const shown =
      field === 'members'
        ? form.accessType === 'selected'
        : form.accessType === 'approval';
    return shown ? `access.${field}` : undefined;
  }

  if (path === 'parameters') {
    return 'parameters';
  }
  const parameter = /^parameters\[(\d+)\](?:\.([A-Za-z]+))?/.exec(path);
  if (parameter) {
    const row = form.parameters[Number(parameter[1])];
    if (!row) {
      return 'parameters';
    }
    const field = PARAMETER_FIELDS.find(f => f === parameter[2]);
    if (field === 'options' && row.type !== 'select') {
      return parameterFieldKey(row.key, 'type');
    }
    return parameterFieldKey(row.key, field);
  }

  if (['request.method', 'request.url', 'request.body'].includes(path)) {
    return path;
  }
  if (path === 'request.headers') {
    // `invalid header name 'x y'`: the row with that name, if there is one.
    const quoted = /'([^']*)'/.exec(detail)?.[1];
    const row =
      quoted !== undefined ? findHeader(form.headers, quoted) : undefined;
    return row ? headerFieldKey(row.key, 'name') : 'request.headers';
  }
  if (path.startsWith('request.headers.')) {
    const row = findHeader(form.headers, path.slice('request.headers.'.length));
    if (!row) {
      return 'request.headers';
    }
    return headerFieldKey(
      row.key,
      HEADER_NAME_PROBLEMS.some(problem => detail.startsWith(problem))
        ? 'name'
        : 'value',
    );
  }

  if (path === 'delivery.maxAttempts' || path === 'delivery.signingKey') {
    return path;
  }

  const input = /^inputs\.(.+)$/.exec(path);
  if (input) {
    const row = findParameterById(form.parameters, input[1]);
    return row ? previewInputKey(row.key) : undefined;
  }
  if (path === 'entityRef') {
    return entity ? 'preview.entityRef' : undefined;
  }
  return undefined;
}

/** Backend error messages sorted into the form's fields and the rest. */
export interface MappedErrors {
  /** Messages (without their path) at the fields they concern. */
  fields: FieldErrors;
  /** Whole messages that concern no field the form shows. */
  general: string[];
}

/**
 * Puts each backend error message at the field it concerns: the message's
 * leading field path (`request.url: ...`, `parameters[2].options: ...`)
 * is looked up in the form; anything else is general.
 */
export function mapErrorMessages(
  messages: string[],
  form: WorkflowForm,
): MappedErrors {
  const fields: FieldErrors = {};
  const general: string[] = [];
  for (const message of messages) {
    const parsed = parseErrorMessage(message);
    const key = parsed && fieldKeyForPath(parsed.path, parsed.detail, form);
    if (parsed && key && fields[key] === undefined) {
      fields[key] = parsed.detail;
    } else if (!key) {
      general.push(message);
    }
  }
  return { fields, general };
}

/** The message of an error; for backend errors, the backend's message. */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause.message || error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** The HTTP status of a backend error, if it is one. */
export function errorStatus(error: unknown): number | undefined {
  if (ResponseError.is(error)) {
    return error.statusCode;
  }
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

const WORKFLOW_IDENTIFIER = /^[a-z][a-z0-9-]{0,99}$/;
const PARAMETER_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Problems the editor can see without the backend, by field key. The
 * backend checks everything again and has the last word; these only save a
 * round trip for the obvious ones.
 */
export function checkForm(form: WorkflowForm): FieldErrors {
  const errors: FieldErrors = {};

  if (form.name.trim() === '') {
    errors.name = 'Enter a name';
  }
  const identifier = form.identifier.trim();
  if (identifier === '') {
    errors.identifier = 'Enter an identifier';
  } else if (
    !WORKFLOW_IDENTIFIER.test(identifier) ||
    identifier.endsWith('-') ||
    identifier.includes('--')
  ) {
    errors.identifier =
      'Use lowercase letters, digits and single dashes, starting with a letter';
  }
  if (form.color.trim() !== '' && !COLOR.test(form.color.trim())) {
    errors.color = "Use a hex color like '#1f6feb' or '#fa0'";
  }

  if (form.scopeType === 'entity' && form.kinds.length === 0) {
    errors['scope.kinds'] = 'Choose at least one kind';
  }

  if (form.executionType === 'event-driven' && form.timeout.trim() !== '') {
    const value = parseNumber(form.timeout);
    const seconds =
      value === undefined
        ? undefined
        : value * (form.timeoutUnit === 'hours' ? 3600 : 60);
    if (seconds === undefined || seconds < 60 || seconds > 30 * 86400) {
      errors['execution.timeoutSeconds'] =
        'Enter a timeout from 1 minute to 30 days';
    }
  }

  if (form.accessType === 'approval' && form.approvers.length === 0) {
    errors['access.approvers'] = 'Choose at least one user or group';
  }
  if (form.accessType === 'selected' && form.members.length === 0) {
    errors['access.members'] = 'Choose at least one user or group';
  }
  if (form.accessType === 'owners' && form.scopeType !== 'entity') {
    errors['access.type'] =
      'Entity owners only is available for entity-specific workflows';
  }

  const seen = new Set<string>();
  for (const parameter of form.parameters) {
    const key = (field: Parameters<typeof parameterFieldKey>[1]) =>
      parameterFieldKey(parameter.key, field);
    if (parameter.name.trim() === '') {
      errors[key('name')] = 'Enter a name';
    }
    const id = parameter.identifier.trim();
    if (id === '') {
      errors[key('identifier')] = 'Enter an identifier';
    } else if (!PARAMETER_IDENTIFIER.test(id)) {
      errors[key('identifier')] =
        'Use letters, digits and underscores, not starting with a digit';
    } else if (seen.has(id.toLocaleLowerCase('en-US'))) {
      errors[key('identifier')] = `Another parameter is already '${id}'`;
    }
    seen.add(id.toLocaleLowerCase('en-US'));

    const options = parseOptions(parameter.options);
    if (parameter.type === 'select' && options.length === 0) {
      errors[key('options')] = 'A select parameter needs at least one option';
    } else if (
      parameter.type === 'select' &&
      new Set(options).size !== options.length
    ) {
      errors[key('options')] = 'Each option may appear only once';
    }
    const text = parameter.default.trim();
    if (text !== '') {
      const value = parseNumber(text);
      if (
        parameter.type === 'integer' &&
        (value === undefined || !Number.isSafeInteger(value))
      ) {
        errors[key('default')] = 'Enter a whole number';
      } else if (parameter.type === 'float' && value === undefined) {
        errors[key('default')] = 'Enter a number';
      } else if (parameter.type === 'select' && !options.includes(text)) {
        errors[key('default')] = 'Choose one of the options';
      }
    }
  }

  if (form.url.trim() === '') {
    errors['request.url'] = 'Enter the URL to call';
  }
  const headerNames = new Set<string>();
  for (const header of form.headers) {
    const name = header.name.trim();
    if (name === '' && header.value === '') {
      continue;
    }
    if (name === '') {
      errors[headerFieldKey(header.key, 'name')] = 'Enter a header name';
    } else if (!HEADER_NAME.test(name)) {
      errors[headerFieldKey(header.key, 'name')] = 'Not a valid header name';
    } else if (headerNames.has(name.toLocaleLowerCase('en-US'))) {
      errors[headerFieldKey(header.key, 'name')] = 'This header is already set';
    }
    headerNames.add(name.toLocaleLowerCase('en-US'));
  }
  if (form.method === 'GET' && form.body.trim() !== '') {
    errors['request.body'] = 'A GET request cannot have a body';
  }

  if (form.maxAttempts.trim() !== '') {
    const attempts = parseNumber(form.maxAttempts);
    if (
      attempts === undefined ||
      !Number.isInteger(attempts) ||
      attempts < 1 ||
      attempts > MAX_DELIVERY_ATTEMPTS
    ) {
      errors[
        'delivery.maxAttempts'
      ] = `Enter a whole number from 1 to ${MAX_DELIVERY_ATTEMPTS}`;
    }
  }

  if (form.steps) {
    // A workflow of steps saves its steps, not the request fields, which
    // the editor does not show for it.
    for (const key of Object.keys(errors)) {
      if (/^(execution|request|delivery)\./.test(key)) {
        delete errors[key];
      }
    }
    Object.assign(errors, checkSteps(form, checkForm));
  }

  return errors;
}

/** What a field key shows, to tell whether the user changed it since. */
function fieldValue(form: WorkflowForm, key: string): unknown {
  const parts = key.split('.');
  switch (parts[0]) {
    case 'scope':
      return [form.scopeType, form.kinds, form.types];
    case 'execution':
      return [form.executionType, form.timeout, form.timeoutUnit];
    case 'access':
      return [
        form.accessType,
        form.approvers,
        form.members,
        form.allowSelfApproval,
        form.scopeType,
      ];
    case 'parameters': {
      if (parts.length === 1) {
        return form.parameters.map(p => p.key);
      }
      const row = form.parameters.find(p => p.key === parts[1]);
      if (!row || parts.length === 2) {
        return row;
      }
      // The options of a select also decide whether its default is valid.
      return parts[2] === 'default'
        ? [row.type, row.default, row.options]
        : [row.type, row[parts[2] as keyof ParameterForm]];
    }
    case 'request':
      if (parts[1] === 'headers') {
        if (parts.length === 2) {
          return form.headers;
        }
        const row = form.headers.find(h => h.key === parts[2]);
        return row && row[parts[3] as 'name' | 'value'];
      }
      return [form.method, form[parts[1] as 'url' | 'body']];
    case 'delivery':
      return form[parts[1] as 'maxAttempts' | 'signingKey'];
    case 'steps':
      return stepFieldValue(form, key, fieldValue);
    default:
      return form[parts[0] as keyof WorkflowForm];
  }
}

/**
 * The errors still worth showing after an edit: an error goes away once the
 * user changes the field it is about.
 */
export function pruneErrors(
  errors: FieldErrors,
  before: WorkflowForm,
  after: WorkflowForm,
): FieldErrors {
  if (before === after) {
    return errors;
  }
  const kept: FieldErrors = {};
  let changed = false;
  for (const [key, message] of Object.entries(errors)) {
    if (
      key.startsWith('preview.') ||
      JSON.stringify(fieldValue(before, key)) ===
        JSON.stringify(fieldValue(after, key))
    ) {
      kept[key] = message;
    } else {
      changed = true;
    }
  }
  return changed ? kept : errors;
}

import {
  WorkflowAccess,
  WorkflowDefinition,
  WorkflowDelivery,
  WorkflowExecution,
  WorkflowParameter,
  WorkflowParameterType,
  WorkflowRequestMethod,
  WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';
import { type StepForm, formsToSteps, stepsToForms } from './stepForm';

/** One input parameter as the editor holds it: every field a string. */
export interface ParameterForm {
  /** Stable key of the row, for React and for field errors; never sent. */
  key: string;
  name: string;
  identifier: string;
  /** Once the user typed an identifier, it no longer follows the name. */
  identifierEdited: boolean;
  description: string;
  type: WorkflowParameterType;
  required: boolean;
  /** Options of a select parameter, one per line. */
  options: string;
  /**
   * The default as typed: text for string, integer, float and select;
   * `'true'`, `'false'` or `''` for boolean. Empty means no default.
   */
  default: string;
}

/** One request header row. */
export interface HeaderForm {
  /** Stable key of the row, for React and for field errors; never sent. */
  key: string;
  name: string;
  value: string;
}

/** Unit of the event-driven timeout as the editor shows it. */
export type TimeoutUnit = 'minutes' | 'hours';

/** Everything the workflow editor edits, in the shape its fields need. */
export interface WorkflowForm {
  identifier: string;
  /** Once the user typed an identifier, it no longer follows the name. */
  identifierEdited: boolean;
  name: string;
  description: string;
  icon: string;
  color: string;

  scopeType: WorkflowScope['type'];
  kinds: string[];
  types: string[];

  executionType: WorkflowExecution['type'];
  /** Empty means the backend default (24 hours). */
  timeout: string;
  timeoutUnit: TimeoutUnit;

  accessType: WorkflowAccess['type'];
  approvers: string[];
  allowSelfApproval: boolean;
  members: string[];

  parameters: ParameterForm[];

  method: WorkflowRequestMethod;
  url: string;
  headers: HeaderForm[];
  body: string;

  /** Attempts at most, as typed; `1` (no retries) by default. */
  maxAttempts: string;
  /** The name of a key in `selfService.signing.keys`; empty signs nothing. */
  signingKey: string;

  /**
   * The steps of a workflow of steps, saved in place of the request fields
   * above (which a workflow of steps does not have).
   */
  steps?: StepForm[];
}

/** Attempts when a workflow sets none: one, no retries. */
export const DEFAULT_MAX_ATTEMPTS = 1;

let lastKey = 0;

/** A key unique within this page's lifetime. */
export function newKey(prefix: string): string {
  lastKey += 1;
  return `${prefix}${lastKey}`;
}

/** A blank parameter row. */
export function emptyParameter(): ParameterForm {
  return {
    key: newKey('p'),
    name: '',
    identifier: '',
    identifierEdited: false,
    description: '',
    type: 'string',
    required: false,
    options: '',
    default: '',
  };
}

/** A blank header row. */
export function emptyHeader(): HeaderForm {
  return { key: newKey('h'), name: '', value: '' };
}

/** The form of a workflow that does not exist yet. */
export function emptyForm(): WorkflowForm {
  return {
    identifier: '',
    identifierEdited: false,
    name: '',
    description: '',
    icon: '',
    color: '',
    scopeType: 'global',
    kinds: [],
    types: [],
    executionType: 'simple',
    timeout: '',
    timeoutUnit: 'hours',
    accessType: 'everyone',
    approvers: [],
    allowSelfApproval: false,
    members: [],
    parameters: [],
    method: 'POST',
    url: '',
    headers: [],
    body: '',
    maxAttempts: String(DEFAULT_MAX_ATTEMPTS),
    signingKey: '',
  };
}

/**
 * A workflow identifier suggested for a name: lowercase letters, digits and
 * single dashes, starting with a letter (`Restart service!` →
 * `restart-service`).
 */
export function suggestWorkflowIdentifier(name: string): string {
  return withoutAccents(name)
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 100)
    .replace(/-+$/, '');
}

/**
 * A parameter identifier suggested for a name, in camelCase
 * (`Target environment` → `targetEnvironment`); an underscore goes in front
 * of a leading digit.
 */
export function suggestParameterIdentifier(name: string): string {
  const words = withoutAccents(name)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const identifier = words
    .map((word, i) => {
      const lower = word.toLocaleLowerCase('en-US');
      return i === 0
        ? lower
        : lower.charAt(0).toLocaleUpperCase() + lower.slice(1);
    })
    .join('');
  return (/^[0-9]/.test(identifier) ? `_${identifier}` : identifier).slice(
    0,
    64,
  );
}

function withoutAccents(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

/** The option lines of a select parameter, trimmed, without empty lines. */
export function parseOptions(options: string): string[] {
  return options
    .split(/\r?\n/)
    .map(option => option.trim())
    .filter(Boolean);
}

function defaultToForm(value: WorkflowParameter['default']): string {
  if (value === undefined || value === null) {
    return '';
  }
  return String(value);
}

function timeoutToForm(execution: WorkflowExecution): {
  timeout: string;
  timeoutUnit: TimeoutUnit;
} {
  if (
    execution.type !== 'event-driven' ||
    execution.timeoutSeconds === undefined
  ) {
    return { timeout: '', timeoutUnit: 'hours' };
  }
  const seconds = execution.timeoutSeconds;
  if (seconds % 3600 === 0) {
    return { timeout: String(seconds / 3600), timeoutUnit: 'hours' };
  }
  // Rounded to avoid long binary fractions for odd second counts.
  return {
    timeout: String(Math.round((seconds / 60) * 1000) / 1000),
    timeoutUnit: 'minutes',
  };
}

/** The editor's form for an existing workflow definition. */
export function toForm(definition: WorkflowDefinition): WorkflowForm {
  if (definition.steps) {
    const { steps, ...details } = definition;
    // The request fields start as a new workflow's; they are not saved.
    const empty = emptyForm();
    return {
      ...toForm({
        ...details,
        execution: { type: empty.executionType },
        request: { method: empty.method, url: empty.url },
      }),
      steps: stepsToForms(steps),
    };
  }
  const { scope, execution, access, request } = definition;
  return {
    identifier: definition.identifier,
    identifierEdited: true,
    name: definition.name,
    description: definition.description ?? '',
    icon: definition.icon ?? '',
    color: definition.color ?? '',
    scopeType: scope.type,
    kinds: scope.type === 'entity' ? [...scope.kinds] : [],
    types: scope.type === 'entity' ? [...(scope.types ?? [])] : [],
    executionType: execution.type,
    ...timeoutToForm(execution),
    accessType: access.type,
    approvers: access.type === 'approval' ? [...access.approvers] : [],
    allowSelfApproval:
      access.type === 'approval' ? access.allowSelfApproval === true : false,
    members: access.type === 'selected' ? [...access.members] : [],
    parameters: (definition.parameters ?? []).map(parameter => ({
      key: newKey('p'),
      name: parameter.name,
      identifier: parameter.identifier,
      identifierEdited: true,
      description: parameter.description ?? '',
      type: parameter.type,
      required: parameter.required === true,
      options: (parameter.options ?? []).join('\n'),
      default: defaultToForm(parameter.default),
    })),
    method: request.method,
    url: request.url,
    headers: Object.entries(request.headers ?? {}).map(([name, value]) => ({
      key: newKey('h'),
      name,
      value,
    })),
    body: request.body ?? '',
    maxAttempts: String(
      definition.delivery?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ),
    signingKey: definition.delivery?.signingKey ?? '',
  };
}

/**
 * A number typed into a field, or undefined when the text is not a finite
 * number.
 */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The typed default of a parameter, or undefined when it has none. */
export function parameterDefault(
  parameter: ParameterForm,
): string | number | boolean | undefined {
  const text = parameter.default;
  switch (parameter.type) {
    case 'string':
      return text === '' ? undefined : text;
    case 'integer':
    case 'float': {
      if (text.trim() === '') {
        return undefined;
      }
      // Anything not numeric is sent as typed, so the backend names the
      // problem at this field.
      return parseNumber(text) ?? text.trim();
    }
    case 'boolean':
      if (text === 'true') {
        return true;
      }
      return text === 'false' ? false : undefined;
    default:
      return text.trim() === '' ? undefined : text.trim();
  }
}

function toParameter(parameter: ParameterForm): WorkflowParameter {
  const description = parameter.description.trim();
  const defaultValue = parameterDefault(parameter);
  return {
    identifier: parameter.identifier.trim(),
    name: parameter.name.trim(),
    ...(description !== '' && { description }),
    type: parameter.type,
    required: parameter.required,
    ...(parameter.type === 'select' && {
      options: parseOptions(parameter.options),
    }),
    ...(defaultValue !== undefined && { default: defaultValue }),
  };
}

/** The event-driven timeout in seconds, or undefined for the default. */
export function timeoutSeconds(form: WorkflowForm): number | undefined {
  const value = parseNumber(form.timeout);
  if (value === undefined) {
    return undefined;
  }
  return Math.round(value * (form.timeoutUnit === 'hours' ? 3600 : 60));
}

function toScope(form: WorkflowForm): WorkflowScope {
  if (form.scopeType === 'global') {
    return { type: 'global' };
  }
  const kinds = form.kinds.map(kind => kind.trim()).filter(Boolean);
  const types = form.types.map(type => type.trim()).filter(Boolean);
  return { type: 'entity', kinds, ...(types.length > 0 && { types }) };
}

function toExecution(form: WorkflowForm): WorkflowExecution {
  if (form.executionType === 'simple') {
    return { type: 'simple' };
  }
  const seconds = timeoutSeconds(form);
  return {
    type: 'event-driven',
    ...(seconds !== undefined && { timeoutSeconds: seconds }),
  };
}

function toAccess(form: WorkflowForm): WorkflowAccess {
  switch (form.accessType) {
    case 'approval':
      return {
        type: 'approval',
        approvers: [...form.approvers],
        allowSelfApproval: form.allowSelfApproval,
      };
    case 'selected':
      return { type: 'selected', members: [...form.members] };
    case 'owners':
      return { type: 'owners' };
    default:
      return { type: 'everyone' };
  }
}

/**
 * Retries and signing, or undefined when both are the defaults, so that a
 * workflow that never set them is saved as it was.
 */
function toDelivery(form: WorkflowForm): WorkflowDelivery | undefined {
  const maxAttempts = parseNumber(form.maxAttempts);
  const signingKey = form.signingKey.trim();
  const delivery: WorkflowDelivery = {
    ...(maxAttempts !== undefined &&
      maxAttempts !== DEFAULT_MAX_ATTEMPTS && { maxAttempts }),
    ...(signingKey !== '' && { signingKey }),
  };
  return Object.keys(delivery).length > 0 ? delivery : undefined;
}

/**
 * The workflow definition the backend accepts for the form: strings
 * trimmed, empty optional fields left out, numbers and booleans typed.
 */
export function toDefinition(form: WorkflowForm): WorkflowDefinition {
  const delivery = toDelivery(form);
  const description = form.description.trim();
  const icon = form.icon.trim();
  const color = form.color.trim();
  const headers = form.headers.filter(
    header => header.name.trim() !== '' || header.value !== '',
  );
  const details = {
    identifier: form.identifier.trim(),
    name: form.name.trim(),
    ...(description !== '' && { description }),
    ...(icon !== '' && { icon }),
    ...(color !== '' && { color }),
    scope: toScope(form),
  };
  if (form.steps) {
    return {
      ...details,
      access: toAccess(form),
      parameters: form.parameters.map(toParameter),
      steps: formsToSteps(form.steps),
    };
  }
  return {
    ...details,
    execution: toExecution(form),
    access: toAccess(form),
    parameters: form.parameters.map(toParameter),
    request: {
      method: form.method,
      url: form.url.trim(),
      ...(headers.length > 0 && {
        headers: Object.fromEntries(
          headers.map(header => [header.name.trim(), header.value]),
        ),
      }),
      ...(form.body.trim() !== '' && { body: form.body }),
    },
    ...(delivery && { delivery }),
  };
}

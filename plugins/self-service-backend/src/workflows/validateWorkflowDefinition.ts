import {
  WORKFLOW_DEFINITION_FIELDS,
  WORKFLOW_PARAMETER_TYPES,
  type WorkflowAccess,
  type WorkflowDefinition,
  type WorkflowParameter,
  type WorkflowParameterType,
  type WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';
import { MAX_STRING_INPUT_LENGTH } from './validateRunInputs';
import type { EgressPolicy } from '../egress';
import { describeValue } from './describeValue';
import { validateDelivery } from './validateDelivery';
import {
  checkKeys,
  fail,
  get,
  isAbsent,
  isObject,
  readArray,
  readObject,
  readText,
  readType,
} from './readFields';
import { readExecution } from './validateExecution';
import { readPrincipalRefs } from './readPrincipalRefs';
import { readRequest } from './validateRequest';
import { validateSteps } from './validateSteps';
import { readLifecycle } from './validateLifecycle';
import type { WorkflowCatalogRules } from '@backstage-self-service/plugin-self-service-common';

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

const MAX_PARAMETERS = 50;
const MAX_OPTIONS = 500;
const MAX_KINDS = 50;

const WORKFLOW_IDENTIFIER = /^[a-z][a-z0-9-]{0,99}$/;
const PARAMETER_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const ICON = /^[a-z0-9-]+$/;
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

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
  const details = {
    identifier,
    name,
    ...(description !== undefined && { description }),
    ...(icon !== undefined && { icon }),
    ...(color !== undefined && { color: color.toLocaleLowerCase('en-US') }),
    scope,
  };
  if (!isAbsent(get(input, 'steps'))) {
    for (const field of ['execution', 'request', 'delivery']) {
      if (!isAbsent(get(input, field))) {
        fail(
          field,
          'a workflow of steps declares its requests, executions and deliveries in its steps; remove it or the steps',
        );
      }
    }
    const access = readAccess(get(input, 'access'), scope);
    const parameters = readParameters(get(input, 'parameters'));
    const steps = validateSteps(get(input, 'steps'), {
      scope,
      parameters,
      secretNames: options.secretNames,
      signingKeyNames: options.signingKeyNames ?? new Set(),
      egressPolicy: options.egressPolicy,
    });
    const lifecycle = readLifecycle(get(input, 'lifecycle'), parameters);
    const catalog = readCatalogRules(get(input, 'catalog'));
    return {
      ...details,
      access,
      parameters,
      steps,
      ...(lifecycle && { lifecycle }),
      ...(catalog && { catalog }),
    };
  }
  const execution = readExecution(get(input, 'execution'));
  const access = readAccess(get(input, 'access'), scope);
  const parameters = readParameters(get(input, 'parameters'));
  const request = readRequest(
    get(input, 'request'),
    'request',
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
  const lifecycle = readLifecycle(get(input, 'lifecycle'), parameters);
  const catalog = readCatalogRules(get(input, 'catalog'));

  return {
    ...details,
    execution,
    access,
    parameters,
    request,
    ...(delivery !== undefined && { delivery }),
    ...(lifecycle && { lifecycle }),
    ...(catalog && { catalog }),
  };
}

function readCatalogRules(value: unknown): WorkflowCatalogRules | undefined {
  if (isAbsent(value)) {
    return undefined;
  }
  const rules = readObject(value, 'catalog');
  checkKeys(rules, 'catalog', ['anyOwner']);
  const anyOwner = get(rules, 'anyOwner');
  if (isAbsent(anyOwner)) {
    return {};
  }
  if (typeof anyOwner !== 'boolean') {
    fail('catalog.anyOwner', 'must be true or false');
  }
  return { anyOwner };
}

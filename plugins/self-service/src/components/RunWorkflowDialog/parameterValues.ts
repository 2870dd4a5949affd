import {
  RunInputs,
  WorkflowParameter,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * What the form holds for each parameter: text for strings, numbers and
 * selects (numbers are parsed on submit), a boolean for switches.
 */
export type ParameterValues = Record<string, string | boolean>;

/** Field errors, keyed by parameter identifier. */
export type ParameterErrors = Record<string, string | undefined>;

const INTEGER = /^-?\d+$/;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The form's starting values: each parameter's default, or empty. */
export function initialValues(
  parameters: WorkflowParameter[],
): ParameterValues {
  const values: ParameterValues = {};
  for (const parameter of parameters) {
    if (parameter.type === 'boolean') {
      values[parameter.identifier] = parameter.default === true;
    } else {
      values[parameter.identifier] =
        parameter.default === undefined ? '' : String(parameter.default);
    }
  }
  return values;
}

/** Why a value does not fit its parameter, or undefined when it does. */
export function validateParameter(
  parameter: WorkflowParameter,
  value: string | boolean | undefined,
): string | undefined {
  if (parameter.type === 'boolean') {
    return undefined;
  }
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) {
    if (!parameter.required) {
      return undefined;
    }
    return parameter.type === 'select' ? 'Choose an option.' : 'Enter a value.';
  }
  switch (parameter.type) {
    case 'integer':
      if (!INTEGER.test(text)) {
        return 'Enter a whole number, for example 3.';
      }
      if (!Number.isSafeInteger(Number(text))) {
        return 'Enter a smaller number.';
      }
      return undefined;
    case 'float':
      if (!FLOAT.test(text) || !Number.isFinite(Number(text))) {
        return 'Enter a number, for example 1.5.';
      }
      return undefined;
    case 'select':
      if (parameter.options && !parameter.options.includes(text)) {
        return 'Choose one of the options.';
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Every field's error; empty when the form can be sent. */
export function validateParameters(
  parameters: WorkflowParameter[],
  values: ParameterValues,
): ParameterErrors {
  const errors: ParameterErrors = {};
  for (const parameter of parameters) {
    const error = validateParameter(parameter, values[parameter.identifier]);
    if (error) {
      errors[parameter.identifier] = error;
    }
  }
  return errors;
}

/**
 * The inputs of a run as the backend takes them: numbers as numbers,
 * booleans as booleans, and empty optional fields left out.
 */
export function toRunInputs(
  parameters: WorkflowParameter[],
  values: ParameterValues,
): RunInputs {
  const inputs: RunInputs = {};
  for (const parameter of parameters) {
    const value = values[parameter.identifier];
    if (parameter.type === 'boolean') {
      inputs[parameter.identifier] = value === true;
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      continue;
    }
    switch (parameter.type) {
      case 'integer':
      case 'float':
        inputs[parameter.identifier] = Number(value.trim());
        break;
      case 'select':
        inputs[parameter.identifier] = value.trim();
        break;
      default:
        inputs[parameter.identifier] = value;
    }
  }
  return inputs;
}

/** Where the backend put the blame for a 400: a parameter or the entity. */
export type FieldError =
  | { field: 'input'; identifier: string; message: string }
  | { field: 'entityRef'; message: string };

/**
 * Reads the field of a backend validation message, which names it first:
 * `inputs.replicas: must be a whole number`, `entityRef: not found`.
 */
export function parseFieldError(message: string): FieldError | undefined {
  const input = /^inputs\.([^:\s]+):\s*([\s\S]+)$/.exec(message);
  if (input) {
    return {
      field: 'input',
      identifier: input[1],
      message: sentence(input[2]),
    };
  }
  const entity = /^entityRef:\s*([\s\S]+)$/.exec(message);
  if (entity) {
    return { field: 'entityRef', message: sentence(entity[1]) };
  }
  return undefined;
}

/** `must be a whole number` → `Must be a whole number.` */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital =
    trimmed.charAt(0).toLocaleUpperCase('en-US') + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

import { InputError } from '@backstage/errors';
import type {
  RunInputs,
  WorkflowParameter,
} from '@backstage-self-service/plugin-self-service-common';
import { describeValue } from './describeValue';

/** The longest value a `string` parameter accepts, in characters. */
export const MAX_STRING_INPUT_LENGTH = 10000;

const INTEGER_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function isMissing(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '')
  );
}

function quoteList(values: string[]): string {
  return values.map(v => `'${v}'`).join(', ');
}

/** One present value converted to its parameter's type, or an InputError. */
function convertValue(
  parameter: WorkflowParameter,
  value: unknown,
): string | number | boolean {
  const path = `inputs.${parameter.identifier}`;
  switch (parameter.type) {
    case 'string':
      if (typeof value !== 'string') {
        throw new InputError(`${path}: must be a string`);
      }
      if (value.length > MAX_STRING_INPUT_LENGTH) {
        throw new InputError(
          `${path}: must be at most ${MAX_STRING_INPUT_LENGTH} characters`,
        );
      }
      return value;
    case 'integer': {
      let number: number | undefined;
      if (typeof value === 'number') {
        number = value;
      } else if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) {
        number = Number(value.trim());
      }
      if (number === undefined || !Number.isSafeInteger(number)) {
        throw new InputError(
          `${path}: must be a whole number between ${
            Number.MIN_SAFE_INTEGER
          } and ${Number.MAX_SAFE_INTEGER}, got ${describeValue(value)}`,
        );
      }
      // Avoid a negative zero leaking into rendered requests as "0".
      return number === 0 ? 0 : number;
    }
    case 'float': {
      let number: number | undefined;
      if (typeof value === 'number') {
        number = value;
      } else if (typeof value === 'string' && FLOAT_TEXT.test(value.trim())) {
        number = Number(value.trim());
      }
      if (number === undefined || !Number.isFinite(number)) {
        throw new InputError(
          `${path}: must be a finite number, got ${describeValue(value)}`,
        );
      }
      return number === 0 ? 0 : number;
    }
    case 'boolean':
      if (typeof value === 'boolean') {
        return value;
      }
      if (typeof value === 'string') {
        const text = value.trim().toLocaleLowerCase('en-US');
        if (text === 'true') {
          return true;
        }
        if (text === 'false') {
          return false;
        }
      }
      throw new InputError(
        `${path}: must be true or false, got ${describeValue(value)}`,
      );
    case 'select': {
      const options = parameter.options ?? [];
      if (typeof value !== 'string' || !options.includes(value)) {
        throw new InputError(
          `${path}: must be one of ${quoteList(options)}, got ${describeValue(
            value,
          )}`,
        );
      }
      return value;
    }
    default:
      throw new InputError(
        `${path}: parameter has unsupported type '${String(
          (parameter as { type: unknown }).type,
        )}'`,
      );
  }
}

/**
 * Checks the untrusted `inputs` of a trigger request against a workflow's
 * parameters and returns clean values: unknown keys are refused, missing
 * values take their parameter's default, required parameters without one
 * must be present and non-empty, and values are converted to their parameter's
 * type (forms send strings, so `"3"` becomes `3` and `"true"` becomes `true`).
 *
 * Throws an `InputError` whose message starts with `inputs.<identifier>:`.
 */
export function validateRunInputs(
  parameters: WorkflowParameter[],
  input: unknown,
): RunInputs {
  const raw = input ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError('inputs: must be an object');
  }
  const values = raw as Record<string, unknown>;

  const known = new Set(parameters.map(p => p.identifier));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      throw new InputError(`inputs.${key}: unknown parameter`);
    }
  }

  const entries: Array<[string, string | number | boolean]> = [];
  for (const parameter of parameters) {
    const value = hasOwn(values, parameter.identifier)
      ? values[parameter.identifier]
      : undefined;
    if (isMissing(value)) {
      // A default stands in for a missing value, required or not: it is what
      // the form shows pre-filled, so an API caller gets the same run.
      if (parameter.default !== undefined) {
        entries.push([parameter.identifier, parameter.default]);
      } else if (parameter.required) {
        throw new InputError(`inputs.${parameter.identifier}: required`);
      }
      continue;
    }
    entries.push([parameter.identifier, convertValue(parameter, value)]);
  }
  // fromEntries defines own properties, so no identifier can reach a prototype.
  return Object.fromEntries(entries);
}

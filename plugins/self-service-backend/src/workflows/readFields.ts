import { InputError } from '@backstage/errors';
import { describeValue } from './describeValue';

/**
 * Readers of untrusted JSON fields for validation: each names the field
 * path in the `InputError` it throws, for example
 * `steps[2].request.url: required`.
 */

export type JsonObject = Record<string, unknown>;

export function fail(path: string, message: string): never {
  throw new InputError(`${path}: ${message}`);
}

/** An own property only, so nothing is read from a prototype. */
export function get(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key)
    ? object[key]
    : undefined;
}

export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, path: string): JsonObject {
  if (isAbsent(value)) {
    fail(path, 'required');
  }
  if (!isObject(value)) {
    fail(path, 'must be an object');
  }
  return value;
}

export function checkKeys(
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
export function readText(
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

export function readArray(value: unknown, path: string): unknown[] {
  if (isAbsent(value)) {
    fail(path, 'required');
  }
  if (!Array.isArray(value)) {
    fail(path, 'must be an array');
  }
  return value;
}

export function readType<T extends string>(
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

import { InputError } from '@backstage/errors';
import type { Request } from 'express';

/** Reading the fields of JSON request bodies, with 400s naming the field. */

export function objectBody(req: Request): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null || body === '') {
    return {};
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('body: must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function requiredString(
  body: Record<string, unknown>,
  field: string,
  maxLength: number,
): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(`${field}: required, a non-empty string`);
  }
  if (value.length > maxLength) {
    throw new InputError(`${field}: at most ${maxLength} characters`);
  }
  return value;
}

export function optionalString(
  body: Record<string, unknown>,
  field: string,
  maxLength: number,
): string | undefined {
  if (body[field] === undefined || body[field] === null || body[field] === '') {
    return undefined;
  }
  return requiredString(body, field, maxLength);
}

export function parseHttpUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InputError('url: must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError('url: must be an absolute http or https URL');
  }
  return parsed.toString();
}

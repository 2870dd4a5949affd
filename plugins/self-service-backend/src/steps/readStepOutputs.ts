import type { RunStepOutputValue } from '@backstage-self-service/plugin-self-service-common';
import { get as getPointer } from 'jsonpointer';

/** A step's outputs read from its response, or why they could not be. */
export type StepOutputsResult =
  | { outputs: Record<string, RunStepOutputValue> }
  | { error: string };

const isOutputValue = (value: unknown): value is RunStepOutputValue =>
  typeof value === 'string' ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  typeof value === 'boolean';

/**
 * Reads a request step's declared outputs (`{ name: "/json/pointer" }`)
 * from the body of its response. Every declared output must be present and
 * a string, number or boolean: later steps render outputs as typed values,
 * and an object would let a response decide the shape of their requests.
 * A missing or non-scalar output is an error that fails the step, so a
 * later step never runs with a value it was promised and not given.
 */
export function readStepOutputs(
  declared: Readonly<Record<string, string>> | undefined,
  body: string | undefined,
): StepOutputsResult {
  const entries = Object.entries(declared ?? {});
  if (entries.length === 0) {
    return { outputs: {} };
  }
  let document: unknown;
  try {
    document = JSON.parse(body ?? '');
  } catch {
    return {
      error: `the response is not JSON, so its outputs (${entries
        .map(([name]) => name)
        .join(', ')}) cannot be read`,
    };
  }
  return readOutputsFrom(entries, document);
}

/**
 * The outputs an external system posts with a step's status: exactly the
 * declared names, each a string, number or boolean.
 */
export function checkPostedOutputs(
  declared: Readonly<Record<string, string>> | undefined,
  posted: Record<string, unknown>,
): StepOutputsResult {
  const names = new Set(Object.keys(declared ?? {}));
  const unknown = Object.keys(posted).filter(name => !names.has(name));
  if (unknown.length > 0) {
    return {
      error: `outputs.${unknown[0]}: the step declares no such output${
        names.size > 0 ? ` (it declares ${[...names].join(', ')})` : ''
      }`,
    };
  }
  const outputs: Record<string, RunStepOutputValue> = {};
  for (const name of names) {
    const value = Object.prototype.hasOwnProperty.call(posted, name)
      ? posted[name]
      : undefined;
    if (!isOutputValue(value)) {
      return {
        error: `outputs.${name}: ${
          value === undefined
            ? 'missing'
            : 'must be a string, number or boolean'
        }`,
      };
    }
    outputs[name] = value;
  }
  return { outputs };
}

function readOutputsFrom(
  entries: ReadonlyArray<[string, string]>,
  document: unknown,
): StepOutputsResult {
  if (typeof document !== 'object' || document === null) {
    return { error: 'the response is not a JSON object or array' };
  }
  const outputs: Record<string, RunStepOutputValue> = {};
  for (const [name, pointer] of entries) {
    let value: unknown;
    try {
      value = getPointer(document, pointer);
    } catch {
      value = undefined;
    }
    if (!isOutputValue(value)) {
      return {
        error: `output '${name}' (${pointer || "''"}) is ${
          value === undefined || value === null
            ? 'missing from the response'
            : 'not a string, number or boolean in the response'
        }`,
      };
    }
    outputs[name] = value;
  }
  return { outputs };
}

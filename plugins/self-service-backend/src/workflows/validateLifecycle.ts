import type {
  WorkflowLifecycle,
  WorkflowParameter,
} from '@backstage-self-service/plugin-self-service-common';
import { Duration } from 'luxon';
import { findPlaceholders } from './placeholders';
import {
  checkKeys,
  fail,
  get,
  isAbsent,
  isObject,
  readObject,
  readText,
} from './readFields';

/** The longest TTL a workflow may give its runs. */
const MAX_TTL_SECONDS = 366 * 24 * 60 * 60;

/**
 * A positive ISO 8601 duration (`P5D`, `PT2H`, `P1DT12H`) in seconds, or
 * undefined when the text is not one (letters in either case). Months and
 * years count as luxon counts them (30 and 365 days).
 */
export function isoDurationSeconds(text: string): number | undefined {
  const duration = Duration.fromISO(text.trim().toUpperCase());
  if (!duration.isValid) {
    return undefined;
  }
  const seconds = duration.as('seconds');
  return Number.isFinite(seconds) && seconds >= 1
    ? Math.round(seconds)
    : undefined;
}

function readDuration(value: unknown, path: string): string {
  const text = readText(value, path, { required: true, max: 100 })!;
  const seconds = isoDurationSeconds(text);
  if (seconds === undefined) {
    fail(path, `'${text}' is not an ISO 8601 duration, like PT2H or P5D`);
  }
  if (seconds > MAX_TTL_SECONDS) {
    fail(path, 'may be at most a year (P366D)');
  }
  return text.trim().toUpperCase();
}

/** Variables a teardown input may use: the original run's. */
const TEARDOWN_VARIABLE = /^(data|entity|steps)\.|^run\.id$/;

/**
 * A workflow's `lifecycle`: TTLs that parse (default at most max), a TTL
 * parameter that is a string parameter of the workflow, and a teardown
 * workflow named by identifier whose inputs use the original run's
 * variables. Whether the teardown workflow exists is checked when saving
 * (see the router), since it needs the store.
 */
export function readLifecycle(
  value: unknown,
  parameters: ReadonlyArray<WorkflowParameter>,
): WorkflowLifecycle | undefined {
  if (isAbsent(value)) {
    return undefined;
  }
  const lifecycle = readObject(value, 'lifecycle');
  checkKeys(lifecycle, 'lifecycle', ['ttl', 'teardown']);

  const ttl = readObject(get(lifecycle, 'ttl'), 'lifecycle.ttl');
  checkKeys(ttl, 'lifecycle.ttl', ['default', 'max', 'parameter']);
  const defaultTtl = readDuration(get(ttl, 'default'), 'lifecycle.ttl.default');
  const max = readDuration(get(ttl, 'max'), 'lifecycle.ttl.max');
  if (isoDurationSeconds(defaultTtl)! > isoDurationSeconds(max)!) {
    fail(
      'lifecycle.ttl.default',
      `may not be longer than lifecycle.ttl.max (${max})`,
    );
  }
  const parameter = readText(get(ttl, 'parameter'), 'lifecycle.ttl.parameter', {
    max: 100,
  });
  if (parameter !== undefined) {
    const declared = parameters.find(p => p.identifier === parameter);
    if (!declared) {
      fail(
        'lifecycle.ttl.parameter',
        `'${parameter}' is not a parameter of the workflow`,
      );
    }
    if (declared.type !== 'string') {
      fail(
        'lifecycle.ttl.parameter',
        `'${parameter}' must be a string parameter (an ISO 8601 duration)`,
      );
    }
  }

  const teardown = readObject(get(lifecycle, 'teardown'), 'lifecycle.teardown');
  checkKeys(teardown, 'lifecycle.teardown', ['workflow', 'inputs']);
  const workflow = readText(
    get(teardown, 'workflow'),
    'lifecycle.teardown.workflow',
    {
      required: true,
      max: 100,
    },
  )!;
  const rawInputs = get(teardown, 'inputs');
  let inputs: Record<string, string> | undefined;
  if (!isAbsent(rawInputs)) {
    if (!isObject(rawInputs)) {
      fail(
        'lifecycle.teardown.inputs',
        'must be an object of parameter identifiers to templates',
      );
    }
    inputs = {};
    for (const [name, template] of Object.entries(rawInputs)) {
      const path = `lifecycle.teardown.inputs.${name}`;
      if (typeof template !== 'string') {
        fail(path, 'must be a string template, like {{data.branch}}');
      }
      for (const placeholder of findPlaceholders(template)) {
        if (!TEARDOWN_VARIABLE.test(placeholder.name)) {
          fail(
            path,
            `{{${placeholder.name}}} is not a variable of the original run; use {{data.*}}, {{entity.*}}, {{run.id}} or {{steps.<id>.outputs.<name>}}`,
          );
        }
      }
      inputs[name] = template;
    }
  }

  return {
    ttl: {
      default: defaultTtl,
      max,
      ...(parameter !== undefined && { parameter }),
    },
    teardown: { workflow, ...(inputs && { inputs }) },
  };
}

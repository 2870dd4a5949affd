import {
  findStepCycle,
  MAX_WORKFLOW_STEPS,
  upstreamStepIds,
  WORKFLOW_STEP_KINDS,
  type WorkflowApprovalStep,
  type WorkflowParameter,
  type WorkflowRequestStep,
  type WorkflowScope,
  type WorkflowStep,
  type WorkflowWaitStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { EgressPolicy } from '../egress';
import { describeValue } from './describeValue';
import { readPrincipalRefs } from './readPrincipalRefs';
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
import { validateDelivery } from './validateDelivery';
import {
  MIN_TIMEOUT_SECONDS,
  readExecution,
  readSeconds,
} from './validateExecution';
import { readRequest, type VariableContext } from './validateRequest';

/** What the steps of a workflow are checked against. */
export interface StepValidationContext {
  scope: WorkflowScope;
  parameters: ReadonlyArray<WorkflowParameter>;
  secretNames: ReadonlySet<string>;
  signingKeyNames: ReadonlySet<string>;
  egressPolicy: EgressPolicy;
}

const STEP_ID = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;
const OUTPUT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const MAX_OUTPUTS = 50;

const COMMON_FIELDS = ['id', 'name', 'kind', 'dependsOn'];
const FIELDS_BY_KIND: Record<WorkflowStep['kind'], string[]> = {
  request: [
    ...COMMON_FIELDS,
    'request',
    'execution',
    'delivery',
    'outputs',
    'cancelRequest',
  ],
  approval: [
    ...COMMON_FIELDS,
    'approvers',
    'mode',
    'allowSelfApproval',
    'timeoutSeconds',
  ],
  wait: [...COMMON_FIELDS, 'seconds', 'untilParameter'],
};

/** A step as far as the first pass reads it: what the graph needs. */
interface StepOutline {
  raw: Record<string, unknown>;
  path: string;
  id: string;
  name: string;
  kind: WorkflowStep['kind'];
  dependsOn: string[];
  outputs: Record<string, string>;
}

/**
 * Checks a workflow's `steps`: ids unique, `dependsOn` naming known steps
 * and making no cycle (named as `steps[2].dependsOn: build → deploy →
 * build`), at most {@link MAX_WORKFLOW_STEPS}, each step's fields for its
 * kind, and every `{{steps.<id>.outputs.<name>}}` a declared output of a
 * step that finishes before the one using it.
 *
 * The graph is checked before any step's own fields, so a cycle is named
 * even when a step further down is incomplete.
 */
export function validateSteps(
  value: unknown,
  context: StepValidationContext,
): WorkflowStep[] {
  const list = readArray(value, 'steps');
  if (list.length === 0) {
    fail('steps', 'needs at least one step');
  }
  if (list.length > MAX_WORKFLOW_STEPS) {
    fail(
      'steps',
      `at most ${MAX_WORKFLOW_STEPS} steps, got ${list.length}; split the workflow`,
    );
  }
  const outlines = readOutlines(list);
  checkDependencies(outlines);

  const declaredOutputs = new Map(
    outlines.map(step => [step.id, new Set(Object.keys(step.outputs))]),
  );
  return outlines.map(outline => {
    const variables: VariableContext = {
      scope: context.scope,
      parameterIds: new Set(context.parameters.map(p => p.identifier)),
      secretNames: context.secretNames,
      step: {
        outputs: declaredOutputs,
        upstream: upstreamStepIds(outlines, outline.id),
      },
    };
    switch (outline.kind) {
      case 'request':
        return readRequestStep(outline, variables, context);
      case 'approval':
        return readApprovalStep(outline);
      default:
        return readWaitStep(outline, context.parameters);
    }
  });
}

/** Ids, names, kinds, dependencies and declared outputs of every step. */
function readOutlines(list: unknown[]): StepOutline[] {
  const seen = new Set<string>();
  return list.map((value, i) => {
    const path = `steps[${i}]`;
    const raw = readObject(value, path);
    const id = readText(get(raw, 'id'), `${path}.id`, {
      required: true,
      max: 64,
    }) as string;
    if (!STEP_ID.test(id)) {
      fail(
        `${path}.id`,
        'must be 1-64 letters, digits, dashes and underscores, starting with a letter or underscore',
      );
    }
    if (id === '__proto__') {
      fail(`${path}.id`, `'${id}' is reserved`);
    }
    if (seen.has(id)) {
      fail(`${path}.id`, `duplicate '${id}'`);
    }
    seen.add(id);
    const name = readText(get(raw, 'name'), `${path}.name`, {
      required: true,
      max: 200,
    }) as string;
    const kind = readType(
      get(raw, 'kind'),
      `${path}.kind`,
      WORKFLOW_STEP_KINDS,
    );
    checkKeys(raw, path, FIELDS_BY_KIND[kind]);
    return {
      raw,
      path,
      id,
      name,
      kind,
      dependsOn: readDependsOn(get(raw, 'dependsOn'), `${path}.dependsOn`),
      outputs:
        kind === 'request'
          ? readOutputs(get(raw, 'outputs'), `${path}.outputs`)
          : {},
    };
  });
}

function readDependsOn(value: unknown, path: string): string[] {
  if (isAbsent(value)) {
    return [];
  }
  const list = readArray(value, path);
  const ids: string[] = [];
  list.forEach((raw, i) => {
    const id = readText(raw, `${path}[${i}]`, {
      required: true,
      max: 64,
    }) as string;
    if (ids.includes(id)) {
      fail(`${path}[${i}]`, `'${id}' is listed twice`);
    }
    ids.push(id);
  });
  return ids;
}

/** Every dependency names a step, and the dependencies make no cycle. */
function checkDependencies(outlines: ReadonlyArray<StepOutline>) {
  const ids = new Set(outlines.map(step => step.id));
  for (const step of outlines) {
    step.dependsOn.forEach((id, i) => {
      if (id === step.id) {
        fail(`${step.path}.dependsOn[${i}]`, 'a step cannot depend on itself');
      }
      if (!ids.has(id)) {
        fail(
          `${step.path}.dependsOn[${i}]`,
          `no step '${id}' (steps: ${[...ids].join(', ')})`,
        );
      }
    });
  }
  const cycle = findStepCycle(outlines);
  if (cycle) {
    fail(`steps[${cycle.index}].dependsOn`, cycle.path.join(' → '));
  }
}

/** `{ name: "/json/pointer" }`, each pointer a valid RFC 6901 pointer. */
function readOutputs(value: unknown, path: string): Record<string, string> {
  if (isAbsent(value)) {
    return {};
  }
  if (!isObject(value)) {
    fail(path, 'must be an object of output names to JSON pointers');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_OUTPUTS) {
    fail(path, `at most ${MAX_OUTPUTS} outputs`);
  }
  const outputs: Array<[string, string]> = [];
  for (const [name, pointer] of entries) {
    if (!OUTPUT_NAME.test(name) || name === '__proto__') {
      fail(
        `${path}.${name}`,
        'an output name is 1-64 letters, digits and underscores, not starting with a digit',
      );
    }
    if (typeof pointer !== 'string') {
      fail(
        `${path}.${name}`,
        `must be a JSON pointer into the response like '/cluster/id', got ${describeValue(
          pointer,
        )}`,
      );
    }
    if (
      pointer.length > 500 ||
      (pointer !== '' && !pointer.startsWith('/')) ||
      /~(?![01])/.test(pointer)
    ) {
      fail(
        `${path}.${name}`,
        `'${pointer}' is not a JSON pointer (RFC 6901: '' or '/a/b', with ~0 for ~ and ~1 for /)`,
      );
    }
    outputs.push([name, pointer]);
  }
  return Object.fromEntries(outputs);
}

function readRequestStep(
  outline: StepOutline,
  variables: VariableContext,
  context: StepValidationContext,
): WorkflowRequestStep {
  const { raw, path } = outline;
  const request = readRequest(
    get(raw, 'request'),
    `${path}.request`,
    variables,
    context.egressPolicy,
  );
  const execution = isAbsent(get(raw, 'execution'))
    ? { type: 'simple' as const }
    : readExecution(get(raw, 'execution'), `${path}.execution`);
  const delivery = validateDelivery(
    get(raw, 'delivery'),
    context.signingKeyNames,
    `${path}.delivery`,
  );
  let cancelRequest;
  if (!isAbsent(get(raw, 'cancelRequest'))) {
    if (execution.type !== 'event-driven') {
      fail(
        `${path}.cancelRequest`,
        'only an event-driven step is told of a cancellation; a simple step is done when answered',
      );
    }
    cancelRequest = readRequest(
      get(raw, 'cancelRequest'),
      `${path}.cancelRequest`,
      variables,
      context.egressPolicy,
    );
  }
  return {
    id: outline.id,
    name: outline.name,
    kind: 'request',
    dependsOn: outline.dependsOn,
    request,
    execution,
    ...(delivery !== undefined && { delivery }),
    ...(Object.keys(outline.outputs).length > 0 && {
      outputs: outline.outputs,
    }),
    ...(cancelRequest !== undefined && { cancelRequest }),
  };
}

function readApprovalStep(outline: StepOutline): WorkflowApprovalStep {
  const { raw, path } = outline;
  const approvers = readPrincipalRefs(
    get(raw, 'approvers'),
    `${path}.approvers`,
  );
  const mode = isAbsent(get(raw, 'mode'))
    ? 'any'
    : readType(get(raw, 'mode'), `${path}.mode`, ['any', 'all'] as const);
  const allowSelfApproval = get(raw, 'allowSelfApproval');
  if (!isAbsent(allowSelfApproval) && typeof allowSelfApproval !== 'boolean') {
    fail(`${path}.allowSelfApproval`, 'must be true or false');
  }
  const timeoutSeconds = readSeconds(
    get(raw, 'timeoutSeconds'),
    `${path}.timeoutSeconds`,
    MIN_TIMEOUT_SECONDS,
  );
  return {
    id: outline.id,
    name: outline.name,
    kind: 'approval',
    dependsOn: outline.dependsOn,
    approvers,
    mode,
    allowSelfApproval: allowSelfApproval === true,
    ...(timeoutSeconds !== undefined && { timeoutSeconds }),
  };
}

function readWaitStep(
  outline: StepOutline,
  parameters: ReadonlyArray<WorkflowParameter>,
): WorkflowWaitStep {
  const { raw, path } = outline;
  const seconds = readSeconds(get(raw, 'seconds'), `${path}.seconds`, 1);
  const untilParameter = readText(
    get(raw, 'untilParameter'),
    `${path}.untilParameter`,
    { max: 64 },
  );
  if ((seconds === undefined) === (untilParameter === undefined)) {
    fail(
      path,
      'a wait step needs either seconds or untilParameter (an input holding a date and time)',
    );
  }
  if (untilParameter !== undefined) {
    const parameter = parameters.find(p => p.identifier === untilParameter);
    if (!parameter) {
      fail(`${path}.untilParameter`, `no parameter '${untilParameter}'`);
    }
    if (parameter.type !== 'string') {
      fail(
        `${path}.untilParameter`,
        `parameter '${untilParameter}' is of type ${parameter.type}; it must be a string holding an ISO 8601 date and time`,
      );
    }
  }
  return {
    id: outline.id,
    name: outline.name,
    kind: 'wait',
    dependsOn: outline.dependsOn,
    ...(seconds !== undefined && { seconds }),
    ...(untilParameter !== undefined && { untilParameter }),
  };
}

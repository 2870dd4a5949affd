import {
  MAX_WORKFLOW_STEPS,
  findStepCycle,
  upstreamStepIds,
} from '@backstage-self-service/plugin-self-service-common';
import type { FieldErrors } from './fieldErrors';
import { parseNumber, WorkflowForm } from './workflowForm';
import { requestView, StepForm } from './stepForm';

/**
 * Field keys of the steps of a workflow of steps, each step named by its
 * stable key so an error stays with its step when steps move:
 *
 * - `steps` (the list)
 * - `steps.<step>` (the step as a whole)
 * - `steps.<step>.<field>`: `id`, `name`, `kind`, `dependsOn`,
 *   `approvers`, `mode`, `allowSelfApproval`, `timeoutSeconds`, `seconds`,
 *   `untilParameter`
 * - `steps.<step>.outputs` and `steps.<step>.outputs.<row>.name|pointer`
 * - `steps.<step>.` followed by a request field's key of the one-request
 *   form (`request.url`, `request.headers.<row>.name`,
 *   `execution.timeoutSeconds`, `delivery.maxAttempts`, …)
 */
export function stepFieldKey(step: string, field?: string): string {
  return field ? `steps.${step}.${field}` : `steps.${step}`;
}

/** Field key of the name or pointer of an output row of a step. */
export function outputFieldKey(
  step: string,
  row: string,
  field: 'name' | 'pointer',
): string {
  return stepFieldKey(step, `outputs.${row}.${field}`);
}

/** The errors of one step's request fields, keyed as the one-request form's. */
export function requestErrorsOf(
  errors: FieldErrors,
  step: string,
): FieldErrors {
  const prefix = `${stepFieldKey(step)}.`;
  return Object.fromEntries(
    Object.entries(errors)
      .filter(
        ([key]) =>
          key.startsWith(prefix) &&
          /^(request|execution|delivery)\./.test(key.slice(prefix.length)),
      )
      .map(([key, message]) => [key.slice(prefix.length), message]),
  );
}

const STEP_ID = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;
const OUTPUT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const JSON_POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;
const STEP_VARIABLE = /\{\{\s*steps\.([^.\s}]+)\.outputs\.([^\s}]+)\s*\}\}/g;

/**
 * What the editor can tell is wrong with the steps without the backend:
 * names and ids, dependencies and cycles (named step by step), each kind's
 * required fields, outputs, and variables of steps that are not upstream.
 * `checkRequest` checks a request step's fields as the one-request form's.
 */
export function checkSteps(
  form: WorkflowForm,
  checkRequest: (view: WorkflowForm) => FieldErrors,
): FieldErrors {
  const steps = form.steps ?? [];
  const errors: FieldErrors = {};
  if (steps.length === 0) {
    errors.steps = 'Add at least one step';
  } else if (steps.length > MAX_WORKFLOW_STEPS) {
    errors.steps = `At most ${MAX_WORKFLOW_STEPS} steps; split the workflow`;
  }

  const ids = new Map<string, string>();
  for (const step of steps) {
    const key = (field: string) => stepFieldKey(step.key, field);
    if (step.name.trim() === '') {
      errors[key('name')] = 'Enter a name';
    }
    const id = step.id.trim();
    if (id === '') {
      errors[key('id')] = 'Enter an id';
    } else if (!STEP_ID.test(id)) {
      errors[key('id')] =
        'Use letters, digits, dashes and underscores, starting with a letter';
    } else if (ids.has(id)) {
      errors[key('id')] = `Another step is already '${id}'`;
    } else {
      ids.set(id, step.key);
    }
    checkKind(form, step, errors, checkRequest);
  }

  const cycle = findStepCycle(
    steps.map(step => ({ id: step.key, dependsOn: step.dependsOn })),
  );
  if (cycle) {
    const label = (k: string) => {
      const step = steps.find(s => s.key === k);
      return step?.name.trim() || step?.id.trim() || '(unnamed step)';
    };
    errors[
      stepFieldKey(steps[cycle.index].key, 'dependsOn')
    ] = `These steps wait for each other: ${cycle.path.map(label).join(' → ')}`;
  } else {
    checkStepVariables(steps, ids, errors);
  }
  return errors;
}

function checkKind(
  form: WorkflowForm,
  step: StepForm,
  errors: FieldErrors,
  checkRequest: (view: WorkflowForm) => FieldErrors,
) {
  const key = (field: string) => stepFieldKey(step.key, field);
  switch (step.kind) {
    case 'request': {
      for (const [field, message] of Object.entries(
        checkRequest(requestView(form, step)),
      )) {
        if (/^(request|execution|delivery)\./.test(field)) {
          errors[key(field)] = message;
        }
      }
      const names = new Set<string>();
      for (const output of step.outputs) {
        const name = output.name.trim();
        if (name === '' && output.pointer === '') continue;
        if (!OUTPUT_NAME.test(name)) {
          errors[outputFieldKey(step.key, output.key, 'name')] =
            'Use letters, digits and underscores, not starting with a digit';
        } else if (names.has(name)) {
          errors[
            outputFieldKey(step.key, output.key, 'name')
          ] = `Another output is already '${name}'`;
        }
        names.add(name);
        if (!JSON_POINTER.test(output.pointer.trim())) {
          errors[outputFieldKey(step.key, output.key, 'pointer')] =
            "Enter a JSON pointer into the response, like '/cluster/id'";
        }
      }
      return;
    }
    case 'approval': {
      if (step.approvers.length === 0) {
        errors[key('approvers')] = 'Choose at least one user or group';
      }
      const minutes = parseNumber(step.approvalTimeoutMinutes);
      if (
        step.approvalTimeoutMinutes.trim() !== '' &&
        (minutes === undefined || minutes < 1 || minutes > 30 * 24 * 60)
      ) {
        errors[key('timeoutSeconds')] =
          'Enter a number of minutes from 1 to 43200 (30 days)';
      }
      return;
    }
    default: {
      if (step.waitFor === 'seconds') {
        const seconds = parseNumber(step.seconds);
        if (
          seconds === undefined ||
          !Number.isInteger(seconds) ||
          seconds < 1 ||
          seconds > 30 * 86400
        ) {
          errors[key('seconds')] =
            'Enter a whole number of seconds from 1 to 2592000 (30 days)';
        }
      } else {
        const parameter = form.parameters.find(
          p => p.identifier.trim() === step.untilParameter,
        );
        if (!parameter || parameter.type !== 'string') {
          errors[key('untilParameter')] =
            'Choose a text parameter that holds the date and time';
        }
      }
    }
  }
}

/**
 * Every `{{steps.<id>.outputs.<name>}}` in a request step names a step
 * upstream of it and an output that step declares.
 */
function checkStepVariables(
  steps: StepForm[],
  keyById: Map<string, string>,
  errors: FieldErrors,
) {
  const nodes = steps.map(step => ({
    id: step.key,
    dependsOn: step.dependsOn,
  }));
  for (const step of steps) {
    if (step.kind !== 'request') continue;
    const upstream = upstreamStepIds(nodes, step.key);
    const fields: Array<[string, string]> = [
      ['request.url', step.url],
      ['request.body', step.body],
    ];
    for (const [field, text] of fields) {
      const key = stepFieldKey(step.key, field);
      if (errors[key]) continue;
      for (const [variable, id, output] of text.matchAll(STEP_VARIABLE)) {
        const source = steps.find(s => s.key === keyById.get(id));
        if (!source) {
          errors[key] = `${variable}: no step '${id}'`;
        } else if (!upstream.has(source.key)) {
          errors[
            key
          ] = `${variable}: step '${id}' does not finish before this one; add it (or a step after it) to "Waits for"`;
        } else if (!source.outputs.some(o => o.name.trim() === output)) {
          errors[
            key
          ] = `${variable}: step '${id}' declares no output '${output}'`;
        }
        if (errors[key]) break;
      }
    }
  }
}

/**
 * The field key a backend error about the steps (`steps[2].dependsOn: …`,
 * `steps[0].request.url: …`) points at, or undefined when the form shows
 * no such field. `requestKey` maps a request field's path as the
 * one-request form does.
 */
export function stepFieldKeyForPath(
  path: string,
  detail: string,
  form: WorkflowForm,
  requestKey: (
    path: string,
    detail: string,
    view: WorkflowForm,
  ) => string | undefined,
): string | undefined {
  if (path === 'steps') {
    return 'steps';
  }
  const match = /^steps\[(\d+)\](?:\.(.+))?$/.exec(path);
  const step = match && form.steps?.[Number(match[1])];
  if (!match || !step) {
    return form.steps ? 'steps' : undefined;
  }
  const rest = match[2];
  if (rest === undefined) {
    return stepFieldKey(step.key);
  }
  const field = /^([A-Za-z]+)/.exec(rest)?.[1] ?? '';
  if (
    [
      'id',
      'name',
      'kind',
      'dependsOn',
      'approvers',
      'mode',
      'allowSelfApproval',
      'timeoutSeconds',
      'seconds',
      'untilParameter',
    ].includes(field)
  ) {
    return stepFieldKey(step.key, field);
  }
  if (field === 'outputs') {
    const name = rest.slice('outputs.'.length);
    const row = step.outputs.find(o => o.name.trim() === name);
    if (!row) {
      return stepFieldKey(step.key, 'outputs');
    }
    return outputFieldKey(
      step.key,
      row.key,
      detail.startsWith('an output name') ? 'name' : 'pointer',
    );
  }
  if (['request', 'execution', 'delivery'].includes(field)) {
    const key = requestKey(rest, detail, requestView(form, step));
    return key ? stepFieldKey(step.key, key) : stepFieldKey(step.key);
  }
  // cancelRequest and anything else the editor does not show.
  return stepFieldKey(step.key);
}

/**
 * What a step field key shows, to tell whether the user changed it since;
 * `requestValue` gives a request field's value as the one-request form's.
 */
export function stepFieldValue(
  form: WorkflowForm,
  key: string,
  requestValue: (view: WorkflowForm, key: string) => unknown,
): unknown {
  const parts = key.split('.');
  if (parts.length === 1) {
    return form.steps?.map(step => step.key);
  }
  const step = form.steps?.find(s => s.key === parts[1]);
  if (!step || parts.length === 2) {
    return step;
  }
  const field = parts[2];
  if (['request', 'execution', 'delivery'].includes(field)) {
    return requestValue(requestView(form, step), parts.slice(2).join('.'));
  }
  if (field === 'outputs') {
    return step.outputs;
  }
  if (field === 'dependsOn') {
    // A cycle is fixed on any step along it.
    return form.steps?.map(s => s.dependsOn);
  }
  if (field === 'timeoutSeconds') {
    return step.approvalTimeoutMinutes;
  }
  if (field === 'seconds' || field === 'untilParameter') {
    return [step.waitFor, step.seconds, step.untilParameter, form.parameters];
  }
  return [step.kind, step[field as keyof StepForm]];
}

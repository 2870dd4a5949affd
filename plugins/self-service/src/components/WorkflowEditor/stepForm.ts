import type {
  WorkflowApprovalMode,
  WorkflowExecution,
  WorkflowRequest,
  WorkflowRequestMethod,
  WorkflowStep,
  WorkflowStepKind,
} from '@backstage-self-service/plugin-self-service-common';
import {
  DEFAULT_MAX_ATTEMPTS,
  HeaderForm,
  TimeoutUnit,
  WorkflowForm,
  newKey,
  parseNumber,
} from './workflowForm';

/** One named output of a request step: a JSON pointer into its response. */
export interface OutputForm {
  /** Stable key of the row, for React and for field errors; never sent. */
  key: string;
  name: string;
  pointer: string;
}

/**
 * The fields of an HTTP request, named as the workflow form names them, so
 * a request step is edited with the same fields as a one-request workflow.
 */
export type RequestFieldsForm = Pick<
  WorkflowForm,
  | 'executionType'
  | 'timeout'
  | 'timeoutUnit'
  | 'method'
  | 'url'
  | 'headers'
  | 'body'
  | 'maxAttempts'
  | 'signingKey'
>;

/** The request fields of a workflow form or of a step. */
function requestFields(source: RequestFieldsForm): RequestFieldsForm {
  return {
    executionType: source.executionType,
    timeout: source.timeout,
    timeoutUnit: source.timeoutUnit,
    method: source.method,
    url: source.url,
    headers: source.headers,
    body: source.body,
    maxAttempts: source.maxAttempts,
    signingKey: source.signingKey,
  };
}

/**
 * One step as the editor holds it. Every kind's fields are kept while the
 * user switches the kind, so switching back loses nothing; only the
 * chosen kind's are saved.
 */
export interface StepForm extends RequestFieldsForm {
  /** Stable key of the step, for React, dependencies and field errors. */
  key: string;
  id: string;
  /** Once the user typed an id, it no longer follows the name. */
  idEdited: boolean;
  name: string;
  kind: WorkflowStepKind;
  /**
   * Keys (not ids) of the steps this one waits for, so that renaming a
   * step's id keeps what depends on it.
   */
  dependsOn: string[];

  outputs: OutputForm[];
  /**
   * What an event-driven step sends when its run is canceled. Edited in the
   * definition only; kept as it was.
   */
  cancelRequest?: WorkflowRequest;

  approvers: string[];
  mode: WorkflowApprovalMode;
  allowSelfApproval: boolean;
  /** Minutes, as typed; empty waits for a decision without end. */
  approvalTimeoutMinutes: string;

  waitFor: 'seconds' | 'until';
  seconds: string;
  untilParameter: string;
}

/** A blank output row. */
export function emptyOutput(): OutputForm {
  return { key: newKey('o'), name: '', pointer: '' };
}

/**
 * A step id suggested for a name: lowercase letters, digits and dashes,
 * starting with a letter (`Create the cluster` → `create-the-cluster`).
 */
export function suggestStepId(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** A new step of a kind, waiting for the steps with the keys given. */
export function emptyStep(
  kind: WorkflowStepKind = 'request',
  dependsOn: string[] = [],
): StepForm {
  return {
    key: newKey('s'),
    id: '',
    idEdited: false,
    name: '',
    kind,
    dependsOn,
    executionType: 'simple',
    timeout: '',
    timeoutUnit: 'hours',
    method: 'POST',
    url: '',
    headers: [],
    body: '',
    maxAttempts: String(DEFAULT_MAX_ATTEMPTS),
    signingKey: '',
    outputs: [],
    approvers: [],
    mode: 'any',
    allowSelfApproval: false,
    approvalTimeoutMinutes: '',
    waitFor: 'seconds',
    seconds: '',
    untilParameter: '',
  };
}

function timeoutToForm(execution: WorkflowExecution) {
  if (
    execution.type !== 'event-driven' ||
    execution.timeoutSeconds === undefined
  ) {
    return { timeout: '', timeoutUnit: 'hours' as TimeoutUnit };
  }
  const seconds = execution.timeoutSeconds;
  return seconds % 3600 === 0
    ? { timeout: String(seconds / 3600), timeoutUnit: 'hours' as TimeoutUnit }
    : {
        timeout: String(Math.round((seconds / 60) * 1000) / 1000),
        timeoutUnit: 'minutes' as TimeoutUnit,
      };
}

function headersToForm(headers: Record<string, string> = {}): HeaderForm[] {
  return Object.entries(headers).map(([name, value]) => ({
    key: newKey('h'),
    name,
    value,
  }));
}

/** The editor's forms of a workflow's steps. */
export function stepsToForms(steps: WorkflowStep[]): StepForm[] {
  const forms = steps.map(step => {
    const form: StepForm = {
      ...emptyStep(step.kind),
      id: step.id,
      idEdited: true,
      name: step.name,
    };
    switch (step.kind) {
      case 'request':
        return {
          ...form,
          executionType: step.execution.type,
          ...timeoutToForm(step.execution),
          method: step.request.method,
          url: step.request.url,
          headers: headersToForm(step.request.headers),
          body: step.request.body ?? '',
          maxAttempts: String(
            step.delivery?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          ),
          signingKey: step.delivery?.signingKey ?? '',
          outputs: Object.entries(step.outputs ?? {}).map(
            ([name, pointer]) => ({ key: newKey('o'), name, pointer }),
          ),
          ...(step.cancelRequest && { cancelRequest: step.cancelRequest }),
        };
      case 'approval':
        return {
          ...form,
          approvers: [...step.approvers],
          mode: step.mode,
          allowSelfApproval: step.allowSelfApproval === true,
          approvalTimeoutMinutes:
            step.timeoutSeconds === undefined
              ? ''
              : String(Math.round((step.timeoutSeconds / 60) * 1000) / 1000),
        };
      default:
        return {
          ...form,
          waitFor:
            step.untilParameter !== undefined
              ? ('until' as const)
              : ('seconds' as const),
          seconds: step.seconds === undefined ? '' : String(step.seconds),
          untilParameter: step.untilParameter ?? '',
        };
    }
  });
  const keyById = new Map(forms.map(form => [form.id, form.key]));
  return forms.map((form, i) => ({
    ...form,
    // An unknown id is kept as typed, so the backend names it.
    dependsOn: steps[i].dependsOn.map(id => keyById.get(id) ?? id),
  }));
}

function toRequest(step: StepForm): WorkflowRequest {
  const headers = step.headers.filter(
    header => header.name.trim() !== '' || header.value !== '',
  );
  return {
    method: step.method as WorkflowRequestMethod,
    url: step.url.trim(),
    ...(headers.length > 0 && {
      headers: Object.fromEntries(
        headers.map(header => [header.name.trim(), header.value]),
      ),
    }),
    ...(step.body.trim() !== '' && { body: step.body }),
  };
}

/** The step a form saves, its dependencies named by the steps' ids. */
function toStep(step: StepForm, idByKey: Map<string, string>): WorkflowStep {
  const base = {
    id: step.id.trim(),
    name: step.name.trim(),
    dependsOn: step.dependsOn.map(key => idByKey.get(key) ?? key),
  };
  switch (step.kind) {
    case 'request': {
      const timeout = parseNumber(step.timeout);
      const attempts = parseNumber(step.maxAttempts);
      const signingKey = step.signingKey.trim();
      const delivery = {
        ...(attempts !== undefined &&
          attempts !== DEFAULT_MAX_ATTEMPTS && { maxAttempts: attempts }),
        ...(signingKey !== '' && { signingKey }),
      };
      const outputs = step.outputs.filter(
        output => output.name.trim() !== '' || output.pointer !== '',
      );
      return {
        ...base,
        kind: 'request',
        execution:
          step.executionType === 'event-driven'
            ? {
                type: 'event-driven',
                ...(timeout !== undefined && {
                  timeoutSeconds: Math.round(
                    timeout * (step.timeoutUnit === 'hours' ? 3600 : 60),
                  ),
                }),
              }
            : { type: 'simple' },
        request: toRequest(step),
        ...(Object.keys(delivery).length > 0 && { delivery }),
        ...(outputs.length > 0 && {
          outputs: Object.fromEntries(
            outputs.map(output => [output.name.trim(), output.pointer.trim()]),
          ),
        }),
        // Only an event-driven step is told of a cancellation.
        ...(step.cancelRequest &&
          step.executionType === 'event-driven' && {
            cancelRequest: step.cancelRequest,
          }),
      };
    }
    case 'approval': {
      // Numbers that do not parse are stopped by checkSteps before saving.
      const minutes = parseNumber(step.approvalTimeoutMinutes);
      return {
        ...base,
        kind: 'approval',
        approvers: [...step.approvers],
        mode: step.mode,
        ...(step.allowSelfApproval && { allowSelfApproval: true }),
        ...(minutes !== undefined && {
          timeoutSeconds: Math.round(minutes * 60),
        }),
      };
    }
    default: {
      const seconds = parseNumber(step.seconds);
      return {
        ...base,
        kind: 'wait',
        ...(step.waitFor === 'seconds'
          ? seconds !== undefined && { seconds }
          : { untilParameter: step.untilParameter }),
      };
    }
  }
}

/** The steps the backend accepts for the forms, in the order shown. */
export function formsToSteps(steps: StepForm[]): WorkflowStep[] {
  const idByKey = new Map(steps.map(step => [step.key, step.id.trim()]));
  return steps.map(step => toStep(step, idByKey));
}

/**
 * The workflow form as a request step's fields see it: the workflow's
 * parameters and scope (for the variables), the step's request fields.
 */
export function requestView(form: WorkflowForm, step: StepForm): WorkflowForm {
  return { ...form, ...requestFields(step), steps: undefined };
}

/** The step with the request fields of an edited view of it. */
export function fromRequestView(step: StepForm, view: WorkflowForm): StepForm {
  const fields = requestFields(view);
  const changed = (Object.keys(fields) as Array<keyof RequestFieldsForm>).some(
    field => fields[field] !== step[field],
  );
  return changed ? { ...step, ...fields } : step;
}

/**
 * A one-request workflow's form as a workflow of one step that sends the
 * same request, so more steps can be added around it.
 */
export function splitIntoSteps(form: WorkflowForm): WorkflowForm {
  const step: StepForm = {
    ...emptyStep('request'),
    id: 'request',
    idEdited: true,
    name: 'Send the request',
  };
  return { ...form, steps: [fromRequestView(step, form)] };
}

/**
 * Whether the steps can go back to a single request: one request step,
 * whose outputs and step variables a single request would not have.
 */
export function canJoinSteps(form: WorkflowForm): boolean {
  const steps = form.steps ?? [];
  return (
    steps.length === 1 &&
    steps[0].kind === 'request' &&
    steps[0].outputs.length === 0 &&
    !steps[0].cancelRequest &&
    !/\{\{\s*steps?\./.test(
      [steps[0].url, steps[0].body, ...steps[0].headers.map(h => h.value)].join(
        '\n',
      ),
    )
  );
}

/** The form of a single request from a workflow of one request step. */
export function joinSteps(form: WorkflowForm): WorkflowForm {
  const [step] = form.steps ?? [];
  if (!step || !canJoinSteps(form)) {
    return form;
  }
  return { ...requestView(form, step), steps: undefined };
}

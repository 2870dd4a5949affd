import type {
  RunInputs,
  RunStepOutputValue,
  WorkflowParameter,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * The values a workflow's request can use, by placeholder name:
 * `{{run.id}}`, `{{workflow.name}}`, `{{data.region}}`, `{{entity.ref}}`,
 * `{{secrets.DEPLOY_TOKEN}}` and so on.
 */
export interface TemplateContext {
  run: {
    id: string;
    /** Where the external system posts messages, links and status. */
    callbackUrl: string;
    /** The run's own callback token; a secret, redacted when recorded. */
    token: string;
  };
  workflow: { identifier: string; name: string };
  /** Input values by parameter identifier. */
  data: RunInputs;
  /** Only for entity-scoped workflows. */
  entity?: {
    /** `metadata.name`, for example `payments-api`. */
    identifier: string;
    /** `metadata.title`, or the empty string when unset. */
    name: string;
    /** For example `component:default/payments-api`. */
    ref: string;
    kind: string;
    namespace: string;
  };
  user: { ref: string };
  /** From `selfService.secrets` in app-config; redacted when recorded. */
  secrets: Record<string, string>;
  /** The step being sent, in a multi-step workflow. */
  step?: {
    id: string;
    /** Where the step's external system posts its status and outputs. */
    callbackUrl: string;
    /** The step's own callback token; a secret, redacted when recorded. */
    token: string;
  };
  /** Outputs of the steps that succeeded, by step id. */
  steps?: Record<string, { outputs: Record<string, RunStepOutputValue> }>;
}

/**
 * The `data` of a template context: every declared parameter, with the
 * empty string for an optional one given no value and no default, so
 * `{{data.x}}` always renders (as `""` where it is a whole JSON value).
 */
export function templateData(
  parameters: ReadonlyArray<WorkflowParameter>,
  inputs: RunInputs,
): RunInputs {
  return Object.fromEntries(
    parameters.map(({ identifier }) => [
      identifier,
      Object.prototype.hasOwnProperty.call(inputs, identifier)
        ? inputs[identifier]
        : '',
    ]),
  );
}

/** Variable names that exist for every workflow, whatever its parameters. */
export const FIXED_VARIABLES = [
  'run.id',
  'run.callbackUrl',
  'run.token',
  'workflow.identifier',
  'workflow.name',
  'user.ref',
] as const;

/** Variable names that exist only for entity-scoped workflows. */
export const ENTITY_VARIABLES = [
  'entity.identifier',
  'entity.name',
  'entity.ref',
  'entity.kind',
  'entity.namespace',
] as const;

/**
 * The value of a placeholder, or undefined if the context has none. Values
 * keep their type (numbers and booleans stay numbers and booleans).
 */
export function lookupVariable(
  context: TemplateContext,
  name: string,
): string | number | boolean | undefined {
  const [head, ...rest] = name.split('.');
  if (head === 'steps') {
    return lookupStepOutput(context, rest);
  }
  if (rest.length !== 1) {
    return undefined;
  }
  const key = rest[0];
  const scope: Record<string, unknown> | undefined = {
    run: context.run,
    workflow: context.workflow,
    data: context.data,
    entity: context.entity,
    user: context.user,
    secrets: context.secrets,
    step: context.step,
  }[head];
  if (!scope || !Object.prototype.hasOwnProperty.call(scope, key)) {
    return undefined;
  }
  return scalar(scope[key]);
}

/** `steps.<id>.outputs.<name>`: own properties only, so `__proto__` finds nothing. */
function lookupStepOutput(
  context: TemplateContext,
  [stepId, outputs, output, ...extra]: string[],
): string | number | boolean | undefined {
  if (outputs !== 'outputs' || output === undefined || extra.length > 0) {
    return undefined;
  }
  const steps = context.steps ?? {};
  if (!Object.prototype.hasOwnProperty.call(steps, stepId)) {
    return undefined;
  }
  const values = steps[stepId].outputs;
  return Object.prototype.hasOwnProperty.call(values, output)
    ? scalar(values[output])
    : undefined;
}

function scalar(value: unknown): string | number | boolean | undefined {
  return typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
    ? value
    : undefined;
}

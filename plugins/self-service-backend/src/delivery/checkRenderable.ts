import { InputError } from '@backstage/errors';
import {
  hasSteps,
  type RunInputs,
  type RunStepOutputValue,
  upstreamStepIds,
  type WorkflowDefinition,
  type WorkflowParameter,
  type WorkflowRequestStep,
  type WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { DeliveryEntity } from '../database/deliveryRows';
import { generateRunToken } from '../runs/runToken';
import { renderDeliveryRequest } from './renderDeliveryRequest';

/** Stands in for the run's id before the run exists: the same shape. */
const SAMPLE_RUN_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Refuses, before a run is stored, inputs its request cannot be built
 * with (a value that would make a `..` path segment, a line break in a
 * header): a 400 naming `inputs.<parameter>`, instead of a run that fails
 * a moment later. Which input is to blame is found by rendering again with
 * each input replaced by a harmless value of its type; when none is, the
 * workflow's request itself cannot be built, and the error names its field.
 */
export function checkRenderable(options: {
  definition: WorkflowDefinition;
  inputs: RunInputs;
  entity?: DeliveryEntity;
  requestedBy: string;
  secrets: Record<string, string>;
  callbackBaseUrl: string;
}): void {
  const { definition } = options;
  const renderOne = (inputs: RunInputs, step?: WorkflowRequestStep) =>
    renderDeliveryRequest({
      definition,
      run: { id: SAMPLE_RUN_ID, inputs, requestedBy: options.requestedBy },
      entity: options.entity,
      token: generateRunToken(),
      callbackBaseUrl: options.callbackBaseUrl,
      secrets: options.secrets,
      webhookId: 'msg_check',
      signingSecrets: [],
      ...(step &&
        hasSteps(definition) && {
          step: { step, outputs: sampleOutputs(definition.steps, step.id) },
        }),
    });
  // Every request step, with stand-ins for the outputs it will be given:
  // what the inputs alone make unbuildable is refused before the run.
  const render = (inputs: RunInputs) => {
    if (!hasSteps(definition)) {
      renderOne(inputs);
      return;
    }
    for (const step of definition.steps) {
      if (step.kind === 'request') {
        renderOne(inputs, step);
      }
    }
  };
  const failure = renderError(() => render(options.inputs));
  if (!failure) {
    return;
  }
  for (const parameter of options.definition.parameters) {
    if (
      !Object.prototype.hasOwnProperty.call(
        options.inputs,
        parameter.identifier,
      )
    ) {
      continue;
    }
    const replaced = {
      ...options.inputs,
      [parameter.identifier]: harmlessValue(parameter),
    };
    if (!renderError(() => render(replaced))) {
      throw new InputError(
        `inputs.${parameter.identifier}: this value cannot be sent in the workflow's request (${failure.message})`,
      );
    }
  }
  throw new InputError(
    `The workflow's request cannot be built for this run: ${failure.message}`,
  );
}

/** A harmless value for every output of every step upstream of `stepId`. */
function sampleOutputs(
  steps: ReadonlyArray<WorkflowStep>,
  stepId: string,
): Record<string, Record<string, RunStepOutputValue>> {
  const upstream = upstreamStepIds(steps, stepId);
  return Object.fromEntries(
    steps
      .filter(step => upstream.has(step.id))
      .map(step => [
        step.id,
        Object.fromEntries(
          Object.keys(step.kind === 'request' ? step.outputs ?? {} : {}).map(
            name => [name, 'x'],
          ),
        ),
      ]),
  );
}

function renderError(render: () => unknown): InputError | undefined {
  try {
    render();
    return undefined;
  } catch (error) {
    if (error instanceof InputError) {
      return error;
    }
    throw error;
  }
}

function harmlessValue(
  parameter: WorkflowParameter,
): string | number | boolean {
  switch (parameter.type) {
    case 'integer':
    case 'float':
      return 1;
    case 'boolean':
      return true;
    case 'select':
      return parameter.options?.[0] ?? 'x';
    default:
      return 'x';
  }
}

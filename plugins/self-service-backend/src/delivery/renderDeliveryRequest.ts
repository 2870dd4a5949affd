import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type {
  RunInputs,
  RunStepOutputValue,
  WorkflowDefinition,
  WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { DeliveryEntity } from '../database/deliveryRows';
import { type RenderedRequest, renderRequest } from '../dispatch';
import {
  templateData,
  type TemplateContext,
} from '../workflows/templateContext';
import { webhookHeaders } from './webhookHeaders';

/** What one attempt's request is made of. */
export interface DeliveryRequestInput {
  definition: WorkflowDefinition;
  run: { id: string; inputs: RunInputs; requestedBy: string };
  entity?: DeliveryEntity;
  /** The callback token this attempt carries. */
  token: string;
  callbackBaseUrl: string;
  secrets: Record<string, string>;
  /**
   * For the request of a step of a multi-step workflow: the step, and the
   * outputs of the steps that succeeded so far, by step id.
   */
  step?: {
    step: WorkflowRequestStep;
    outputs: Record<string, Record<string, RunStepOutputValue>>;
  };
}

/** The entity variables of a request, fixed when its run becomes due. */
export function deliveryEntity(
  entity: Entity | undefined,
): DeliveryEntity | undefined {
  return entity
    ? {
        identifier: entity.metadata.name,
        name: entity.metadata.title ?? '',
        ref: stringifyEntityRef(entity),
        kind: entity.kind,
        namespace: entity.metadata.namespace ?? 'default',
      }
    : undefined;
}

/** The variables a run's request is rendered with. */
export function deliveryTemplateContext(
  input: DeliveryRequestInput,
): TemplateContext {
  const { definition, run, step } = input;
  const runUrl = `${input.callbackBaseUrl}/runs/${run.id}`;
  return {
    run: { id: run.id, callbackUrl: runUrl, token: input.token },
    workflow: { identifier: definition.identifier, name: definition.name },
    data: templateData(definition.parameters, run.inputs),
    entity: input.entity,
    user: { ref: run.requestedBy },
    secrets: input.secrets,
    ...(step && {
      step: {
        id: step.step.id,
        callbackUrl: `${runUrl}/steps/${encodeURIComponent(step.step.id)}`,
        token: input.token,
      },
      // Only what the step may use: saving refuses any other step's outputs.
      steps: Object.fromEntries(
        Object.entries(step.outputs).map(([id, outputs]) => [id, { outputs }]),
      ),
    }),
  };
}

/**
 * Renders one attempt's request (the workflow's, or the step's), with its
 * Standard Webhooks headers: the delivery's `webhook-id`, and signatures
 * when the workflow (or step) names a key.
 * @throws InputError naming the part of the request that cannot be built.
 */
export function renderDeliveryRequest(
  input: DeliveryRequestInput & {
    webhookId: string;
    signingSecrets: ReadonlyArray<string>;
  },
): RenderedRequest {
  const request = input.step
    ? input.step.step.request
    : input.definition.request;
  if (!request) {
    throw new Error(
      `Workflow '${input.definition.identifier}' has steps: render one step's request`,
    );
  }
  const rendered = renderRequest(request, deliveryTemplateContext(input));
  return {
    ...rendered,
    headers: {
      ...rendered.headers,
      ...webhookHeaders({
        webhookId: input.webhookId,
        body: rendered.body,
        secrets: input.signingSecrets,
      }),
    },
  };
}

import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type {
  RunInputs,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { REDACTED, renderRequest, type RenderedRequest } from '../dispatch';
import { templateData, type TemplateContext } from './templateContext';

/** The run id a preview renders with. */
export const PREVIEW_RUN_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Renders a workflow's request for sample inputs exactly as a run would, with
 * the same injection-safe rendering, but with a sample run id and token and
 * every secret shown as `[REDACTED]`, so editors never see secret values.
 */
export function previewRequest(options: {
  definition: WorkflowDefinition;
  inputs: RunInputs;
  entity?: Entity;
  user: string;
  callbackBaseUrl: string;
  secretNames: Iterable<string>;
}): RenderedRequest {
  const { definition, inputs, entity } = options;
  if (!definition.request) {
    throw new InputError(
      'steps: a workflow of steps has no single request to preview',
    );
  }
  const { request } = definition;
  const context: TemplateContext = {
    run: {
      id: PREVIEW_RUN_ID,
      callbackUrl: `${options.callbackBaseUrl}/runs/${PREVIEW_RUN_ID}`,
      token: REDACTED,
    },
    workflow: { identifier: definition.identifier, name: definition.name },
    data: templateData(definition.parameters, inputs),
    entity: entity
      ? {
          identifier: entity.metadata.name,
          name: entity.metadata.title ?? '',
          ref: stringifyEntityRef(entity),
          kind: entity.kind,
          namespace: entity.metadata.namespace ?? 'default',
        }
      : undefined,
    user: { ref: options.user },
    secrets: Object.fromEntries(
      [...options.secretNames].map(name => [name, REDACTED]),
    ),
  };
  return renderRequest(request, context);
}

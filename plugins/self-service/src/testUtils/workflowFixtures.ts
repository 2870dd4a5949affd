import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { makeWorkflow } from './fixtures';

/** A catalog entity of a kind, optionally with a type, title and owner. */
export function makeEntity(
  kind: string,
  name: string,
  options: { type?: string; title?: string; owner?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      ...(options.title ? { title: options.title } : {}),
    },
    spec: {
      ...(options.type ? { type: options.type } : {}),
      ...(options.owner ? { owner: options.owner } : {}),
    },
    relations: options.owner
      ? [{ type: RELATION_OWNED_BY, targetRef: options.owner }]
      : [],
  };
}

/**
 * A workflow with one parameter of every type: a required string, an integer
 * with a default, an optional float, a boolean that defaults to on and a
 * required select with a default.
 */
export function makeWorkflowWithParameters(
  overrides: Parameters<typeof makeWorkflow>[0] = {},
) {
  return makeWorkflow({
    parameters: [
      {
        identifier: 'reason',
        name: 'Reason',
        description: 'Why the service needs a restart.',
        type: 'string',
        required: true,
      },
      {
        identifier: 'replicas',
        name: 'Replicas',
        description: 'How many pods to keep.',
        type: 'integer',
        required: false,
        default: 2,
      },
      {
        identifier: 'ratio',
        name: 'Surge ratio',
        type: 'float',
        required: false,
      },
      {
        identifier: 'drain',
        name: 'Drain connections',
        description: 'Wait for open connections to close.',
        type: 'boolean',
        required: false,
        default: true,
      },
      {
        identifier: 'env',
        name: 'Environment',
        type: 'select',
        required: true,
        options: ['staging', 'production'],
        default: 'staging',
      },
    ],
    ...overrides,
  });
}

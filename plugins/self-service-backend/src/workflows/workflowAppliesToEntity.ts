import type { Entity } from '@backstage/catalog-model';
import type { WorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';

/**
 * Whether an entity-scoped workflow applies to an entity: its kind is one of
 * the workflow's kinds and, when the workflow names types, its `spec.type` is
 * one of them. Kinds and types compare case-insensitively, like the catalog.
 */
export function workflowAppliesToEntity(
  workflow: Pick<WorkflowDefinition, 'scope'>,
  entity: Entity,
): boolean {
  const { scope } = workflow;
  if (scope.type !== 'entity') {
    return false;
  }
  const kind = entity.kind.toLocaleLowerCase('en-US');
  if (!scope.kinds.some(k => k.toLocaleLowerCase('en-US') === kind)) {
    return false;
  }
  if (!scope.types || scope.types.length === 0) {
    return true;
  }
  const specType = entity.spec?.type;
  if (typeof specType !== 'string') {
    return false;
  }
  const type = specType.toLocaleLowerCase('en-US');
  return scope.types.some(t => t.toLocaleLowerCase('en-US') === type);
}

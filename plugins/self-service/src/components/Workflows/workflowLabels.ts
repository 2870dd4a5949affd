import {
  WorkflowListAccess,
  WorkflowScope,
} from '@backstage-self-service/plugin-self-service-common';

/** Where a workflow applies, in words: `Global` or `Entity: Component, API`. */
export function scopeLabel(scope: WorkflowScope): string {
  if (scope.type === 'global') {
    return 'Global';
  }
  const kinds = scope.kinds.join(', ');
  if (scope.types?.length) {
    return `Entity: ${kinds} (${scope.types.join(', ')})`;
  }
  return `Entity: ${kinds}`;
}

/**
 * A short mark for workflows that not everyone may simply run, or undefined
 * when everyone may.
 */
export function accessLabel(
  access: Pick<WorkflowListAccess, 'type'>,
): string | undefined {
  switch (access.type) {
    case 'approval':
      return 'Approval required';
    case 'selected':
      return 'Selected members only';
    case 'owners':
      return 'Owners only';
    default:
      return undefined;
  }
}

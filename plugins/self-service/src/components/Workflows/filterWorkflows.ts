import { WorkflowSummary } from '@backstage-self-service/plugin-self-service-common';

/** Which scopes to show. */
export type WorkflowScopeFilter = 'all' | 'global' | 'entity';

/** What the Self-Service page narrows its workflows down to. */
export interface WorkflowFilters {
  /** Words to find in the name, description or identifier. */
  search: string;
  scope: WorkflowScopeFilter;
  /** Only workflows whose runs need approval. */
  approvalOnly: boolean;
}

/**
 * The workflows that match the filters. The search is case-insensitive and
 * every word must appear in the name, description or identifier.
 */
export function filterWorkflows(
  workflows: WorkflowSummary[],
  filters: WorkflowFilters,
): WorkflowSummary[] {
  const words = filters.search.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  return workflows.filter(workflow => {
    if (filters.scope !== 'all' && workflow.scope.type !== filters.scope) {
      return false;
    }
    if (filters.approvalOnly && workflow.access.type !== 'approval') {
      return false;
    }
    const text = [
      workflow.name,
      workflow.description ?? '',
      workflow.identifier,
    ]
      .join('\n')
      .toLocaleLowerCase();
    return words.every(word => text.includes(word));
  });
}

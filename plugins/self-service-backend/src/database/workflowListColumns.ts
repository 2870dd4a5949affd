import {
  WorkflowDefinition,
  workflowSearchText,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * What `GET /workflows` filters on, copied from a definition onto its
 * `workflows` row with every revision so that lists filter, count and page
 * in SQL (migration 20261203090000_workflow_list explains the encoding).
 */
export interface WorkflowListColumns {
  scope_type: string;
  scope_kinds: string | null;
  scope_types: string | null;
  access_type: string;
  search_text: string;
}

/** Lowercased the way list filters compare, like the catalog compares kinds. */
export function listCase(value: string): string {
  return value.toLocaleLowerCase('en-US');
}

function bars(values: string[] | undefined): string | null {
  return values && values.length > 0
    ? `|${values.map(listCase).join('|')}|`
    : null;
}

export function workflowListColumns(
  definition: WorkflowDefinition,
): WorkflowListColumns {
  const { scope } = definition;
  return {
    scope_type: scope.type,
    scope_kinds: scope.type === 'entity' ? bars(scope.kinds) : null,
    scope_types: scope.type === 'entity' ? bars(scope.types) : null,
    access_type: definition.access.type,
    // The page narrows the cards it shows with the same text and words.
    search_text: workflowSearchText(definition),
  };
}

import { InputError } from '@backstage/errors';

/** The parameters of `GET /workflows`, checked. */
export interface WorkflowListParams {
  search?: string;
  scope?: 'global' | 'entity';
  approval?: boolean;
  entityRef?: string;
  cursor?: string;
  limit: number;
}

export const DEFAULT_WORKFLOW_PAGE_SIZE = 24;
export const MAX_WORKFLOW_PAGE_SIZE = 100;
/** Every word becomes a LIKE of its own; a search box needs far fewer. */
export const MAX_SEARCH_LENGTH = 200;

/**
 * Checks the query of `GET /workflows`; a bad parameter is a 400 that names
 * it. The entity ref is checked by the router, which looks the entity up, and
 * the cursor by the store, which made it.
 * @throws InputError naming the parameter.
 */
export function parseWorkflowListQuery(
  query: Record<string, unknown>,
): WorkflowListParams {
  const search = optionalString(query, 'search');
  if (search !== undefined && search.length > MAX_SEARCH_LENGTH) {
    throw new InputError(`search: at most ${MAX_SEARCH_LENGTH} characters`);
  }
  const scope = optionalString(query, 'scope');
  if (scope !== undefined && scope !== 'global' && scope !== 'entity') {
    throw new InputError("scope: must be 'global' or 'entity'");
  }
  return {
    ...(search?.trim() ? { search: search.trim() } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(parseBoolean(query.approval) ? { approval: true } : {}),
    ...optional('entityRef', optionalString(query, 'entityRef')),
    ...optional('cursor', optionalString(query, 'cursor')),
    limit: parseLimit(query.limit),
  };
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function optionalString(
  query: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = query[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InputError(`${name}: must be given once, as a string`);
  }
  return value;
}

function parseBoolean(value: unknown): boolean {
  if (value === undefined || value === false || value === 'false') {
    return false;
  }
  if (value === true || value === 'true') {
    return true;
  }
  throw new InputError("approval: must be 'true' or 'false'");
}

function parseLimit(value: unknown): number {
  if (value === undefined) {
    return DEFAULT_WORKFLOW_PAGE_SIZE;
  }
  // Query values are strings; digits only, so '1e2' and ' 5' are refused.
  const limit =
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_WORKFLOW_PAGE_SIZE) {
    throw new InputError(
      `limit: must be an integer from 1 to ${MAX_WORKFLOW_PAGE_SIZE}`,
    );
  }
  return limit;
}

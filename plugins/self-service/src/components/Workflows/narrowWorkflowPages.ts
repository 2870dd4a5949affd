import {
  matchesWorkflowSearch,
  narrowsWorkflowSearch,
} from '@backstage-self-service/plugin-self-service-common';
import { WorkflowPages } from './useWorkflowPages';

/**
 * The workflows to show while a search typed on is on its way to the server:
 * the cards already loaded that match what is typed, at once. Every match of
 * a narrower search is a match of the one loaded, so this shows no card the
 * server would not; the server's answer then adds those not loaded yet. A
 * search that widens (a word deleted) waits for the server.
 */
export function narrowWorkflowPages(
  pages: WorkflowPages,
  typedSearch: string,
): WorkflowPages {
  const { loaded } = pages;
  const loadedSearch = loaded?.filters.search ?? '';
  if (
    !loaded ||
    typedSearch === loadedSearch ||
    !narrowsWorkflowSearch(loadedSearch, typedSearch)
  ) {
    return pages;
  }
  const items = loaded.items.filter(item =>
    matchesWorkflowSearch(item, typedSearch),
  );
  // With every match of the loaded search at hand, these are every match.
  const complete = !loaded.nextCursor;
  return {
    ...pages,
    loaded: {
      filters: { ...loaded.filters, search: typedSearch },
      items,
      totalCount: complete ? items.length : loaded.totalCount,
    },
    hasMore: false,
    narrowed: !complete,
  };
}

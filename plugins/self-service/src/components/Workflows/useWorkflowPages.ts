import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  WorkflowListFilters,
  WorkflowListItem,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';

/** How many workflows one page asks for. */
export const WORKFLOW_PAGE_SIZE = 24;

/** The workflows loaded so far for one set of filters. */
export interface LoadedWorkflows {
  /** The filters these workflows match. */
  filters: WorkflowListFilters;
  items: WorkflowListItem[];
  /** How many match the filters in all, on every page. */
  totalCount: number;
  nextCursor?: string;
}

interface WorkflowPagesState {
  loaded?: LoadedWorkflows;
  loading: boolean;
  error?: Error;
  loadingMore: boolean;
  loadMoreError?: Error;
}

/** The filters that are set, so equal filters compare equal. */
function setFilters(filters: WorkflowListFilters): WorkflowListFilters {
  const { search, scope, approval, entityRef } = filters;
  return {
    ...(search ? { search } : {}),
    ...(scope ? { scope } : {}),
    ...(approval ? { approval } : {}),
    ...(entityRef ? { entityRef } : {}),
  };
}

/** What {@link useWorkflowPages} gives. */
export interface WorkflowPages {
  /**
   * The workflows of the latest filters that answered; while the answer to
   * newer filters is on its way, those of the previous ones.
   */
  loaded?: LoadedWorkflows;
  /** The first page of the current filters is on its way. */
  loading: boolean;
  /** Why the first page of the current filters could not be loaded. */
  error?: Error;
  hasMore: boolean;
  /**
   * The cards shown are those loaded that match a narrower search typed
   * since; the server's answer may add more (see narrowWorkflowPages).
   */
  narrowed?: boolean;
  loadingMore: boolean;
  loadMoreError?: Error;
  /** Appends the next page of the workflows loaded. */
  loadMore(): void;
}

/**
 * Loads the first page of the workflows that match the filters, and the next
 * pages on demand. When the filters change, the workflows loaded stay until
 * the answer for the new filters arrives; an answer to older filters never
 * replaces that to newer ones.
 */
export function useWorkflowPages(
  filters: WorkflowListFilters,
  limit: number = WORKFLOW_PAGE_SIZE,
): WorkflowPages {
  const api = useApi(selfServiceApiRef);
  const { search, scope, approval, entityRef } = filters;
  const [state, setState] = useState<WorkflowPagesState>({
    loading: true,
    loadingMore: false,
  });
  // Answers that arrive after the filters changed belong to an old list.
  const generation = useRef(0);

  useEffect(() => {
    const current = ++generation.current;
    const asked = setFilters({ search, scope, approval, entityRef });
    setState(prev => ({
      loaded: prev.loaded,
      loading: true,
      loadingMore: false,
    }));
    api.listWorkflows({ ...asked, limit }).then(
      page => {
        if (current === generation.current) {
          setState({
            loaded: {
              filters: asked,
              items: page.items,
              totalCount: page.totalCount,
              nextCursor: page.nextCursor,
            },
            loading: false,
            loadingMore: false,
          });
        }
      },
      error => {
        if (current === generation.current) {
          setState(prev => ({
            loaded: prev.loaded,
            loading: false,
            loadingMore: false,
            error,
          }));
        }
      },
    );
  }, [api, search, scope, approval, entityRef, limit]);

  const { loaded, loadingMore } = state;
  const loadMore = useCallback(async () => {
    if (!loaded?.nextCursor || loadingMore) {
      return;
    }
    const current = generation.current;
    setState(prev => ({
      ...prev,
      loadingMore: true,
      loadMoreError: undefined,
    }));
    try {
      const page = await api.listWorkflows({
        ...loaded.filters,
        cursor: loaded.nextCursor,
        limit,
      });
      if (current === generation.current) {
        setState(prev => {
          // The list was replaced meanwhile, by the answer to new filters.
          if (!prev.loaded || prev.loaded !== loaded) {
            return { ...prev, loadingMore: false };
          }
          // A workflow published meanwhile may come again; show it once.
          const seen = new Set(prev.loaded.items.map(item => item.id));
          return {
            ...prev,
            loaded: {
              ...prev.loaded,
              items: [
                ...prev.loaded.items,
                ...page.items.filter(item => !seen.has(item.id)),
              ],
              totalCount: page.totalCount,
              nextCursor: page.nextCursor,
            },
            loadingMore: false,
          };
        });
      }
    } catch (error) {
      if (current === generation.current) {
        setState(prev => ({
          ...prev,
          loadingMore: false,
          loadMoreError: error as Error,
        }));
      }
    }
  }, [api, loaded, loadingMore, limit]);

  return {
    loaded: state.loaded,
    loading: state.loading,
    error: state.error,
    hasMore: Boolean(state.loaded?.nextCursor),
    loadingMore: state.loadingMore,
    loadMoreError: state.loadMoreError,
    loadMore,
  };
}

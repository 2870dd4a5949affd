import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { Run } from '@backstage-self-service/plugin-self-service-common';
import { ListRunsOptions, selfServiceApiRef } from '../../api';

/** Which runs to list: every option of `listRuns` but the cursor. */
export type RunFilter = Omit<ListRunsOptions, 'cursor'>;

interface RunPagesState {
  runs?: Run[];
  nextCursor?: string;
  loading: boolean;
  error?: Error;
  loadingMore: boolean;
  loadMoreError?: Error;
}

/**
 * Loads the first page of runs that match a filter, and further pages on
 * demand through `loadMore`.
 */
export function useRunPages(filter: RunFilter) {
  const api = useApi(selfServiceApiRef);
  const {
    entityRef,
    touching,
    expiring,
    workflow,
    status,
    mine,
    approvable,
    limit,
  } = filter;
  const [state, setState] = useState<RunPagesState>({
    loading: true,
    loadingMore: false,
  });
  // Answers that arrive after the filter changed belong to an old list.
  const generation = useRef(0);

  useEffect(() => {
    const current = ++generation.current;
    setState({ loading: true, loadingMore: false });
    api
      .listRuns({
        entityRef,
        touching,
        expiring,
        workflow,
        status,
        mine,
        approvable,
        limit,
      })
      .then(
        page => {
          if (current === generation.current) {
            setState({
              runs: page.items,
              nextCursor: page.nextCursor,
              loading: false,
              loadingMore: false,
            });
          }
        },
        error => {
          if (current === generation.current) {
            setState({ loading: false, loadingMore: false, error });
          }
        },
      );
  }, [
    api,
    entityRef,
    touching,
    expiring,
    workflow,
    status,
    mine,
    approvable,
    limit,
  ]);

  const { nextCursor, loadingMore } = state;
  const loadMore = useCallback(async () => {
    if (!nextCursor || loadingMore) {
      return;
    }
    const current = generation.current;
    setState(prev => ({
      ...prev,
      loadingMore: true,
      loadMoreError: undefined,
    }));
    try {
      const page = await api.listRuns({
        entityRef,
        touching,
        expiring,
        workflow,
        status,
        mine,
        approvable,
        limit,
        cursor: nextCursor,
      });
      if (current === generation.current) {
        setState(prev => ({
          ...prev,
          runs: [...(prev.runs ?? []), ...page.items],
          nextCursor: page.nextCursor,
          loadingMore: false,
        }));
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
  }, [
    api,
    entityRef,
    touching,
    expiring,
    workflow,
    status,
    mine,
    approvable,
    limit,
    nextCursor,
    loadingMore,
  ]);

  return {
    runs: state.runs,
    loading: state.loading,
    error: state.error,
    hasMore: Boolean(state.nextCursor),
    loadingMore: state.loadingMore,
    loadMoreError: state.loadMoreError,
    loadMore,
  };
}

import { useEffect, useRef } from 'react';
import { Box, Button, Typography } from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { RunsTable } from './RunsTable';
import { RunFilter, useRunPages } from './useRunPages';

/** Props of {@link RunList}. */
export interface RunListProps {
  /** Which runs to list. */
  filter: RunFilter;
  /** The id of the heading that names the list. */
  labelledBy: string;
  /** Shown when no run matches. */
  emptyText: string;
  /** Show the entity each run was against; defaults to true. */
  showEntity?: boolean;
  /** Show who requested each run; defaults to true. */
  showRequester?: boolean;
}

/**
 * Loads runs page by page and shows them as a table, with a button that loads
 * the next page while there is one.
 */
export function RunList(props: RunListProps) {
  const { filter, labelledBy, emptyText, showEntity, showRequester } = props;
  const {
    runs,
    loading,
    error,
    hasMore,
    loadingMore,
    loadMoreError,
    loadMore,
  } = useRunPages(filter);
  const countRef = useRef<HTMLElement>(null);
  const loadMoreClicked = useRef(false);

  // The button goes away with the last page; keep keyboard focus nearby
  // instead of letting it fall back to the start of the document.
  useEffect(() => {
    if (loadMoreClicked.current && !loadingMore && !hasMore) {
      loadMoreClicked.current = false;
      countRef.current?.focus();
    }
  }, [loadingMore, hasMore]);

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel title="Could not load runs" error={error} />;
  }
  if (!runs?.length) {
    return (
      <Typography variant="body1" color="textSecondary">
        {emptyText}
      </Typography>
    );
  }

  return (
    <>
      <RunsTable
        runs={runs}
        labelledBy={labelledBy}
        showEntity={showEntity}
        showRequester={showRequester}
      />
      <Typography
        ref={countRef}
        tabIndex={-1}
        variant="body2"
        color="textSecondary"
        role="status"
      >
        {runs.length === 1 ? 'Showing 1 run.' : `Showing ${runs.length} runs.`}
      </Typography>
      {loadMoreError && (
        <ResponseErrorPanel
          title="Could not load more runs"
          error={loadMoreError}
        />
      )}
      {hasMore && (
        <Box mt={2}>
          <Button
            variant="outlined"
            onClick={() => {
              loadMoreClicked.current = true;
              loadMore();
            }}
            aria-busy={loadingMore}
          >
            {loadingMore ? 'Loading more runs…' : 'Load more runs'}
          </Button>
        </Box>
      )}
    </>
  );
}

import { ReactElement, useEffect, useRef } from 'react';
import { Box, Button, Grid, Typography, makeStyles } from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { WorkflowCard } from './WorkflowCard';
import { WorkflowPages, useWorkflowPages } from './useWorkflowPages';

const useStyles = makeStyles(theme => ({
  grid: {
    padding: 0,
    margin: 0,
    width: '100%',
  },
  item: {
    listStyle: 'none',
    minWidth: 0,
  },
  summary: {
    marginBottom: theme.spacing(2),
  },
  more: {
    display: 'flex',
    justifyContent: 'center',
    marginTop: theme.spacing(2),
  },
}));

/** Props of {@link WorkflowGrid}. */
export interface WorkflowGridProps {
  workflows: WorkflowListItem[];
  /** The entity runs are for, fixed (on an entity page). */
  entityRef?: string;
  /** Offer Edit links to those allowed to edit each workflow. */
  showEditLinks?: boolean;
}

/** Workflows as a grid of cards, as a list for assistive technology. */
export function WorkflowGrid(props: WorkflowGridProps) {
  const { workflows, entityRef, showEditLinks } = props;
  const classes = useStyles();
  return (
    <Grid container spacing={2} component="ul" className={classes.grid}>
      {workflows.map(workflow => (
        <Grid
          item
          key={workflow.id}
          xs={12}
          md={6}
          lg={4}
          component="li"
          className={classes.item}
        >
          <WorkflowCard
            workflow={workflow}
            entityRef={entityRef}
            showEditLink={showEditLinks}
          />
        </Grid>
      ))}
    </Grid>
  );
}

/**
 * How many workflows are on show of how many match:
 * `Showing 24 of 1,203 workflows matching your search.`
 */
export function workflowCountText(
  shown: number,
  total: number,
  matching?: string,
): string {
  const format = (n: number) => n.toLocaleString('en-US');
  const tail = matching ? ` ${matching}` : '';
  if (total === 1 && shown >= 1) {
    return `Showing 1 workflow${tail}.`;
  }
  if (shown >= total) {
    return `Showing all ${format(total)} workflows${tail}.`;
  }
  return `Showing ${format(shown)} of ${format(total)} workflows${tail}.`;
}

/**
 * The count while the cards shown are narrowed from those loaded and the
 * server is still asked for the rest: how many match so far.
 */
export function narrowedWorkflowCountText(
  shown: number,
  matching?: string,
): string {
  if (shown === 0) {
    return 'Searching all workflows…';
  }
  const tail = matching ? ` ${matching}` : '';
  const workflows = shown === 1 ? 'workflow' : 'workflows';
  return `Showing ${shown.toLocaleString(
    'en-US',
  )} ${workflows}${tail}; searching for more…`;
}

/** Props of {@link WorkflowResults}. */
export interface WorkflowResultsProps {
  pages: WorkflowPages;
  /** What the workflows match, for the count: `matching your search`. */
  matching?: string;
  /** The entity runs are for, fixed (on an entity page). */
  entityRef?: string;
  /** Offer Edit links to those allowed to edit each workflow. */
  showEditLinks?: boolean;
}

/**
 * The workflows loaded so far, with how many there are in all and a button
 * that appends the next page while there is one.
 */
export function WorkflowResults(props: WorkflowResultsProps) {
  const { pages, matching, entityRef, showEditLinks } = props;
  const { loaded, narrowed, hasMore, loadingMore, loadMoreError, loadMore } =
    pages;
  const classes = useStyles();
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

  if (!loaded) {
    return null;
  }

  return (
    <>
      <Typography
        ref={countRef}
        tabIndex={-1}
        variant="body2"
        color="textSecondary"
        role="status"
        className={classes.summary}
      >
        {narrowed
          ? narrowedWorkflowCountText(loaded.items.length, matching)
          : workflowCountText(loaded.items.length, loaded.totalCount, matching)}
      </Typography>
      <WorkflowGrid
        workflows={loaded.items}
        entityRef={entityRef}
        showEditLinks={showEditLinks}
      />
      {loadMoreError && (
        <Box mt={2}>
          <ResponseErrorPanel
            title="Could not load more workflows"
            error={loadMoreError}
          />
        </Box>
      )}
      {hasMore && (
        <div className={classes.more}>
          <Button
            variant="outlined"
            onClick={() => {
              loadMoreClicked.current = true;
              loadMore();
            }}
            aria-busy={loadingMore}
          >
            {loadingMore ? 'Loading more workflows…' : 'Show more workflows'}
          </Button>
        </div>
      )}
    </>
  );
}

/** Props of {@link WorkflowList}. */
export interface WorkflowListProps {
  /** Only workflows that apply to this entity; their runs are for it. */
  entityRef?: string;
  /** Shown when there are no workflows. */
  emptyState: ReactElement;
  /** Offer Edit links to those allowed to edit each workflow. */
  showEditLinks?: boolean;
}

/**
 * Loads the workflows the caller may see page by page and shows them as
 * cards, with a progress bar while the first page loads and an error panel
 * when loading fails.
 */
export function WorkflowList(props: WorkflowListProps) {
  const { entityRef, emptyState, showEditLinks } = props;
  // On an entity, the workflows that act on it: global ones run from the
  // Self-Service page, as before the list was paged.
  const pages = useWorkflowPages(
    entityRef ? { entityRef, scope: 'entity' } : {},
  );

  if (pages.error) {
    return (
      <ResponseErrorPanel
        title="Could not load workflows"
        error={pages.error}
      />
    );
  }
  if (!pages.loaded) {
    return <Progress />;
  }
  if (!pages.loaded.items.length) {
    return emptyState;
  }
  return (
    <WorkflowResults
      pages={pages}
      entityRef={entityRef}
      showEditLinks={showEditLinks}
    />
  );
}

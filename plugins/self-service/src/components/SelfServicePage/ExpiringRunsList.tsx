import { useEffect, useState } from 'react';
import {
  Box,
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Run } from '@backstage-self-service/plugin-self-service-common';
import { RunLink, relativeTime, useRunPages } from '../Runs';
import { formatAbsoluteTime } from '../RunPage/format';

/** How many expiring runs a page of the list asks for. */
export const EXPIRING_PAGE_SIZE = 100;

/** How often the times left are told anew, in ms. */
const TICK_MS = 30_000;

/** Runs by when they expire, soonest first; ties newest first as listed. */
function soonestFirst(runs: Run[]): Run[] {
  const at = (run: Run) =>
    run.expiresAt ? Date.parse(run.expiresAt) : Number.POSITIVE_INFINITY;
  return runs
    .map((run, index) => ({ run, index }))
    .sort((a, b) => at(a.run) - at(b.run) || a.index - b.index)
    .map(({ run }) => run);
}

/**
 * The signed-in user's successful runs that expire and are not torn down
 * yet, soonest first: workflow (linking to the run, where it is extended
 * or torn down), entity and when it expires.
 */
export function ExpiringRunsList(props: { labelledBy: string }) {
  const { labelledBy } = props;
  const {
    runs,
    loading,
    error,
    hasMore,
    loadingMore,
    loadMoreError,
    loadMore,
  } = useRunPages({ expiring: true, mine: true, limit: EXPIRING_PAGE_SIZE });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel title="Could not load runs" error={error} />;
  }
  if (!runs?.length) {
    return (
      <Typography variant="body1" color="textSecondary">
        None of your runs expires.
      </Typography>
    );
  }

  return (
    <>
      <Table size="small" aria-labelledby={labelledBy}>
        <TableHead>
          <TableRow>
            <TableCell component="th" scope="col">
              Workflow
            </TableCell>
            <TableCell component="th" scope="col">
              Entity
            </TableCell>
            <TableCell component="th" scope="col">
              Expires
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {soonestFirst(runs).map(run => (
            <TableRow key={run.id}>
              <TableCell component="th" scope="row">
                <RunLink runId={run.id}>{run.workflowName}</RunLink>
              </TableCell>
              <TableCell>
                {run.entityRef ? (
                  <EntityRefLink entityRef={run.entityRef} />
                ) : (
                  <Typography variant="body2" color="textSecondary">
                    None
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                {run.expiresAt && (
                  <time
                    dateTime={run.expiresAt}
                    title={formatAbsoluteTime(run.expiresAt)}
                  >
                    {Date.parse(run.expiresAt) > now
                      ? `expires ${relativeTime(run.expiresAt, now)}`
                      : `expired ${relativeTime(
                          run.expiresAt,
                          now,
                        )}, being torn down`}
                  </time>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography variant="body2" color="textSecondary" role="status">
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
          <Button variant="outlined" onClick={loadMore} aria-busy={loadingMore}>
            {loadingMore ? 'Loading more runs…' : 'Load more runs'}
          </Button>
        </Box>
      )}
    </>
  );
}

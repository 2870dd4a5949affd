import { useEffect, useState } from 'react';
import { Box, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type { Run } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { RunLink } from '../Runs';
import { relativeTime } from '../Runs/relativeTime';

/**
 * What an entity a run created says of that run: a link to it, its
 * workflow, and, while the run lives, when it expires (and is torn down
 * with what it made), or that it is being torn down.
 */
export function CreatedByRun(props: { runId: string; workflow?: string }) {
  const { runId, workflow } = props;
  const api = useApi(selfServiceApiRef);
  const [run, setRun] = useState<Run | undefined>();

  useEffect(() => {
    let current = true;
    api.getRun(runId).then(
      details => current && setRun(details.run),
      // The link still stands if the run cannot be read (not visible, say).
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, runId]);

  return (
    <Box mb={3}>
      <Typography variant="body1">
        Created by run <RunLink runId={runId} />
        {workflow && (
          <>
            {' '}
            of workflow <code>{workflow}</code>
          </>
        )}
      </Typography>
      {run?.teardownRunId && (
        <Typography variant="body2" color="textSecondary">
          Being torn down by run <RunLink runId={run.teardownRunId} />; it
          leaves the catalog once that succeeds.
        </Typography>
      )}
      {run?.expiresAt && !run.teardownRunId && (
        <Typography variant="body2" color="textSecondary">
          Expires {relativeTime(run.expiresAt)}, when its run is torn down; its
          run's page can extend it.
        </Typography>
      )}
    </Box>
  );
}

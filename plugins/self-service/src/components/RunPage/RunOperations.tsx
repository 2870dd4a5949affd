import { useState } from 'react';
import { Box, Button, Typography, makeStyles } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useNavigate } from 'react-router-dom';
import type {
  RunDetails,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { runRouteRef } from '../../routes';
import { errorMessage } from './common';

const useStyles = makeStyles(theme => ({
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
}));

type Operation = 'cancel' | 'retry' | 'rerun';

/**
 * Cancel a run in progress, retry a failed one (a run of steps from its
 * failed step) and start it again with the same inputs, where the server
 * says the viewer may; with its reason where a run in that state may not.
 */
export function RunOperations(props: {
  details: RunDetails;
  onChanged(): void;
}) {
  const { details, onChanged } = props;
  const { run, permissions } = details;
  const api = useApi(selfServiceApiRef);
  const classes = useStyles();
  const navigate = useNavigate();
  const runLink = useRouteRef(runRouteRef);
  const [busy, setBusy] = useState<Operation>();
  const [error, setError] = useState<string>();
  const steps = details.steps !== undefined;

  const act = async (operation: Operation) => {
    setBusy(operation);
    setError(undefined);
    try {
      if (operation === 'cancel') {
        await api.cancelRun(run.id);
        onChanged();
      } else if (operation === 'retry') {
        await api.retryRun(run.id);
        onChanged();
      } else {
        const next = await api.rerunRun(run.id);
        navigate(runLink({ runId: next.id }));
      }
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const reasonOf = (permission: WorkflowRunnability | undefined) =>
    permission && !permission.allowed ? permission.reason : undefined;
  const inProgress = run.status === 'in_progress';
  const ended = ['failed', 'timed_out'].includes(run.status);
  const finished = !inProgress && run.status !== 'pending_approval';
  const cancelReason = inProgress ? reasonOf(permissions.cancel) : undefined;
  const retryReason = ended && steps ? reasonOf(permissions.retry) : undefined;

  return (
    <Box>
      <div className={classes.buttons}>
        {inProgress && permissions.cancel?.allowed && (
          <Button
            variant="outlined"
            disabled={busy !== undefined}
            onClick={() => act('cancel')}
          >
            Cancel run
          </Button>
        )}
        {ended && steps && permissions.retry?.allowed && (
          <Button
            variant="contained"
            color="primary"
            disabled={busy !== undefined}
            onClick={() => act('retry')}
          >
            Retry from failed step
          </Button>
        )}
        {finished && (
          <Button
            variant="outlined"
            disabled={busy !== undefined}
            onClick={() => act('rerun')}
          >
            Re-run with the same inputs
          </Button>
        )}
        {[cancelReason, retryReason].filter(Boolean).map(reason => (
          <Typography key={reason} variant="body2" color="textSecondary">
            {reason}
          </Typography>
        ))}
      </div>
      {error && (
        <Box mb={2}>
          <Alert severity="error">{error}</Alert>
        </Box>
      )}
    </Box>
  );
}

import { useId } from 'react';
import { Box, Button, Typography, makeStyles } from '@material-ui/core';
import { InfoCard } from '@backstage/core-components';
import {
  RunStatus,
  WorkflowRunnability,
} from '@backstage-self-service/plugin-self-service-common';

/**
 * Statuses of runs whose request can be sent again, as the backend's
 * `POST /runs/{id}/redeliver` takes them.
 */
export const REDELIVERABLE_STATUSES: ReadonlyArray<RunStatus> = [
  'failed',
  'timed_out',
];

const useStyles = makeStyles(theme => ({
  reason: {
    marginTop: theme.spacing(1),
  },
  buttons: {
    marginTop: theme.spacing(2),
  },
}));

/** Props of {@link RedeliveryCard}. */
export interface RedeliveryCardProps {
  status: RunStatus;
  /** Whether the viewer may resend, and if not, why. */
  permission: WorkflowRunnability;
  /** Asks to resend; the caller confirms first. */
  onResend(): void;
}

/**
 * The offer to send a failed or timed-out run's request again, or why the
 * viewer cannot: the button stays, disabled, so they know it exists.
 */
export function RedeliveryCard(props: RedeliveryCardProps) {
  const { status, permission, onResend } = props;
  const classes = useStyles();
  const reasonId = useId();
  const reason = permission.allowed
    ? undefined
    : permission.reason ?? 'You may not resend the request of this run.';

  return (
    <Box mb={3}>
      <InfoCard
        title="Send the request again"
        titleTypographyProps={{ component: 'h2' }}
      >
        <Typography variant="body1">
          {status === 'timed_out' ? 'This run timed out.' : 'This run failed.'}{' '}
          Its request can be sent again, with the same inputs and webhook-id, so
          a receiver that saw it before can tell. The run is in progress again
          until it finishes.
        </Typography>
        {reason && (
          <Typography
            id={reasonId}
            variant="body2"
            color="textSecondary"
            className={classes.reason}
          >
            {reason}
          </Typography>
        )}
        <div className={classes.buttons}>
          <Button
            variant="contained"
            color="primary"
            aria-haspopup="dialog"
            disabled={!permission.allowed}
            aria-describedby={reason ? reasonId : undefined}
            onClick={onResend}
          >
            Resend request
          </Button>
        </div>
      </InfoCard>
    </Box>
  );
}

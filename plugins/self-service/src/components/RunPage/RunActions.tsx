import { FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  MAX_DECISION_COMMENT_LENGTH,
  RunDetails,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { errorMessage, errorStatus } from './common';
import { REDELIVERABLE_STATUSES, RedeliveryCard } from './RedeliveryCard';

type Decision = 'approve' | 'reject';
type Action = Decision | 'withdraw' | 'redeliver';

const useStyles = makeStyles(theme => ({
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(2),
  },
  alert: {
    marginBottom: theme.spacing(2),
  },
}));

const dialogText: Record<
  Action,
  {
    title: string;
    text: string;
    confirm: string;
    done: string;
    /** Leads the backend's message when the run moved on meanwhile (409). */
    conflict: string;
    /** Whether the action takes a comment for the timeline. */
    comment: boolean;
  }
> = {
  approve: {
    title: 'Approve this run?',
    text: 'The workflow runs as soon as you approve it.',
    confirm: 'Approve',
    done: 'You approved this run.',
    conflict: 'This run was already decided',
    comment: true,
  },
  reject: {
    title: 'Reject this run?',
    text: 'The workflow will not run. The requester is told that you rejected it.',
    confirm: 'Reject',
    done: 'You rejected this run.',
    conflict: 'This run was already decided',
    comment: true,
  },
  withdraw: {
    title: 'Withdraw this request?',
    text: 'The workflow will not run, and the approvers can no longer approve it.',
    confirm: 'Withdraw request',
    done: 'You withdrew this request.',
    conflict: 'This run was already decided',
    comment: false,
  },
  redeliver: {
    title: 'Resend the request?',
    text: 'Send the request again with the same inputs and webhook-id?',
    confirm: 'Resend request',
    done: 'The request is being sent again.',
    conflict: 'The request cannot be resent now',
    comment: false,
  },
};

function ActionDialog(props: {
  action: Action;
  runId: string;
  /** Whether the run is still in a status the action applies to. */
  actionable: boolean;
  onClose(): void;
  onDone(action: Action): void;
  onStale(): void;
}) {
  const { action, runId, actionable, onClose, onDone, onStale } = props;
  const api = useApi(selfServiceApiRef);
  const classes = useStyles();
  const titleId = useId();
  const textId = useId();
  const commentId = useId();
  const [comment, setComment] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();
  const text = dialogText[action];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) {
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      const trimmed = comment.trim() || undefined;
      if (action === 'approve') {
        await api.approveRun(runId, trimmed);
      } else if (action === 'reject') {
        await api.rejectRun(runId, trimmed);
      } else if (action === 'withdraw') {
        await api.withdrawRun(runId);
      } else {
        await api.redeliverRun(runId);
      }
      onDone(action);
    } catch (e) {
      const status = errorStatus(e);
      let message = errorMessage(e);
      if (status === 409) {
        message = `${text.conflict}: ${message}`;
        // Someone else got there first: show what happened.
        onStale();
      } else if (status === 403) {
        message = `You may not do this: ${message}`;
      }
      setError(message);
      setSubmitting(false);
    }
  };

  return (
    <Dialog
      open
      onClose={submitting ? undefined : onClose}
      aria-labelledby={titleId}
      aria-describedby={textId}
      maxWidth="sm"
      fullWidth
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id={titleId}>{text.title}</DialogTitle>
        <DialogContent>
          {error && (
            <Alert severity="error" className={classes.alert}>
              {error}
            </Alert>
          )}
          <DialogContentText id={textId}>{text.text}</DialogContentText>
          {text.comment && (
            <TextField
              id={commentId}
              label="Comment"
              helperText="Optional. Shown on the run's timeline."
              value={comment}
              onChange={e => setComment(e.target.value)}
              disabled={submitting || !actionable}
              multiline
              minRows={2}
              fullWidth
              variant="outlined"
              inputProps={{ maxLength: MAX_DECISION_COMMENT_LENGTH }}
            />
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={submitting}>
            Cancel
          </Button>
          <Button
            type="submit"
            color={
              action === 'approve' || action === 'redeliver'
                ? 'primary'
                : 'secondary'
            }
            variant="contained"
            disabled={submitting || !actionable}
            aria-busy={submitting}
            startIcon={
              submitting ? (
                <CircularProgress size={16} color="inherit" aria-hidden />
              ) : undefined
            }
          >
            {text.confirm}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** Props of {@link RunActions}. */
export interface RunActionsProps {
  details: RunDetails;
  /** Refetches the run after it changed. */
  onChanged(): void;
}

/**
 * What the viewer can do with a run: approve or reject a pending run if
 * they are an approver, withdraw it if they requested it, resend the
 * request of a failed or timed-out run, or why they cannot. Renders
 * nothing for other runs, except a note about what the viewer just did.
 */
export function RunActions(props: RunActionsProps) {
  const { details, onChanged } = props;
  const { run, permissions, approvers } = details;
  const classes = useStyles();
  const [action, setAction] = useState<Action>();
  const [done, setDone] = useState<string>();
  const doneRef = useRef<HTMLDivElement>(null);
  const pending = run.status === 'pending_approval';
  const redeliverable = REDELIVERABLE_STATUSES.includes(run.status);

  // The buttons go away with the decision; keep focus on the page.
  useEffect(() => {
    if (done) {
      doneRef.current?.focus();
    }
  }, [done]);

  const canApprove = permissions.approve.allowed;
  const canWithdraw = permissions.withdraw;

  return (
    <>
      {done && (
        <Box mb={2}>
          <Alert severity="success" ref={doneRef} tabIndex={-1} role="status">
            {done}
          </Alert>
        </Box>
      )}
      {pending && (
        <Box mb={3}>
          <InfoCard
            title="Waiting for approval"
            titleTypographyProps={{ component: 'h2' }}
          >
            <Typography variant="body1">
              {approvers.length > 0 ? (
                <>
                  This run waits for one of{' '}
                  <EntityRefLinks entityRefs={approvers} defaultKind="user" />{' '}
                  to approve it.
                </>
              ) : (
                'This run waits for approval.'
              )}
            </Typography>
            {!canApprove && (
              <Typography variant="body2" color="textSecondary">
                {permissions.approve.reason ??
                  'You are not one of the approvers of this run.'}
              </Typography>
            )}
            {(canApprove || canWithdraw) && (
              <div className={classes.buttons}>
                {canApprove && (
                  <>
                    <Button
                      variant="contained"
                      color="primary"
                      aria-haspopup="dialog"
                      onClick={() => setAction('approve')}
                    >
                      Approve
                    </Button>
                    <Button
                      variant="outlined"
                      aria-haspopup="dialog"
                      onClick={() => setAction('reject')}
                    >
                      Reject
                    </Button>
                  </>
                )}
                {canWithdraw && (
                  <Button
                    variant="outlined"
                    aria-haspopup="dialog"
                    onClick={() => setAction('withdraw')}
                  >
                    Withdraw request
                  </Button>
                )}
              </div>
            )}
          </InfoCard>
        </Box>
      )}
      {redeliverable && (
        <RedeliveryCard
          status={run.status}
          permission={permissions.redeliver}
          onResend={() => setAction('redeliver')}
        />
      )}
      {action && (
        <ActionDialog
          action={action}
          runId={run.id}
          actionable={action === 'redeliver' ? redeliverable : pending}
          onClose={() => setAction(undefined)}
          onStale={onChanged}
          onDone={finished => {
            setAction(undefined);
            setDone(dialogText[finished].done);
            onChanged();
          }}
        />
      )}
    </>
  );
}

import { FormEvent, ReactNode, useEffect, useId, useState } from 'react';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { DateTime, Duration } from 'luxon';
import { RunPageDetails, selfServiceApiRef } from '../../api';
import { formatIsoDuration, parseIsoDuration } from '../format/isoDuration';
import { RunLink } from '../Runs/RunLink';
import { errorMessage, errorStatus } from './common';
import { formatAbsoluteTime, formatDuration } from './format';

const useStyles = makeStyles(theme => ({
  line: {
    marginBottom: theme.spacing(1),
  },
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginTop: theme.spacing(2),
  },
  alert: {
    marginBottom: theme.spacing(2),
  },
  field: {
    marginTop: theme.spacing(1),
  },
  summary: {
    marginTop: theme.spacing(2),
  },
}));

/** How often the time left is told anew, in ms. */
export const EXPIRY_TICK_MS = 30_000;

/** The time now, in ms, told anew every `intervalMs`. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** A time in full, as a `<time>` element. */
function At(props: { iso: string }) {
  const { iso } = props;
  return <time dateTime={iso}>{formatAbsoluteTime(iso)}</time>;
}

/** When a run expires, in words: `Expires in 2 hours (at …)`. */
function expiryText(expiresAt: string, now: number): ReactNode {
  const left = DateTime.fromISO(expiresAt).toMillis() - now;
  if (!Number.isFinite(left)) {
    return <>Expires at {expiresAt}</>;
  }
  if (left <= 0) {
    return (
      <>
        Expired {formatDuration(-left)} ago (at <At iso={expiresAt} />
        ); it is being torn down.
      </>
    );
  }
  return (
    <>
      Expires in {formatDuration(left)} (at <At iso={expiresAt} />)
    </>
  );
}

/** The durations the Extend dialog offers, and `custom` for one typed. */
const PRESETS: Array<{ value: string; label: string }> = [
  { value: 'PT1H', label: '1 hour' },
  { value: 'P1D', label: '1 day' },
  { value: 'P7D', label: '1 week' },
];
const CUSTOM = 'custom';

/** An ISO time moved later by a duration, as the backend counts it. */
function later(iso: string, by: Duration): DateTime | undefined {
  const time = DateTime.fromISO(iso);
  return time.isValid
    ? time.plus({ milliseconds: by.as('milliseconds') })
    : undefined;
}

function ExtendDialog(props: {
  runId: string;
  expiresAt: string;
  latestExpiresAt?: string;
  onClose(): void;
  onDone(by: string): void;
  onStale(): void;
}) {
  const { runId, expiresAt, latestExpiresAt, onClose, onDone, onStale } = props;
  const api = useApi(selfServiceApiRef);
  const classes = useStyles();
  const titleId = useId();
  const textId = useId();
  const legendId = useId();
  const customId = useId();
  const [choice, setChoice] = useState(PRESETS[0].value);
  const [typed, setTyped] = useState('');
  const [touched, setTouched] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();

  const text = choice === CUSTOM ? typed.trim().toUpperCase() : choice;
  const duration = parseIsoDuration(text);
  const next = duration ? later(expiresAt, duration) : undefined;
  const latest = latestExpiresAt ? DateTime.fromISO(latestExpiresAt) : null;
  const pastLatest = Boolean(next && latest?.isValid && next > latest);
  const typedInvalid = choice === CUSTOM && !duration;

  let customHelp = 'An ISO 8601 duration, like PT2H (2 hours) or P3D (3 days)';
  if (choice === CUSTOM && duration) {
    customHelp = formatIsoDuration(text);
  } else if (choice === CUSTOM && touched) {
    customHelp = 'Not an ISO 8601 duration longer than zero, like PT2H or P3D';
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (submitting || !duration) {
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      await api.extendRun(runId, text);
      onDone(text);
    } catch (e) {
      let message = errorMessage(e);
      if (errorStatus(e) === 409) {
        // The run was torn down or extended meanwhile: show what it is now.
        onStale();
      } else if (errorStatus(e) === 403) {
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
        <DialogTitle id={titleId}>Extend this run?</DialogTitle>
        <DialogContent>
          {error && (
            <Alert severity="error" className={classes.alert}>
              {error}
            </Alert>
          )}
          <DialogContentText id={textId}>
            This run expires at <At iso={expiresAt} />.
            {latestExpiresAt && (
              <>
                {' '}
                It can be extended until <At iso={latestExpiresAt} /> at the
                latest.
              </>
            )}
          </DialogContentText>
          <FormControl component="fieldset" disabled={submitting}>
            <FormLabel component="legend" id={legendId}>
              Extend by
            </FormLabel>
            <RadioGroup
              aria-labelledby={legendId}
              value={choice}
              onChange={e => setChoice(e.target.value)}
            >
              {PRESETS.map(preset => (
                <FormControlLabel
                  key={preset.value}
                  value={preset.value}
                  control={<Radio color="primary" />}
                  label={preset.label}
                />
              ))}
              <FormControlLabel
                value={CUSTOM}
                control={<Radio color="primary" />}
                label="Another duration"
              />
            </RadioGroup>
          </FormControl>
          {choice === CUSTOM && (
            <TextField
              id={customId}
              className={classes.field}
              label="Duration"
              placeholder="P2DT12H"
              value={typed}
              onChange={e => setTyped(e.target.value)}
              onBlur={() => setTouched(true)}
              error={touched && typedInvalid}
              helperText={customHelp}
              disabled={submitting}
              required
              fullWidth
              variant="outlined"
            />
          )}
          {next && (
            <Typography
              variant="body2"
              className={classes.summary}
              role="status"
            >
              New expiry: <At iso={next.toUTC().toISO()!} />
              {pastLatest && latestExpiresAt && (
                <>
                  {', '}
                  later than the latest allowed (
                  <At iso={latestExpiresAt} />)
                </>
              )}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={submitting}>
            Cancel
          </Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={submitting || (touched && typedInvalid)}
            aria-busy={submitting}
            startIcon={
              submitting ? (
                <CircularProgress size={16} color="inherit" aria-hidden />
              ) : undefined
            }
          >
            Extend
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function TearDownDialog(props: {
  runId: string;
  teardownWorkflow?: string;
  onClose(): void;
  onDone(teardownRunId: string): void;
  onStale(): void;
}) {
  const { runId, teardownWorkflow, onClose, onDone, onStale } = props;
  const api = useApi(selfServiceApiRef);
  const classes = useStyles();
  const titleId = useId();
  const textId = useId();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();

  const confirm = async () => {
    if (submitting) {
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      const teardown = await api.tearDownRun(runId);
      onDone(teardown.id);
    } catch (e) {
      let message = errorMessage(e);
      if (errorStatus(e) === 409) {
        message = `This run cannot be torn down now: ${message}`;
        onStale();
      } else if (errorStatus(e) === 403) {
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
      <DialogTitle id={titleId}>Tear down this run now?</DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" className={classes.alert}>
            {error}
          </Alert>
        )}
        <DialogContentText id={textId}>
          {teardownWorkflow ? (
            <>
              This starts the teardown workflow{' '}
              <strong>{teardownWorkflow}</strong> now, before the run expires.
            </>
          ) : (
            'This starts the teardown workflow now, before the run expires.'
          )}{' '}
          Once it succeeds, the catalog entities this run created are removed.
          It cannot be undone.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={submitting}>
          Cancel
        </Button>
        <Button
          color="secondary"
          variant="contained"
          onClick={confirm}
          disabled={submitting}
          aria-busy={submitting}
          startIcon={
            submitting ? (
              <CircularProgress size={16} color="inherit" aria-hidden />
            ) : undefined
          }
        >
          Tear down
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Whether a run's page shows {@link RunExpiryCard}. */
export function hasExpiry(details: RunPageDetails): boolean {
  const { run } = details;
  return Boolean(run.expiresAt || run.teardownRunId || run.tearsDownRunId);
}

/**
 * When a run that expires is torn down, with Extend and Tear down now for
 * those who may (and why not for others); once torn down, the run that
 * tears it down; for a teardown run, the run it tears down.
 */
export function RunExpiryCard(props: {
  details: RunPageDetails;
  /** Refetches the run after it changed. */
  onChanged(): void;
}) {
  const { details, onChanged } = props;
  const { run, permissions, workflow } = details;
  const expiry = permissions.expiry;
  const classes = useStyles();
  const reasonId = useId();
  const titleId = useId();
  const now = useNow(EXPIRY_TICK_MS);
  const [dialog, setDialog] = useState<'extend' | 'teardown'>();
  const [done, setDone] = useState<ReactNode>();

  if (!hasExpiry(details)) {
    return null;
  }

  const expiring =
    run.status === 'success' && run.expiresAt && !run.teardownRunId;
  const reason =
    expiry && !expiry.allowed
      ? expiry.reason ?? 'You may not extend or tear down this run.'
      : undefined;

  return (
    <Box component="section" mb={3} aria-labelledby={titleId}>
      <InfoCard
        title={run.tearsDownRunId && !run.expiresAt ? 'Teardown' : 'Expiry'}
        titleTypographyProps={{ component: 'h2', id: titleId }}
      >
        {done && (
          <Alert severity="success" className={classes.alert} role="status">
            {done}
          </Alert>
        )}
        {run.tearsDownRunId && (
          <Typography variant="body1" className={classes.line}>
            Tears down run <RunLink runId={run.tearsDownRunId} />
          </Typography>
        )}
        {run.teardownRunId && (
          <Typography variant="body1" className={classes.line}>
            Torn down by run <RunLink runId={run.teardownRunId} />
          </Typography>
        )}
        {expiring && run.expiresAt && (
          <>
            <Typography variant="body1" className={classes.line}>
              {expiryText(run.expiresAt, now)}
            </Typography>
            {expiry?.latestExpiresAt && (
              <Typography variant="body2" color="textSecondary">
                It can be extended until <At iso={expiry.latestExpiresAt} /> at
                the latest.
              </Typography>
            )}
            {reason && (
              <Typography
                id={reasonId}
                variant="body2"
                color="textSecondary"
                className={classes.line}
              >
                {reason}
              </Typography>
            )}
            {expiry && (
              <div className={classes.buttons}>
                <Button
                  variant="outlined"
                  color="primary"
                  aria-haspopup="dialog"
                  disabled={!expiry.allowed}
                  aria-describedby={reason ? reasonId : undefined}
                  onClick={() => setDialog('extend')}
                >
                  Extend
                </Button>
                <Button
                  variant="outlined"
                  aria-haspopup="dialog"
                  disabled={!expiry.allowed}
                  aria-describedby={reason ? reasonId : undefined}
                  onClick={() => setDialog('teardown')}
                >
                  Tear down now
                </Button>
              </div>
            )}
          </>
        )}
      </InfoCard>
      {dialog === 'extend' && run.expiresAt && (
        <ExtendDialog
          runId={run.id}
          expiresAt={run.expiresAt}
          latestExpiresAt={expiry?.latestExpiresAt}
          onClose={() => setDialog(undefined)}
          onStale={onChanged}
          onDone={by => {
            setDialog(undefined);
            setDone(`You extended this run by ${formatIsoDuration(by)}.`);
            onChanged();
          }}
        />
      )}
      {dialog === 'teardown' && (
        <TearDownDialog
          runId={run.id}
          teardownWorkflow={workflow.lifecycle?.teardown.workflow}
          onClose={() => setDialog(undefined)}
          onStale={onChanged}
          onDone={teardownRunId => {
            setDialog(undefined);
            setDone(
              <>
                Teardown started: run <RunLink runId={teardownRunId} />
              </>,
            );
            onChanged();
          }}
        />
      )}
    </Box>
  );
}

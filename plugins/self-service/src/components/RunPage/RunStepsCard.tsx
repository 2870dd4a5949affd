import { useState } from 'react';
import { Box, Button, Paper, Typography, makeStyles } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  InfoCard,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  type RunStep,
  type RunStepStatus,
  type WorkflowRunnability,
  type WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { STEP_KIND_TEXT, StepGraph } from '../StepGraph';
import { errorMessage } from './common';

const STATUS_TEXT: Record<RunStepStatus, string> = {
  pending: 'Pending',
  waiting_approval: 'Waiting for approval',
  running: 'Running',
  success: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  canceled: 'Canceled',
  timed_out: 'Timed out',
};

/** A step status as a coloured indicator followed by its name. */
export function StepStatusLabel(props: { status: RunStepStatus }) {
  const text = STATUS_TEXT[props.status] ?? props.status;
  switch (props.status) {
    case 'success':
      return <StatusOK>{text}</StatusOK>;
    case 'failed':
      return <StatusError>{text}</StatusError>;
    case 'timed_out':
      return <StatusWarning>{text}</StatusWarning>;
    case 'running':
      return <StatusRunning>{text}</StatusRunning>;
    case 'waiting_approval':
      return <StatusPending>{text}</StatusPending>;
    case 'canceled':
    case 'skipped':
      return <StatusAborted>{text}</StatusAborted>;
    default:
      return <>{text}</>;
  }
}

const useStyles = makeStyles(theme => ({
  edgeDone: {
    stroke: theme.palette.success.main,
  },
  step: {
    padding: theme.spacing(1.5),
    borderLeft: `4px solid ${theme.palette.divider}`,
  },
  success: { borderLeftColor: theme.palette.success.main },
  failed: { borderLeftColor: theme.palette.error.main },
  active: { borderLeftColor: theme.palette.info.main },
  outputs: {
    margin: theme.spacing(1, 0, 0),
    '& dt': { fontWeight: theme.typography.fontWeightMedium },
    '& dd': { margin: 0, wordBreak: 'break-all' },
  },
  buttons: {
    display: 'flex',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

function GateButtons(props: {
  runId: string;
  step: WorkflowStep;
  onChanged(): void;
}) {
  const { runId, step, onChanged } = props;
  const api = useApi(selfServiceApiRef);
  const classes = useStyles();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.decideRunStep(runId, step.id, decision);
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div className={classes.buttons}>
        <Button
          size="small"
          variant="contained"
          color="primary"
          disabled={busy}
          onClick={() => decide('approve')}
          aria-label={`Approve ${step.name}`}
        >
          Approve
        </Button>
        <Button
          size="small"
          variant="outlined"
          disabled={busy}
          onClick={() => decide('reject')}
          aria-label={`Reject ${step.name}`}
        >
          Reject
        </Button>
      </div>
      {error && (
        <Box mt={1}>
          <Alert severity="error">{error}</Alert>
        </Box>
      )}
    </>
  );
}

/**
 * The steps of a run of steps as a graph read left to right: a column per
 * depth (a step stands right of everything it depends on, and names what
 * it waits for), each step with its status, why it ended, its outputs,
 * and Approve and Reject on a gate that waits. Live with the page.
 */
export function RunStepsCard(props: {
  runId: string;
  steps: WorkflowStep[];
  runSteps: RunStep[];
  /** Whether the viewer may decide each waiting gate, by step id. */
  gates?: Record<string, WorkflowRunnability>;
  onChanged(): void;
}) {
  const { runId, steps, runSteps, gates, onChanged } = props;
  const classes = useStyles();
  const byId = new Map(runSteps.map(s => [s.stepId, s]));
  const shade = (status: RunStepStatus | undefined) => {
    if (status === 'success') return classes.success;
    if (status === 'failed' || status === 'timed_out') return classes.failed;
    if (status === 'running' || status === 'waiting_approval')
      return classes.active;
    return '';
  };

  return (
    <Box mb={3}>
      <InfoCard
        title={`Steps (${steps.length})`}
        titleTypographyProps={{ component: 'h2' }}
      >
        <StepGraph
          steps={steps}
          label="Steps, in order"
          stepLabel={step => step.name}
          layoutKey={runSteps
            .map(s => `${s.stepId}:${s.status}:${s.message ?? ''}`)
            .join()}
          edgeClassName={from =>
            byId.get(from)?.status === 'success' ? classes.edgeDone : undefined
          }
          renderStep={step => {
            const state = byId.get(step.id);
            const status = state?.status ?? 'pending';
            const outputs = Object.entries(state?.outputs ?? {});
            return (
              <Paper
                variant="outlined"
                className={`${classes.step} ${shade(status)}`}
              >
                <Typography variant="subtitle2" component="h3">
                  {step.name}
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  {STEP_KIND_TEXT[step.kind]}
                  {step.dependsOn.length > 0 &&
                    `, after ${step.dependsOn
                      .map(id => steps.find(s => s.id === id)?.name ?? id)
                      .join(', ')}`}
                </Typography>
                <div>
                  <StepStatusLabel status={status} />
                </div>
                {state?.message && (
                  <Typography variant="body2">{state.message}</Typography>
                )}
                {outputs.length > 0 && (
                  <dl className={classes.outputs}>
                    {outputs.map(([name, value]) => (
                      <div key={name}>
                        <dt>{name}</dt>
                        <dd>{String(value)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
                {step.kind === 'approval' &&
                  status === 'waiting_approval' &&
                  (gates?.[step.id]?.allowed ? (
                    <GateButtons
                      runId={runId}
                      step={step}
                      onChanged={onChanged}
                    />
                  ) : (
                    <Typography variant="body2" color="textSecondary">
                      {gates?.[step.id]?.reason ??
                        'You are not one of the approvers of this step.'}
                    </Typography>
                  ))}
              </Paper>
            );
          }}
        />
      </InfoCard>
    </Box>
  );
}

import { useCallback, useLayoutEffect, useRef, useState } from 'react';
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
  stepDepths,
  type WorkflowRunnability,
  type WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
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

const KIND_TEXT: Record<WorkflowStep['kind'], string> = {
  request: 'HTTP request',
  approval: 'Approval',
  wait: 'Wait',
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
  graph: {
    position: 'relative',
    overflowX: 'auto',
  },
  // Edges are drawn under the steps, so a line never hides a step's text.
  edges: {
    position: 'absolute',
    top: 0,
    left: 0,
    pointerEvents: 'none',
    overflow: 'visible',
  },
  edge: {
    fill: 'none',
    stroke: theme.palette.divider,
    strokeWidth: 2,
  },
  edgeDone: {
    stroke: theme.palette.success.main,
  },
  columns: {
    position: 'relative',
    display: 'flex',
    // Room between columns for the edges to bend in.
    gap: theme.spacing(5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  column: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    minWidth: 220,
    listStyle: 'none',
    margin: 0,
    padding: 0,
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

interface Edge {
  from: string;
  to: string;
  path: string;
}

/**
 * The lines from each step to the steps that depend on it, measured from
 * where the steps were laid out: from the right edge of a step to the left
 * edge of its dependent, as a curve. Measured again whenever the card
 * changes size, since steps grow as messages and outputs arrive.
 */
function useEdges(steps: WorkflowStep[], status: string) {
  const container = useRef<HTMLDivElement>(null);
  const boxes = useRef(new Map<string, HTMLElement>());
  const [edges, setEdges] = useState<Edge[]>([]);
  const [size, setSize] = useState({ width: 0, height: 0 });

  const measure = useCallback(() => {
    const root = container.current;
    if (!root) return;
    const origin = root.getBoundingClientRect();
    const next: Edge[] = [];
    for (const step of steps) {
      const to = boxes.current.get(step.id)?.getBoundingClientRect();
      if (!to) continue;
      for (const id of step.dependsOn) {
        const from = boxes.current.get(id)?.getBoundingClientRect();
        if (!from) continue;
        const x1 = from.right - origin.left + root.scrollLeft;
        const y1 = from.top + from.height / 2 - origin.top;
        const x2 = to.left - origin.left + root.scrollLeft;
        const y2 = to.top + to.height / 2 - origin.top;
        const bend = Math.max((x2 - x1) / 2, 8);
        next.push({
          from: id,
          to: step.id,
          path: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${
            x2 - bend
          } ${y2}, ${x2} ${y2}`,
        });
      }
    }
    setEdges(next);
    setSize({ width: root.scrollWidth, height: root.scrollHeight });
  }, [steps]);

  // Again after every change of the steps' statuses, which moves text.
  useLayoutEffect(measure, [measure, status]);
  useLayoutEffect(() => {
    const root = container.current;
    if (!root || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => measure());
    observer.observe(root);
    return () => observer.disconnect();
  }, [measure]);

  const box = useCallback(
    (id: string) => (element: HTMLElement | null) => {
      if (element) boxes.current.set(id, element);
      else boxes.current.delete(id);
    },
    [],
  );
  return { container, box, edges, size };
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
  const depths = stepDepths(steps);
  const columns: WorkflowStep[][] = [];
  for (const step of steps) {
    const depth = depths.get(step.id) ?? 0;
    (columns[depth] ??= []).push(step);
  }
  const byId = new Map(runSteps.map(s => [s.stepId, s]));
  const { container, box, edges, size } = useEdges(
    steps,
    runSteps.map(s => `${s.stepId}:${s.status}:${s.message ?? ''}`).join(),
  );
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
        <div className={classes.graph} ref={container}>
          {/* What the lines say, each step says in words ("after …"). */}
          <svg
            className={classes.edges}
            width={size.width}
            height={size.height}
            aria-hidden="true"
            data-testid="step-edges"
          >
            {edges.map(edge => (
              <path
                key={`${edge.from}->${edge.to}`}
                d={edge.path}
                data-edge={`${edge.from}->${edge.to}`}
                className={`${classes.edge} ${
                  byId.get(edge.from)?.status === 'success'
                    ? classes.edgeDone
                    : ''
                }`}
              />
            ))}
          </svg>
          <ol className={classes.columns} aria-label="Steps, in order">
            {columns.map((column, i) => (
              <li key={i}>
                <ul className={classes.column}>
                  {column.map(step => {
                    const state = byId.get(step.id);
                    const status = state?.status ?? 'pending';
                    const outputs = Object.entries(state?.outputs ?? {});
                    return (
                      <li key={step.id} aria-label={step.name}>
                        <Paper
                          ref={box(step.id)}
                          variant="outlined"
                          className={`${classes.step} ${shade(status)}`}
                        >
                          <Typography variant="subtitle2" component="h3">
                            {step.name}
                          </Typography>
                          <Typography variant="caption" color="textSecondary">
                            {KIND_TEXT[step.kind]}
                            {step.dependsOn.length > 0 &&
                              `, after ${step.dependsOn
                                .map(
                                  id =>
                                    steps.find(s => s.id === id)?.name ?? id,
                                )
                                .join(', ')}`}
                          </Typography>
                          <div>
                            <StepStatusLabel status={status} />
                          </div>
                          {state?.message && (
                            <Typography variant="body2">
                              {state.message}
                            </Typography>
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
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
          </ol>
        </div>
      </InfoCard>
    </Box>
  );
}

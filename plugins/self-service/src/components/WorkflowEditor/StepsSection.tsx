import { useMemo } from 'react';
import {
  Box,
  Button,
  FormHelperText,
  Paper,
  Typography,
  makeStyles,
} from '@material-ui/core';
import Add from '@material-ui/icons/Add';
import {
  MAX_WORKFLOW_STEPS,
  type WorkflowStepKind,
} from '@backstage-self-service/plugin-self-service-common';
import { STEP_KIND_TEXT, StepGraph } from '../StepGraph';
import { EditorSection, SectionProps } from './EditorSection';
import { StepCard, stepLabel } from './StepCard';
import { stepFieldKey } from './stepErrors';
import {
  StepForm,
  canJoinSteps,
  emptyStep,
  joinSteps,
  splitIntoSteps,
} from './stepForm';

const ADD_TEXT: Record<WorkflowStepKind, string> = {
  request: 'Add request step',
  approval: 'Add approval step',
  wait: 'Add wait step',
};

const useStyles = makeStyles(theme => ({
  node: {
    padding: theme.spacing(1, 1.5),
    borderLeft: `4px solid ${theme.palette.divider}`,
  },
  invalid: {
    borderLeftColor: theme.palette.error.main,
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  },
}));

/**
 * The steps of a workflow: a live graph of them, a card per step, and
 * buttons to add one of each kind. A one-request workflow offers to become
 * a workflow of steps, keeping its request as the first step; one request
 * step with nothing only steps have goes back.
 */
export function StepsSection(props: SectionProps) {
  const { form, errors, onChange } = props;
  const classes = useStyles();

  // The graph lays steps out by their keys, which stay while ids are typed.
  const nodes = useMemo(
    () =>
      (form.steps ?? []).map((step, index) => ({
        id: step.key,
        dependsOn: step.dependsOn,
        step,
        index,
      })),
    [form.steps],
  );

  if (!form.steps) {
    return (
      <EditorSection
        title="Steps"
        description="This workflow sends one request. Use steps to add approval gates, waits and more requests that depend on each other, run as one unit."
      >
        <Button variant="outlined" onClick={() => onChange(splitIntoSteps)}>
          Use steps
        </Button>
      </EditorSection>
    );
  }

  const steps = form.steps;
  const add = (kind: WorkflowStepKind) =>
    onChange(f => {
      const list = f.steps ?? [];
      const last = list[list.length - 1];
      // A new step goes after the last one, which is what most additions want.
      return {
        ...f,
        steps: [...list, emptyStep(kind, last ? [last.key] : [])],
      };
    });
  const hasErrors = (step: StepForm) =>
    Object.keys(errors).some(key => key.startsWith(stepFieldKey(step.key)));

  return (
    <EditorSection
      title="Steps"
      description={`${steps.length} step${
        steps.length === 1 ? '' : 's'
      }, run as one unit: a step starts once every step it waits for has succeeded, and steps that wait for nothing in common run at once. A failed step fails the run.`}
    >
      {errors.steps && (
        <Box mb={2}>
          <FormHelperText error>{errors.steps}</FormHelperText>
        </Box>
      )}
      <Box mb={3} role="group" aria-label="Graph of the steps">
        <StepGraph
          steps={nodes}
          label="Steps, in order"
          stepLabel={node => stepLabel(node.step, node.index)}
          layoutKey={steps
            .map(s => `${s.key}:${s.name}:${s.dependsOn.join('+')}`)
            .join()}
          renderStep={({ step, index }) => {
            return (
              <Paper
                variant="outlined"
                className={`${classes.node} ${
                  hasErrors(step) ? classes.invalid : ''
                }`}
              >
                <Typography variant="subtitle2" component="p">
                  {stepLabel(step, index)}
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  {STEP_KIND_TEXT[step.kind]}
                  {hasErrors(step) && ', has a problem to fix'}
                </Typography>
              </Paper>
            );
          }}
        />
      </Box>
      {steps.map((step, index) => (
        <StepCard
          key={step.key}
          form={form}
          step={step}
          index={index}
          errors={errors}
          onChange={onChange}
        />
      ))}
      <div className={classes.actions}>
        {(Object.keys(STEP_KIND_TEXT) as WorkflowStepKind[]).map(kind => (
          <Button
            key={kind}
            startIcon={<Add />}
            variant="outlined"
            disabled={steps.length >= MAX_WORKFLOW_STEPS}
            onClick={() => add(kind)}
          >
            {ADD_TEXT[kind]}
          </Button>
        ))}
        {canJoinSteps(form) && (
          <Button onClick={() => onChange(joinSteps)}>
            Back to a single request
          </Button>
        )}
      </div>
    </EditorSection>
  );
}

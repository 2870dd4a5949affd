import { List, ListItem, ListItemText, Typography } from '@material-ui/core';
import type { WorkflowStep } from '@backstage-self-service/plugin-self-service-common';
import { EditorSection } from './EditorSection';

const KIND_LABELS: Record<WorkflowStep['kind'], string> = {
  request: 'HTTP request',
  approval: 'Approval',
  wait: 'Wait',
};

/** What a step does, in a few words. */
function describeStep(step: WorkflowStep): string {
  const after =
    step.dependsOn.length > 0
      ? `after ${step.dependsOn.join(', ')}`
      : 'at the start';
  switch (step.kind) {
    case 'request':
      return `${KIND_LABELS.request} (${step.execution.type}) ${step.request.method} ${step.request.url}, ${after}`;
    case 'approval':
      return `${KIND_LABELS.approval} by ${
        step.mode === 'all' ? 'all of' : 'any of'
      } ${step.approvers.join(', ')}, ${after}`;
    default:
      return `${KIND_LABELS.wait} ${
        step.untilParameter !== undefined
          ? `until the time in ${step.untilParameter}`
          : `${step.seconds ?? 0} s`
      }, ${after}`;
  }
}

/**
 * The steps of a workflow of steps, as they are saved. They are edited in
 * the definition (the API, app-config or a backend module) for now; the
 * editor keeps them unchanged when the rest of the workflow is saved.
 */
export function StepsSection(props: { steps: WorkflowStep[] }) {
  const { steps } = props;
  return (
    <EditorSection
      title="Steps"
      description={`${steps.length} step${
        steps.length === 1 ? '' : 's'
      }, run as one unit. They are kept as they are when you save; change them in the workflow's definition through the API or app-config.`}
    >
      <List dense aria-label="Steps">
        {steps.map(step => (
          <ListItem key={step.id} disableGutters>
            <ListItemText
              primary={
                <>
                  {step.name}{' '}
                  <Typography
                    component="span"
                    variant="body2"
                    color="textSecondary"
                  >
                    ({step.id})
                  </Typography>
                </>
              }
              secondary={describeStep(step)}
            />
          </ListItem>
        ))}
      </List>
    </EditorSection>
  );
}

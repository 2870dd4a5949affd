import { useId } from 'react';
import {
  Box,
  Card,
  CardContent,
  Chip,
  Typography,
  makeStyles,
} from '@material-ui/core';
import CheckCircleOutline from '@material-ui/icons/CheckCircleOutline';
import BlockIcon from '@material-ui/icons/Block';
import LockOutlined from '@material-ui/icons/LockOutlined';
import { WorkflowSummary } from '@internal/plugin-self-service-common';
import { accessLabel, scopeLabel } from './workflowLabels';

const useStyles = makeStyles(theme => ({
  card: {
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
  },
  marks: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    margin: theme.spacing(1, 0),
    padding: 0,
    listStyle: 'none',
  },
  runnability: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  allowed: {
    color: theme.palette.success.main,
  },
  denied: {
    color: theme.palette.text.secondary,
  },
}));

/** Props of {@link WorkflowCard}. */
export interface WorkflowCardProps {
  workflow: WorkflowSummary;
}

/** One workflow: name, description, scope, access and whether it can run. */
export function WorkflowCard(props: WorkflowCardProps) {
  const { workflow } = props;
  const classes = useStyles();
  const headingId = useId();
  const access = accessLabel(workflow.access);

  return (
    <Card
      className={classes.card}
      component="article"
      aria-labelledby={headingId}
      variant="outlined"
    >
      <CardContent>
        <Typography id={headingId} variant="h6" component="h3">
          {workflow.name}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {workflow.description || 'No description.'}
        </Typography>
        <Box component="ul" className={classes.marks}>
          <li>
            <Chip size="small" label={scopeLabel(workflow.scope)} />
          </li>
          {access && (
            <li>
              <Chip
                size="small"
                variant="outlined"
                icon={<LockOutlined aria-hidden="true" />}
                label={access}
              />
            </li>
          )}
        </Box>
        {workflow.runnable && <Runnability workflow={workflow} />}
      </CardContent>
    </Card>
  );
}

function Runnability(props: { workflow: WorkflowSummary }) {
  const classes = useStyles();
  const runnable = props.workflow.runnable!;

  if (runnable.allowed) {
    return (
      <div className={`${classes.runnability} ${classes.allowed}`}>
        <CheckCircleOutline fontSize="small" aria-hidden="true" />
        <Typography variant="body2">You can run this workflow.</Typography>
      </div>
    );
  }

  return (
    <div className={`${classes.runnability} ${classes.denied}`}>
      <BlockIcon fontSize="small" aria-hidden="true" />
      <div>
        <Typography variant="body2">You cannot run this workflow.</Typography>
        {runnable.reason && (
          <Typography variant="body2">{runnable.reason}</Typography>
        )}
      </div>
    </div>
  );
}

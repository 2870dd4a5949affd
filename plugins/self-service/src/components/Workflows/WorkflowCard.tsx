import { useId, useState } from 'react';
import {
  Box,
  Button,
  Card,
  CardActions,
  CardContent,
  Chip,
  Tooltip,
  Typography,
  makeStyles,
} from '@material-ui/core';
import BlockIcon from '@material-ui/icons/Block';
import LockOutlined from '@material-ui/icons/LockOutlined';
import PlayArrow from '@material-ui/icons/PlayArrow';
import EditOutlined from '@material-ui/icons/EditOutlined';
import SettingsOutlined from '@material-ui/icons/SettingsOutlined';
import { LinkButton } from '@backstage/core-components';
import { WorkflowListItem } from '@backstage-self-service/plugin-self-service-common';
import { editWorkflowRouteRef } from '../../routes';
import { RunWorkflowDialog } from '../RunWorkflowDialog';
import { useOptionalRouteRef } from '../Runs/useOptionalRouteRef';
import { WorkflowAvatar, workflowColor } from './WorkflowAvatar';
import { mayEditWorkflow, workflowRunnability } from './capabilities';
import { accessLabel, scopeLabel } from './workflowLabels';

const useStyles = makeStyles(theme => ({
  card: {
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    minWidth: 0,
    // Long unbroken words (URLs, identifiers) wrap instead of running out.
    overflowWrap: 'anywhere',
  },
  accent: {
    borderTopWidth: 3,
  },
  content: {
    flexGrow: 1,
    minWidth: 0,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(1),
  },
  avatar: {
    flexShrink: 0,
  },
  name: {
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
  description: {
    overflowWrap: 'anywhere',
  },
  marks: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    margin: theme.spacing(1, 0),
    padding: 0,
    listStyle: 'none',
    '& > li': {
      minWidth: 0,
      maxWidth: '100%',
    },
  },
  chip: {
    maxWidth: '100%',
  },
  actions: {
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    padding: theme.spacing(1, 2, 2),
  },
  managed: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    color: theme.palette.text.secondary,
    margin: 0,
  },
  denied: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    color: theme.palette.text.secondary,
    flexBasis: '100%',
    margin: 0,
  },
}));

/** Props of {@link WorkflowCard}. */
export interface WorkflowCardProps {
  workflow: WorkflowListItem;
  /**
   * The entity runs are for, fixed (on an entity page). Without it, the run
   * dialog of an entity workflow asks for the entity.
   */
  entityRef?: string;
  /**
   * Offer an Edit link to those allowed to edit the workflow (its
   * `capabilities.edit`, decided by the server with the page); for a workflow
   * managed in app-config or by a backend module, say where it is changed
   * instead.
   */
  showEditLink?: boolean;
}

/** The words on a workflow's run button. */
export function runButtonLabel(
  workflow: Pick<WorkflowListItem, 'access'>,
): string {
  return workflow.access.type === 'approval' ? 'Request run' : 'Run';
}

/**
 * One workflow: its icon, name, description, scope, access, and a button
 * that opens the run dialog; disabled, with the reason, when the caller may
 * not run it.
 */
export function WorkflowCard(props: WorkflowCardProps) {
  const { workflow, entityRef, showEditLink } = props;
  const classes = useStyles();
  const headingId = useId();
  const reasonId = useId();
  const [open, setOpen] = useState(false);
  const access = accessLabel(workflow.access);
  const runnability = workflowRunnability(workflow);
  const denied = runnability?.allowed === false;
  const reason = runnability?.reason || 'You cannot run this workflow.';
  const label = runButtonLabel(workflow);
  const color = workflowColor(workflow.color);

  const runButton = (
    <Button
      variant="contained"
      color="primary"
      size="small"
      startIcon={<PlayArrow aria-hidden="true" />}
      disabled={denied}
      aria-label={`${label}: ${workflow.name}`}
      aria-describedby={denied ? reasonId : undefined}
      onClick={() => setOpen(true)}
    >
      {label}
    </Button>
  );

  return (
    <Card
      className={color ? `${classes.card} ${classes.accent}` : classes.card}
      style={color ? { borderTopColor: color } : undefined}
      component="article"
      aria-labelledby={headingId}
      variant="outlined"
    >
      <CardContent className={classes.content}>
        <div className={classes.header}>
          <WorkflowAvatar
            icon={workflow.icon}
            color={workflow.color}
            className={classes.avatar}
          />
          <Typography
            id={headingId}
            variant="h6"
            component="h3"
            className={classes.name}
          >
            {workflow.name}
          </Typography>
        </div>
        <Typography
          variant="body2"
          color="textSecondary"
          className={classes.description}
        >
          {workflow.description || 'No description.'}
        </Typography>
        <Box component="ul" className={classes.marks}>
          <li>
            <Chip
              size="small"
              className={classes.chip}
              label={scopeLabel(workflow.scope)}
            />
          </li>
          {access && (
            <li>
              <Chip
                size="small"
                variant="outlined"
                className={classes.chip}
                icon={<LockOutlined aria-hidden="true" />}
                label={access}
              />
            </li>
          )}
          {workflow.stepCount !== undefined && (
            <li>
              <Chip
                size="small"
                variant="outlined"
                className={classes.chip}
                label={`${workflow.stepCount} step${
                  workflow.stepCount === 1 ? '' : 's'
                }`}
              />
            </li>
          )}
        </Box>
      </CardContent>
      <CardActions className={classes.actions} disableSpacing>
        {denied ? (
          // A disabled button gets no pointer events: the tooltip hangs on a
          // wrapper, and the reason is also written out for everyone.
          <Tooltip title={reason}>
            <span>{runButton}</span>
          </Tooltip>
        ) : (
          runButton
        )}
        {showEditLink && <EditWorkflowLink workflow={workflow} />}
        {denied && (
          <Typography
            id={reasonId}
            variant="body2"
            component="p"
            className={classes.denied}
          >
            <BlockIcon fontSize="small" aria-hidden="true" />
            <span>{reason}</span>
          </Typography>
        )}
      </CardActions>
      {open && (
        <RunWorkflowDialog
          workflow={workflow}
          entityRef={entityRef}
          open={open}
          onClose={() => setOpen(false)}
        />
      )}
    </Card>
  );
}

/** Where a managed workflow is changed, in a few words. */
function managedWorkflowNote(
  managedBy: NonNullable<WorkflowListItem['managedBy']>,
): string {
  return managedBy === 'config'
    ? 'Managed in app-config; edit it there'
    : 'Managed by a backend module; change it there';
}

/**
 * A link to the workflow's editor, for those the policy lets edit it; for a
 * managed workflow, which the API does not change, where it is changed. The
 * server says who may with each page of the list, so a page of cards sends no
 * permission requests of its own.
 */
function EditWorkflowLink(props: { workflow: WorkflowListItem }) {
  const { workflow } = props;
  const classes = useStyles();
  const editLink = useOptionalRouteRef(editWorkflowRouteRef);
  if (!mayEditWorkflow(workflow) || !editLink) {
    return null;
  }
  if (workflow.managedBy) {
    return (
      <Typography variant="body2" component="p" className={classes.managed}>
        <SettingsOutlined fontSize="small" aria-hidden="true" />
        <span>{managedWorkflowNote(workflow.managedBy)}</span>
      </Typography>
    );
  }
  return (
    <LinkButton
      to={editLink({ identifier: workflow.identifier })}
      size="small"
      variant="outlined"
      startIcon={<EditOutlined aria-hidden="true" />}
      aria-label={`Edit: ${workflow.name}`}
    >
      Edit
    </LinkButton>
  );
}

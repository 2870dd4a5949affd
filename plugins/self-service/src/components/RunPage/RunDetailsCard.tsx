import { ReactNode } from 'react';
import {
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { InfoCard } from '@backstage/core-components';
import { EntityRefLink, EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  RunDetails,
  RunInputs,
} from '@backstage-self-service/plugin-self-service-common';
import { RunStatusLabel } from '../Runs/RunStatusLabel';
import {
  durationBetween,
  formatAbsoluteTime,
  formatRelativeTime,
} from './format';

const useStyles = makeStyles(theme => ({
  name: {
    width: '40%',
    verticalAlign: 'top',
    color: theme.palette.text.secondary,
  },
  value: {
    overflowWrap: 'anywhere',
  },
  heading: {
    marginTop: theme.spacing(3),
    marginBottom: theme.spacing(1),
  },
  empty: {
    fontStyle: 'italic',
  },
}));

function Rows(props: { label: string; rows: Array<[string, ReactNode]> }) {
  const { label, rows } = props;
  const classes = useStyles();
  return (
    <Table size="small" aria-label={label}>
      <TableBody>
        {rows.map(([name, value]) => (
          <TableRow key={name}>
            <TableCell
              component="th"
              scope="row"
              role="rowheader"
              className={classes.name}
            >
              {name}
            </TableCell>
            <TableCell className={classes.value}>{value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function When(props: { iso: string }) {
  const { iso } = props;
  return (
    <time dateTime={iso}>
      {formatAbsoluteTime(iso)} ({formatRelativeTime(iso)})
    </time>
  );
}

/**
 * The inputs of a run as rows: named after the workflow's parameters, in
 * their order, then any input the parameters no longer describe.
 */
function inputRows(
  inputs: RunInputs,
  details: RunDetails,
  emptyClass: string,
): Array<[string, ReactNode]> {
  const parameters = details.workflow.parameters ?? [];
  const known = new Set(parameters.map(p => p.identifier));
  const identifiers = [
    ...parameters.map(p => p.identifier).filter(id => id in inputs),
    ...Object.keys(inputs).filter(id => !known.has(id)),
  ];
  return identifiers.map(identifier => {
    const name =
      parameters.find(p => p.identifier === identifier)?.name || identifier;
    const value = inputs[identifier];
    let shown: ReactNode;
    if (typeof value === 'boolean') {
      shown = value ? 'Yes' : 'No';
    } else if (value === '') {
      shown = <span className={emptyClass}>Empty</span>;
    } else {
      shown = String(value);
    }
    return [name, shown];
  });
}

/** The side panel of a run's page: what ran, for whom, with what inputs. */
export function RunDetailsCard(props: { details: RunDetails }) {
  const { details } = props;
  const { run, workflow } = details;
  const classes = useStyles();

  const rows: Array<[string, ReactNode]> = [
    [
      'Workflow',
      `${run.workflowName || workflow.name} (revision ${run.workflowRevision})`,
    ],
    [
      'Triggered by',
      <EntityRefLink entityRef={run.requestedBy} defaultKind="user" />,
    ],
    ['Triggered', <When iso={run.createdAt} />],
  ];
  if (run.entityRef) {
    rows.push(['Entity', <EntityRefLink entityRef={run.entityRef} />]);
  }
  rows.push(['Status', <RunStatusLabel status={run.status} />]);
  if (details.approvers.length > 0 || workflow.access.type === 'approval') {
    rows.push([
      'Approvers',
      details.approvers.length > 0 ? (
        <EntityRefLinks entityRefs={details.approvers} defaultKind="user" />
      ) : (
        <span className={classes.empty}>None</span>
      ),
    ]);
  }
  if (run.finishedAt) {
    rows.push(['Completed', <When iso={run.finishedAt} />]);
    const duration = durationBetween(run.createdAt, run.finishedAt);
    if (duration) {
      rows.push(['Duration', duration]);
    }
  }

  const inputs = inputRows(run.inputs ?? {}, details, classes.empty);

  return (
    <InfoCard title="Details" titleTypographyProps={{ component: 'h2' }}>
      <Rows label="Run details" rows={rows} />
      <Typography variant="h6" component="h3" className={classes.heading}>
        Inputs
      </Typography>
      {inputs.length > 0 ? (
        <Rows label="Inputs" rows={inputs} />
      ) : (
        <Typography variant="body2" color="textSecondary">
          This run has no inputs.
        </Typography>
      )}
    </InfoCard>
  );
}

import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Run } from '@backstage-self-service/plugin-self-service-common';
import { runRouteRef } from '../../routes';
import { relativeTime } from './relativeTime';
import { useOptionalRouteRef } from './useOptionalRouteRef';
import { RunStatusLabel } from './RunStatusLabel';

/** Props of {@link RunsTable}. */
export interface RunsTableProps {
  runs: Run[];
  /** The id of the heading that names the table. */
  labelledBy: string;
  /** Show the entity each run was against; defaults to true. */
  showEntity?: boolean;
  /** Show who requested each run; defaults to true. */
  showRequester?: boolean;
}

/**
 * Runs as a table: workflow (linking to the run's page), entity, requester,
 * status and creation time.
 */
export function RunsTable(props: RunsTableProps) {
  const { runs, labelledBy, showEntity = true, showRequester = true } = props;
  const runLink = useOptionalRouteRef(runRouteRef);

  return (
    <Table size="small" aria-labelledby={labelledBy}>
      <TableHead>
        <TableRow>
          <TableCell component="th" scope="col">
            Workflow
          </TableCell>
          {showEntity && (
            <TableCell component="th" scope="col">
              Entity
            </TableCell>
          )}
          {showRequester && (
            <TableCell component="th" scope="col">
              Requested by
            </TableCell>
          )}
          <TableCell component="th" scope="col">
            Status
          </TableCell>
          <TableCell component="th" scope="col">
            Created
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {runs.map(run => (
          <TableRow key={run.id}>
            <TableCell component="th" scope="row">
              {runLink ? (
                <Link to={runLink({ runId: run.id })}>{run.workflowName}</Link>
              ) : (
                run.workflowName
              )}
            </TableCell>
            {showEntity && (
              <TableCell>
                {run.entityRef ? (
                  <EntityRefLink entityRef={run.entityRef} />
                ) : (
                  <Typography variant="body2" color="textSecondary">
                    None
                  </Typography>
                )}
              </TableCell>
            )}
            {showRequester && (
              <TableCell>
                <EntityRefLink entityRef={run.requestedBy} defaultKind="user" />
              </TableCell>
            )}
            <TableCell>
              <RunStatusLabel status={run.status} />
            </TableCell>
            <TableCell>
              <time
                dateTime={run.createdAt}
                title={new Date(run.createdAt).toLocaleString()}
              >
                {relativeTime(run.createdAt)}
              </time>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

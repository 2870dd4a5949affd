import { useEffect, useId, useState } from 'react';
import {
  Box,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type {
  RunEntityAction,
  RunEntityActionRecord,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { Timestamp, errorMessage, errorStatus } from './common';

const actionText: Record<RunEntityAction, string> = {
  created: 'Created',
  updated: 'Updated',
  removed: 'Removed',
};

interface State {
  items?: RunEntityActionRecord[];
  error?: unknown;
}

/**
 * The catalog entities a run created, changed and removed, in the order it
 * did, each linking to its entity page. Nothing for a run that touched no
 * entity. Fetched again whenever `version` changes (the run moved on).
 */
export function RunEntitiesCard(props: { runId: string; version: string }) {
  const { runId, version } = props;
  const api = useApi(selfServiceApiRef);
  const headingId = useId();
  const [state, setState] = useState<State>({});

  useEffect(() => {
    let current = true;
    api.listRunEntities(runId).then(
      items => current && setState({ items }),
      // Keep what was shown: a failed refetch should not empty the list.
      error => current && setState(previous => ({ ...previous, error })),
    );
    return () => {
      current = false;
    };
  }, [api, runId, version]);

  const { items, error } = state;
  // A backend without the entities route knows of none.
  const unsupported = error !== undefined && errorStatus(error) === 404;
  if ((!items || items.length === 0) && (!error || unsupported)) {
    return null;
  }

  return (
    <Box mt={3}>
      <InfoCard
        title="Entities"
        titleTypographyProps={{ component: 'h2', id: headingId }}
        subheader="Catalog entities this run created, changed or removed."
      >
        {error !== undefined && !unsupported && (
          <Alert severity="warning">
            Could not load the entities of this run: {errorMessage(error)}
          </Alert>
        )}
        {items && items.length > 0 && (
          <Table size="small" aria-labelledby={headingId}>
            <TableHead>
              <TableRow>
                <TableCell component="th" scope="col">
                  Entity
                </TableCell>
                <TableCell component="th" scope="col">
                  Action
                </TableCell>
                <TableCell component="th" scope="col">
                  When
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((item, index) => (
                <TableRow key={`${item.entityRef}-${item.at}-${index}`}>
                  <TableCell component="th" scope="row">
                    <EntityRefLink entityRef={item.entityRef} />
                  </TableCell>
                  <TableCell>
                    {actionText[item.action] ?? item.action}
                  </TableCell>
                  <TableCell>
                    <Timestamp iso={item.at} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </InfoCard>
    </Box>
  );
}

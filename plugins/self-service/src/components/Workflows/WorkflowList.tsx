import { ReactElement } from 'react';
import { Grid } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { WorkflowSummary } from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { WorkflowCard } from './WorkflowCard';

/** Props of {@link WorkflowGrid}. */
export interface WorkflowGridProps {
  workflows: WorkflowSummary[];
  /** The entity runs are for, fixed (on an entity page). */
  entityRef?: string;
  /** Offer Edit links to those allowed to edit each workflow. */
  showEditLinks?: boolean;
}

/** Workflows as a grid of cards, as a list for assistive technology. */
export function WorkflowGrid(props: WorkflowGridProps) {
  const { workflows, entityRef, showEditLinks } = props;
  return (
    <Grid container spacing={2} component="ul" style={{ padding: 0 }}>
      {workflows.map(workflow => (
        <Grid
          item
          key={workflow.id}
          xs={12}
          md={6}
          lg={4}
          component="li"
          style={{ listStyle: 'none' }}
        >
          <WorkflowCard
            workflow={workflow}
            entityRef={entityRef}
            showEditLink={showEditLinks}
          />
        </Grid>
      ))}
    </Grid>
  );
}

/** Props of {@link WorkflowList}. */
export interface WorkflowListProps {
  /** Only workflows that apply to this entity; their runs are for it. */
  entityRef?: string;
  /** Shown when there are no workflows. */
  emptyState: ReactElement;
  /** Offer Edit links to those allowed to edit each workflow. */
  showEditLinks?: boolean;
}

/**
 * Loads the workflows the caller may see and shows them as cards, with a
 * progress bar while loading and an error panel when loading fails.
 */
export function WorkflowList(props: WorkflowListProps) {
  const { entityRef, emptyState, showEditLinks } = props;
  const api = useApi(selfServiceApiRef);
  const { value, loading, error } = useAsync(
    () => api.listWorkflows(entityRef ? { entityRef } : undefined),
    [api, entityRef],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel title="Could not load workflows" error={error} />
    );
  }
  if (!value?.length) {
    return emptyState;
  }

  return (
    <WorkflowGrid
      workflows={value}
      entityRef={entityRef}
      showEditLinks={showEditLinks}
    />
  );
}

import { ReactElement } from 'react';
import { Grid } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { selfServiceApiRef } from '../../api';
import { WorkflowCard } from './WorkflowCard';

/** Props of {@link WorkflowList}. */
export interface WorkflowListProps {
  /** Only workflows that apply to this entity. */
  entityRef?: string;
  /** Shown when there are no workflows. */
  emptyState: ReactElement;
}

/**
 * Loads the workflows the caller may see and shows them as cards, with a
 * progress bar while loading and an error panel when loading fails.
 */
export function WorkflowList(props: WorkflowListProps) {
  const { entityRef, emptyState } = props;
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
    <Grid container spacing={2} component="ul" style={{ padding: 0 }}>
      {value.map(workflow => (
        <Grid
          item
          key={workflow.id}
          xs={12}
          md={6}
          lg={4}
          component="li"
          style={{ listStyle: 'none' }}
        >
          <WorkflowCard workflow={workflow} />
        </Grid>
      ))}
    </Grid>
  );
}

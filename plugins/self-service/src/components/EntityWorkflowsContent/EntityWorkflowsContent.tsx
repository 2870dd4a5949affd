import { useId } from 'react';
import { Box, Typography } from '@material-ui/core';
import { EmptyState } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { RUN_ENTITY_ANNOTATIONS } from '@backstage-self-service/plugin-self-service-common';
import { WorkflowList } from '../Workflows';
import { RunList } from '../Runs';
import { CreatedByRun } from './CreatedByRun';

/** How a kind reads in a sentence: `component`, but `API` stays `API`. */
function kindInSentence(kind: string): string {
  return kind === kind.toLocaleUpperCase('en-US')
    ? kind
    : kind.toLocaleLowerCase('en-US');
}

/**
 * The Workflows tab of an entity page: the workflows that apply to the
 * entity, whether the caller may run each, and the entity's recent runs.
 * For an entity a run created (it carries the run's annotation), the run
 * that created it, and the runs that created, changed or removed it among
 * the recent runs.
 */
export function EntityWorkflowsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const kind = kindInSentence(entity.kind);
  const workflowsHeadingId = useId();
  const runsHeadingId = useId();
  const createdBy = entity.metadata.annotations?.[RUN_ENTITY_ANNOTATIONS.run];

  return (
    <>
      {createdBy && (
        <CreatedByRun
          runId={createdBy}
          workflow={
            entity.metadata.annotations?.[RUN_ENTITY_ANNOTATIONS.workflow]
          }
        />
      )}
      <section aria-labelledby={workflowsHeadingId}>
        <Typography
          id={workflowsHeadingId}
          variant="h5"
          component="h2"
          gutterBottom
        >
          Workflows
        </Typography>
        <WorkflowList
          entityRef={entityRef}
          emptyState={
            <EmptyState
              missing="content"
              title={`No workflows apply to this ${kind}`}
              description={`Platform teams publish workflows through the Self-Service API and choose the kinds of entities they apply to. None applies to this ${kind} yet.`}
            />
          }
        />
      </section>
      <Box component="section" mt={4} aria-labelledby={runsHeadingId}>
        <Typography id={runsHeadingId} variant="h5" component="h2" gutterBottom>
          Recent runs
        </Typography>
        <RunList
          filter={createdBy ? { touching: entityRef } : { entityRef }}
          labelledBy={runsHeadingId}
          emptyText={
            createdBy
              ? `No workflow has run against or changed this ${kind} yet.`
              : `No workflow has run against this ${kind} yet.`
          }
          showEntity={false}
        />
      </Box>
    </>
  );
}

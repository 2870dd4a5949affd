import { useId } from 'react';
import { Box, Button, Grid } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useRouteRef, useRouteRefParams } from '@backstage/core-plugin-api';
import { rootRouteRef, runRouteRef } from '../../routes';
import { runStatusText } from '../Runs/RunStatusLabel';
import { errorMessage, errorStatus, useVisuallyHidden } from './common';
import { RunActions } from './RunActions';
import { RunDetailsCard } from './RunDetailsCard';
import { RunEntitiesCard } from './RunEntitiesCard';
import { RunExpiryCard } from './RunExpiryCard';
import { RunOperations } from './RunOperations';
import { RunStepsCard } from './RunStepsCard';
import { RunTimeline } from './RunTimeline';
import { useRunDetails } from './useRunDetails';

/** The link to the Self-Service page, if the app mounted it. */
function useRootLink(): string | undefined {
  // useRouteRef calls all its hooks before it throws, so hook order holds.
  try {
    return useRouteRef(rootRouteRef)();
  } catch {
    return undefined;
  }
}

/**
 * The page of one run: its details, its timeline of events with the HTTP
 * request it sent, and the approval actions open to the viewer. Kept up to
 * date through signals, or by polling while the run is unfinished when
 * signals are not available.
 */
export function RunPage() {
  const { runId } = useRouteRefParams(runRouteRef);
  const { details, error, loading, refresh } = useRunDetails(runId);
  const rootLink = useRootLink();
  const visuallyHidden = useVisuallyHidden();
  const timelineTitleId = useId();

  const title = details
    ? details.run.workflowName || details.workflow.name
    : 'Workflow run';

  let content;
  if (!details && error) {
    content = (
      <ResponseErrorPanel
        title={
          errorStatus(error) === 404
            ? 'No such run, or you may not see it'
            : 'Could not load this run'
        }
        error={error}
      />
    );
  } else if (!details) {
    content = <Progress />;
  } else {
    content = (
      <>
        {error && (
          <Box mb={2}>
            <Alert
              severity="warning"
              action={
                <Button color="inherit" size="small" onClick={refresh}>
                  Retry
                </Button>
              }
            >
              Could not refresh this run: {errorMessage(error)}
            </Alert>
          </Box>
        )}
        <span role="status" className={visuallyHidden}>
          Run status: {runStatusText(details.run.status)}
        </span>
        <Grid container spacing={3}>
          <Grid item xs={12} md={8}>
            <RunActions details={details} onChanged={refresh} />
            <RunOperations details={details} onChanged={refresh} />
            <RunExpiryCard details={details} onChanged={refresh} />
            {details.steps && details.workflow.steps && (
              <RunStepsCard
                runId={details.run.id}
                steps={details.workflow.steps}
                runSteps={details.steps}
                gates={details.permissions.steps}
                onChanged={refresh}
              />
            )}
            <InfoCard
              title="Timeline"
              titleTypographyProps={{ component: 'h2', id: timelineTitleId }}
            >
              <RunTimeline
                events={details.events}
                labelledBy={timelineTitleId}
                steps={details.workflow.steps}
              />
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={4}>
            <RunDetailsCard details={details} />
            <RunEntitiesCard
              runId={details.run.id}
              version={`${details.run.updatedAt} ${details.events.length}`}
            />
          </Grid>
        </Grid>
      </>
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title={title}
        subtitle={`Run ${runId}`}
        type="Self-Service"
        typeLink={rootLink}
        pageTitleOverride={`${title}, run ${runId}`}
      />
      <Content>
        <div aria-busy={loading}>{content}</div>
      </Content>
    </Page>
  );
}

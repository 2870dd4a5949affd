import { useId } from 'react';
import { Box, Typography } from '@material-ui/core';
import {
  Content,
  ContentHeader,
  EmptyState,
  Header,
  Page,
} from '@backstage/core-components';
import { WorkflowList } from '../Workflows';
import { RunList } from '../Runs';

/**
 * The workflows the caller may see and the runs they requested, without a
 * page header: for the new frontend system, whose page layout brings one.
 */
export function SelfServiceContent() {
  const runsHeadingId = useId();

  return (
    <Content>
      <ContentHeader
        title="Workflows"
        description="Workflows that platform teams publish for you to run."
      />
      <WorkflowList
        emptyState={
          <EmptyState
            missing="content"
            title="No workflows yet"
            description="Platform teams publish workflows through the Self-Service API. Once they do, the workflows you may see appear here."
          />
        }
      />
      <Box mt={4}>
        <ContentHeader
          titleComponent={
            <Typography id={runsHeadingId} variant="h4" component="h2">
              My runs
            </Typography>
          }
          description="Workflow runs you requested, newest first."
        />
        <RunList
          filter={{ mine: true }}
          labelledBy={runsHeadingId}
          emptyText="You have not run any workflows yet."
          showRequester={false}
        />
      </Box>
    </Content>
  );
}

/** The Self-Service page of the legacy frontend system. */
export function SelfServicePage() {
  return (
    <Page themeId="tool">
      <Header
        title="Self-Service"
        subtitle="Run the workflows your platform teams publish"
      />
      <SelfServiceContent />
    </Page>
  );
}

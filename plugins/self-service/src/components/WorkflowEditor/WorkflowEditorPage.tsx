import { useParams } from 'react-router-dom';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Content,
  Header,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowUpdatePermission,
} from '@internal/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { WorkflowEditor } from './WorkflowEditor';

/** Says why the editor is not shown to the caller. */
function NotAllowed(props: { mode: 'new' | 'edit'; error?: Error }) {
  const { mode, error } = props;
  const rootLink = useRouteRef(rootRouteRef);
  const permission =
    mode === 'new'
      ? selfServiceWorkflowCreatePermission.name
      : selfServiceWorkflowUpdatePermission.name;
  return (
    <Alert severity="warning">
      <AlertTitle>
        {mode === 'new'
          ? 'You are not allowed to create workflows'
          : 'You are not allowed to edit this workflow'}
      </AlertTitle>
      {error
        ? `Your permissions could not be checked: ${error.message}. `
        : `This needs the ${permission} permission; ask your Backstage administrators if you should have it. `}
      <Link to={rootLink()}>Back to Self-Service</Link>
    </Alert>
  );
}

/**
 * The workflow editor page: a new workflow at `/workflows/new`, an existing
 * one at `/workflows/:identifier/edit` (below the Self-Service page).
 */
export function WorkflowEditorPage() {
  const { identifier } = useParams<{ identifier?: string }>();
  const mode = identifier ? 'edit' : 'new';
  const api = useApi(selfServiceApiRef);
  const rootLink = useRouteRef(rootRouteRef);
  const permission = usePermission(
    identifier
      ? {
          permission: selfServiceWorkflowUpdatePermission,
          resourceRef: identifier,
        }
      : { permission: selfServiceWorkflowCreatePermission },
  );
  const loaded = useAsyncRetry(
    async () => (identifier ? api.getWorkflow(identifier) : undefined),
    [api, identifier],
  );
  const workflow = loaded.value;

  let title = 'New workflow';
  if (mode === 'edit') {
    title = workflow ? `Edit ${workflow.name}` : 'Edit workflow';
  }

  let content;
  if (permission.loading) {
    content = <Progress />;
  } else if (!permission.allowed) {
    content = <NotAllowed mode={mode} error={permission.error} />;
  } else if (mode === 'new') {
    content = <WorkflowEditor />;
  } else if (loaded.loading) {
    content = <Progress />;
  } else if (loaded.error || !workflow) {
    content = (
      <ResponseErrorPanel
        title="Could not load the workflow"
        error={loaded.error ?? new Error(`No workflow '${identifier}'`)}
      />
    );
  } else {
    content = (
      <WorkflowEditor
        key={`${workflow.identifier}@${workflow.revision}`}
        workflow={workflow}
        onReload={loaded.retry}
      />
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title={title}
        type="Self-Service"
        typeLink={rootLink()}
        subtitle={
          mode === 'edit'
            ? 'Every save is a new revision; runs keep the revision they started with.'
            : 'Publish a workflow for others to run'
        }
      />
      <Content>{content}</Content>
    </Page>
  );
}

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
  type Workflow,
} from '@backstage-self-service/plugin-self-service-common';
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
 * Says why a managed workflow has no editor: it is published from app-config
 * or by a backend module at every start-up, and the backend refuses edits.
 */
function ManagedWorkflow(props: {
  managedBy: NonNullable<Workflow['managedBy']>;
}) {
  const rootLink = useRouteRef(rootRouteRef);
  return (
    <Alert severity="info">
      <AlertTitle>
        {props.managedBy === 'config'
          ? 'This workflow is managed in app-config; edit it there'
          : 'This workflow is managed by a backend module; change it there'}
      </AlertTitle>
      {props.managedBy === 'config'
        ? 'It is published from selfService.workflows at every start of the backend, so it cannot be edited or deleted here. '
        : 'A backend module publishes it through selfServiceWorkflowsExtensionPoint at every start of the backend, so it cannot be edited or deleted here. '}
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
  let subtitle: string | undefined =
    mode === 'edit'
      ? 'Every save is a new revision; runs keep the revision they started with.'
      : 'Publish a workflow for others to run';
  if (workflow?.managedBy) {
    // Not editable here: the page only says where it is changed.
    title = workflow.name;
    subtitle = undefined;
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
  } else if (workflow.managedBy) {
    content = <ManagedWorkflow managedBy={workflow.managedBy} />;
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
        subtitle={subtitle}
      />
      <Content>{content}</Content>
    </Page>
  );
}

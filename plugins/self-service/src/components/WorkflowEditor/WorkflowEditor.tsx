import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Typography, makeStyles } from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import DeleteOutline from '@material-ui/icons/DeleteOutline';
import { alertApiRef, useApi, useRouteRef } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Workflow,
  selfServiceWorkflowDeletePermission,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { AccessSection } from './AccessSection';
import { BasicDetailsSection } from './BasicDetailsSection';
import { DeleteWorkflowDialog } from './DeleteWorkflowDialog';
import { ExecutionSection } from './ExecutionSection';
import {
  FieldErrors,
  checkForm,
  errorMessage,
  errorStatus,
  mapErrorMessages,
  pruneErrors,
} from './fieldErrors';
import { ParametersSection } from './ParametersSection';
import { PreviewSection } from './PreviewSection';
import { RequestSection } from './RequestSection';
import { ScopeSection } from './ScopeSection';
import { StepsSection } from './StepsSection';
import { WorkflowForm, emptyForm, toDefinition, toForm } from './workflowForm';

const useStyles = makeStyles(theme => ({
  alert: {
    marginBottom: theme.spacing(3),
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(2),
  },
  spacer: {
    flex: 1,
  },
}));

/** The conflict message of an edit that lost against another one. */
export const CONFLICT_MESSAGE =
  'Someone else edited this workflow; reload to see their changes';

/** What went wrong on the last save, shown above the form. */
interface SaveProblem {
  kind: 'fields' | 'conflict';
  /** Messages that concern no field on the form. */
  messages: string[];
}

/** Props of {@link WorkflowEditor}. */
export interface WorkflowEditorProps {
  /** The workflow to edit; a new workflow when absent. */
  workflow?: Workflow;
  /** Loads the workflow again, after someone else edited it. */
  onReload?: () => void;
}

/** The form of a workflow with its save, cancel and delete actions. */
export function WorkflowEditor(props: WorkflowEditorProps) {
  const { workflow, onReload } = props;
  const mode = workflow ? 'edit' : 'new';
  const classes = useStyles();
  const api = useApi(selfServiceApiRef);
  const alertApi = useApi(alertApiRef);
  const navigate = useNavigate();
  const rootLink = useRouteRef(rootRouteRef);
  const deletePermission = usePermission({
    permission: selfServiceWorkflowDeletePermission,
    resourceRef: workflow?.identifier,
  });

  const [state, setState] = useState(() => ({
    form: workflow ? toForm(workflow) : emptyForm(),
    errors: {} as FieldErrors,
  }));
  const { form, errors } = state;
  const [problem, setProblem] = useState<SaveProblem>();
  const [saving, setSaving] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const problemRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (problem) {
      problemRef.current?.focus();
    }
  }, [problem]);

  const onChange = useCallback(
    (update: (form: WorkflowForm) => WorkflowForm) =>
      setState(s => {
        const next = update(s.form);
        return next === s.form
          ? s
          : { form: next, errors: pruneErrors(s.errors, s.form, next) };
      }),
    [],
  );

  /**
   * Runs the client-side checks; true when there is nothing to fix. When the
   * form passes, the backend's errors of the last save stay: edits already
   * drop the ones of the fields they touch, and a preview should not hide
   * the rest.
   */
  const check = (): boolean => {
    const found = checkForm(form);
    const ok = Object.keys(found).length === 0;
    if (!ok) {
      setState(s => ({ ...s, errors: found }));
    }
    return ok;
  };

  const save = async () => {
    setProblem(undefined);
    if (!check()) {
      setProblem({ kind: 'fields', messages: [] });
      return;
    }
    setState(s => ({ ...s, errors: {} }));
    const definition = toDefinition(form);
    setSaving(true);
    try {
      if (workflow) {
        await api.updateWorkflow(
          workflow.identifier,
          definition,
          workflow.revision,
        );
      } else {
        await api.createWorkflow(definition);
      }
    } catch (e) {
      setSaving(false);
      const status = errorStatus(e);
      const message = errorMessage(e);
      if (status === 409 && workflow) {
        setProblem({ kind: 'conflict', messages: [] });
        return;
      }
      if (status === 409) {
        // A workflow with this identifier exists already.
        setState(s => ({ ...s, errors: { identifier: message } }));
        setProblem({ kind: 'fields', messages: [] });
        return;
      }
      const mapped = mapErrorMessages([message], form);
      setState(s => ({ ...s, errors: mapped.fields }));
      setProblem({ kind: 'fields', messages: mapped.general });
      return;
    }
    alertApi.post({
      message: workflow
        ? `Saved workflow "${definition.name}"`
        : `Created workflow "${definition.name}"`,
      severity: 'success',
      display: 'transient',
    });
    navigate(rootLink());
  };

  const remove = async () => {
    if (!workflow) {
      return;
    }
    await api.deleteWorkflow(workflow.identifier);
    alertApi.post({
      message: `Deleted workflow "${workflow.name}"`,
      severity: 'success',
      display: 'transient',
    });
    navigate(rootLink());
  };

  const fieldProblems = Object.keys(errors).length;

  return (
    <form
      noValidate
      aria-label="Workflow"
      onSubmit={event => event.preventDefault()}
    >
      {problem?.kind === 'conflict' && (
        <Alert
          ref={problemRef}
          tabIndex={-1}
          severity="warning"
          className={classes.alert}
          action={
            onReload && (
              <Button color="inherit" size="small" onClick={onReload}>
                Reload
              </Button>
            )
          }
        >
          {CONFLICT_MESSAGE}
        </Alert>
      )}
      {problem?.kind === 'fields' && (
        <Alert
          ref={problemRef}
          tabIndex={-1}
          severity="error"
          className={classes.alert}
        >
          <AlertTitle>The workflow was not saved</AlertTitle>
          {problem.messages.map(message => (
            <Typography key={message} variant="body2">
              {message}
            </Typography>
          ))}
          {fieldProblems > 0 && (
            <Typography variant="body2">
              Check the highlighted {fieldProblems === 1 ? 'field' : 'fields'}{' '}
              below.
            </Typography>
          )}
        </Alert>
      )}

      <BasicDetailsSection
        mode={mode}
        form={form}
        errors={errors}
        onChange={onChange}
      />
      <ScopeSection form={form} errors={errors} onChange={onChange} />
      {!form.steps && (
        <ExecutionSection form={form} errors={errors} onChange={onChange} />
      )}
      <AccessSection form={form} errors={errors} onChange={onChange} />
      <ParametersSection form={form} errors={errors} onChange={onChange} />
      {!form.steps && (
        <>
          <RequestSection form={form} errors={errors} onChange={onChange} />
          <PreviewSection
            form={form}
            onCheck={check}
            onDefinitionErrors={found =>
              setState(s => ({ ...s, errors: found }))
            }
          />
        </>
      )}
      <StepsSection form={form} errors={errors} onChange={onChange} />

      <div className={classes.actions}>
        <Button
          variant="contained"
          color="primary"
          disabled={saving}
          onClick={save}
        >
          {saving && 'Saving…'}
          {!saving && (mode === 'edit' ? 'Save changes' : 'Create workflow')}
        </Button>
        <Button disabled={saving} onClick={() => navigate(rootLink())}>
          Cancel
        </Button>
        {workflow && (
          <>
            <span className={classes.spacer} />
            {!deletePermission.loading && !deletePermission.allowed && (
              <Typography variant="body2" color="textSecondary">
                You are not allowed to delete this workflow.
              </Typography>
            )}
            <Button
              color="secondary"
              variant="outlined"
              startIcon={<DeleteOutline />}
              disabled={saving || !deletePermission.allowed}
              onClick={() => setDeleteOpen(true)}
            >
              Delete
            </Button>
            <DeleteWorkflowDialog
              open={deleteOpen}
              workflowName={workflow.name}
              onClose={() => setDeleteOpen(false)}
              onConfirm={remove}
            />
          </>
        )}
      </div>
    </form>
  );
}

import { FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import {
  Box,
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormHelperText,
  Switch,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  WorkflowParameter,
  WorkflowListItem,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { runRouteRef } from '../../routes';
import { useOptionalRouteRef } from '../Runs/useOptionalRouteRef';
import { WorkflowAvatar } from '../Workflows/WorkflowAvatar';
import { workflowRunnability } from '../Workflows/capabilities';
import { EntityPicker } from './EntityPicker';
import {
  ParameterErrors,
  ParameterValues,
  initialValues,
  parseFieldError,
  toRunInputs,
  validateParameter,
  validateParameters,
} from './parameterValues';

/** Props of {@link RunWorkflowDialog}. */
export interface RunWorkflowDialogProps {
  workflow: WorkflowListItem;
  open: boolean;
  onClose(): void;
  /**
   * The entity the run is for, fixed: when opened from an entity page. Without
   * it, entity-scoped workflows ask for one.
   */
  entityRef?: string;
}

const useStyles = makeStyles(theme => ({
  title: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
  },
  titleAvatar: {
    flexShrink: 0,
  },
  titleText: {
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
  form: {
    display: 'flex',
    flexDirection: 'column',
    flex: '1 1 auto',
    minHeight: 0,
  },
  description: {
    marginBottom: theme.spacing(2),
    overflowWrap: 'anywhere',
  },
  note: {
    marginBottom: theme.spacing(2),
  },
  entity: {
    marginBottom: theme.spacing(1),
  },
  progress: {
    marginRight: theme.spacing(1),
  },
}));

/** The focus target of the entity field, beside parameter identifiers. */
const ENTITY_FIELD = '\u0000entity';

/** The message of an error; the server's own words for backend errors. */
function errorMessage(error: unknown): string {
  const body = (error as { body?: { error?: { message?: unknown } } })?.body;
  if (typeof body?.error?.message === 'string') {
    return body.error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function errorStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function alertTitle(status: number | undefined, approval: boolean): string {
  switch (status) {
    case 403:
      return approval
        ? 'You may not request this workflow'
        : 'You may not run this workflow';
    case 404:
      return 'The workflow or entity no longer exists';
    case 409:
      return 'The workflow changed or the run conflicts with another';
    default:
      return approval
        ? 'Could not request the run'
        : 'Could not run the workflow';
  }
}

/**
 * Asks for what a workflow run needs (its parameters, and for entity
 * workflows opened without an entity, the entity) and triggers the run, or
 * requests it when the workflow requires approval. Opens the run's page once
 * the run exists.
 */
export function RunWorkflowDialog(props: RunWorkflowDialogProps) {
  const { workflow, open, onClose } = props;
  const classes = useStyles();
  const titleId = useId();
  const [busy, setBusy] = useState(false);

  return (
    <Dialog
      open={open}
      onClose={busy ? undefined : onClose}
      disableEscapeKeyDown={busy}
      aria-labelledby={titleId}
      fullWidth
      maxWidth="sm"
      scroll="paper"
    >
      <DialogTitle id={titleId} disableTypography className={classes.title}>
        <WorkflowAvatar
          icon={workflow.icon}
          color={workflow.color}
          size="small"
          className={classes.titleAvatar}
        />
        <Typography variant="h6" component="h2" className={classes.titleText}>
          {workflow.name}
        </Typography>
      </DialogTitle>
      <RunWorkflowForm {...props} busy={busy} onBusyChange={setBusy} />
    </Dialog>
  );
}

function RunWorkflowForm(
  props: RunWorkflowDialogProps & {
    busy: boolean;
    onBusyChange(busy: boolean): void;
  },
) {
  const { workflow, onClose, entityRef, busy, onBusyChange } = props;
  const classes = useStyles();
  const api = useApi(selfServiceApiRef);
  const runLink = useOptionalRouteRef(runRouteRef);
  const navigate = useNavigate();
  const formId = useId();
  const fieldIdPrefix = useId();

  const parameters = workflow.parameters;
  const approval = workflow.access.type === 'approval';
  const approvers =
    workflow.access.type === 'approval' ? workflow.access.approvers : [];
  const needsEntity = workflow.scope.type === 'entity' && !entityRef;
  const runnability = workflowRunnability(workflow);
  const blocked = runnability?.allowed === false;

  const [values, setValues] = useState<ParameterValues>(() =>
    initialValues(parameters),
  );
  const [errors, setErrors] = useState<ParameterErrors>({});
  // Fields validate on every change once left (or submitted) once.
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [entity, setEntity] = useState<Entity | null>(null);
  const [entityError, setEntityError] = useState<string>();
  const [alert, setAlert] = useState<{ title: string; message: string }>();
  const fields = useRef<Record<string, HTMLElement | null>>({});
  const entityField = useRef<HTMLInputElement | null>(null);
  // Focus moves once the fields are enabled again after submitting.
  const [focusRequest, setFocusRequest] = useState<{ field: string }>();

  useEffect(() => {
    if (!focusRequest) {
      return;
    }
    const element =
      focusRequest.field === ENTITY_FIELD
        ? entityField.current
        : fields.current[focusRequest.field];
    element?.focus();
  }, [focusRequest]);

  const focusField = (field: string) => setFocusRequest({ field });

  const fieldId = (parameter: WorkflowParameter) =>
    `${fieldIdPrefix}-${parameter.identifier}`;

  const setValue = (parameter: WorkflowParameter, value: string | boolean) => {
    setValues(prev => ({ ...prev, [parameter.identifier]: value }));
    if (touched[parameter.identifier] || errors[parameter.identifier]) {
      setErrors(prev => ({
        ...prev,
        [parameter.identifier]: validateParameter(parameter, value),
      }));
    }
  };

  const validateField = (parameter: WorkflowParameter) => {
    setTouched(prev => ({ ...prev, [parameter.identifier]: true }));
    setErrors(prev => ({
      ...prev,
      [parameter.identifier]: validateParameter(
        parameter,
        values[parameter.identifier],
      ),
    }));
  };

  const handleSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || blocked) {
      return;
    }
    const fieldErrors = validateParameters(parameters, values);
    const missingEntity =
      needsEntity && !entity ? 'Choose an entity.' : undefined;
    setErrors(fieldErrors);
    setTouched(
      Object.fromEntries(parameters.map(p => [p.identifier, true] as const)),
    );
    setEntityError(missingEntity);
    if (missingEntity) {
      focusField(ENTITY_FIELD);
      return;
    }
    const firstInvalid = parameters.find(p => fieldErrors[p.identifier]);
    if (firstInvalid) {
      focusField(firstInvalid.identifier);
      return;
    }

    const target =
      entityRef ?? (entity ? stringifyEntityRef(entity) : undefined);
    setAlert(undefined);
    onBusyChange(true);
    try {
      const run = await api.triggerRun(workflow.identifier, {
        ...(target ? { entityRef: target } : {}),
        inputs: toRunInputs(parameters, values),
      });
      onBusyChange(false);
      if (runLink) {
        navigate(runLink({ runId: run.id }));
      }
      onClose();
    } catch (error) {
      onBusyChange(false);
      const message = errorMessage(error);
      const status = errorStatus(error);
      if (status === 400) {
        const fieldError = parseFieldError(message);
        if (
          fieldError?.field === 'input' &&
          parameters.some(p => p.identifier === fieldError.identifier)
        ) {
          setErrors(prev => ({
            ...prev,
            [fieldError.identifier]: fieldError.message,
          }));
          focusField(fieldError.identifier);
          return;
        }
        if (fieldError?.field === 'entityRef' && needsEntity) {
          setEntityError(fieldError.message);
          focusField(ENTITY_FIELD);
          return;
        }
      }
      setAlert({ title: alertTitle(status, approval), message });
    }
  };

  const submitLabel = approval ? 'Request run' : 'Run';

  return (
    <form
      id={formId}
      className={classes.form}
      onSubmit={handleSubmit}
      noValidate
    >
      <DialogContent dividers>
        {alert && (
          <Alert severity="error" className={classes.note}>
            <AlertTitle>{alert.title}</AlertTitle>
            {alert.message}
          </Alert>
        )}
        {blocked && (
          <Alert severity="warning" className={classes.note}>
            <AlertTitle>You cannot run this workflow</AlertTitle>
            {runnability?.reason}
          </Alert>
        )}
        <Typography variant="body1" className={classes.description}>
          {workflow.description || 'No description.'}
        </Typography>
        {approval && (
          <Alert severity="info" className={classes.note} role="note">
            <AlertTitle>Approval required</AlertTitle>
            The run starts once an approver accepts your request.
            {approvers.length > 0 && (
              <>
                {' '}
                Approvers:{' '}
                <EntityRefLinks entityRefs={approvers} defaultKind="group" />
              </>
            )}
          </Alert>
        )}
        {entityRef ? (
          <Typography variant="body2" className={classes.entity}>
            Entity: <EntityRefLink entityRef={entityRef} />
          </Typography>
        ) : (
          workflow.scope.type === 'global' && (
            <Typography
              variant="body2"
              color="textSecondary"
              className={classes.entity}
            >
              This workflow does not run against an entity.
            </Typography>
          )
        )}
        {needsEntity && (
          <EntityPicker
            workflow={workflow}
            value={entity}
            onChange={picked => {
              setEntity(picked);
              if (picked) {
                setEntityError(undefined);
              }
            }}
            error={entityError}
            disabled={busy}
            inputRef={entityField}
          />
        )}
        {parameters.map(parameter => (
          <ParameterField
            key={parameter.identifier}
            id={fieldId(parameter)}
            parameter={parameter}
            value={values[parameter.identifier]}
            error={errors[parameter.identifier]}
            disabled={busy}
            onChange={value => setValue(parameter, value)}
            onBlur={() => validateField(parameter)}
            inputRef={element => {
              fields.current[parameter.identifier] = element;
            }}
          />
        ))}
        {parameters.length === 0 && !needsEntity && (
          <Typography variant="body2" color="textSecondary">
            This workflow takes no inputs.
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          type="submit"
          color="primary"
          variant="contained"
          disabled={busy || blocked}
          aria-busy={busy}
        >
          {busy && (
            <CircularProgress
              size={16}
              color="inherit"
              className={classes.progress}
              aria-hidden="true"
            />
          )}
          {busy ? `${submitLabel}…` : submitLabel}
        </Button>
      </DialogActions>
    </form>
  );
}

interface ParameterFieldProps {
  id: string;
  parameter: WorkflowParameter;
  value: string | boolean | undefined;
  error?: string;
  disabled: boolean;
  onChange(value: string | boolean): void;
  onBlur(): void;
  inputRef(element: HTMLInputElement | null): void;
}

/** One parameter as a form control that fits its type. */
function ParameterField(props: ParameterFieldProps) {
  const { id, parameter, value, error, disabled, onChange, onBlur, inputRef } =
    props;
  // The backend fills in the default for a value left out, so an emptied
  // field does not mean "no value"; say so rather than surprise.
  const usesDefault =
    !parameter.required &&
    parameter.default !== undefined &&
    parameter.default !== '';
  const defaultNote = usesDefault
    ? `Left empty, the default (${String(parameter.default)}) is used.`
    : undefined;
  const helperText =
    error ??
    ([parameter.description, defaultNote].filter(Boolean).join(' ') ||
      undefined);

  if (parameter.type === 'boolean') {
    const helperId = `${id}-helper`;
    return (
      <Box mt={1}>
        <FormControl error={Boolean(error)} disabled={disabled}>
          <FormControlLabel
            control={
              <Switch
                id={id}
                color="primary"
                checked={value === true}
                onChange={event => onChange(event.target.checked)}
                inputRef={inputRef}
                inputProps={
                  parameter.description
                    ? { 'aria-describedby': helperId }
                    : undefined
                }
              />
            }
            label={parameter.name}
          />
          {parameter.description && (
            <FormHelperText id={helperId}>
              {parameter.description}
            </FormHelperText>
          )}
        </FormControl>
      </Box>
    );
  }

  const common = {
    id,
    label: parameter.name,
    required: parameter.required,
    value: typeof value === 'string' ? value : '',
    error: Boolean(error),
    helperText,
    disabled,
    fullWidth: true,
    margin: 'normal' as const,
    variant: 'outlined' as const,
    inputRef,
    onBlur,
    onChange: (event: { target: { value: string } }) =>
      onChange(event.target.value),
  };

  if (parameter.type === 'select') {
    return (
      <TextField
        {...common}
        select
        SelectProps={{ native: true }}
        InputLabelProps={{ shrink: true }}
      >
        {(!parameter.required || !common.value) && (
          <option value="">
            {parameter.required && 'Choose an option'}
            {!parameter.required &&
              (usesDefault ? `Default (${String(parameter.default)})` : 'None')}
          </option>
        )}
        {(parameter.options ?? []).map(option => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </TextField>
    );
  }

  if (parameter.type === 'integer' || parameter.type === 'float') {
    return (
      <TextField
        {...common}
        inputProps={{
          inputMode: parameter.type === 'integer' ? 'numeric' : 'decimal',
          autoComplete: 'off',
        }}
      />
    );
  }

  return <TextField {...common} />;
}

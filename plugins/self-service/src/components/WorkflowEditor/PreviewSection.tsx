import { useId, useState } from 'react';
import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import {
  RequestPreview,
  RunInputs,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceApiRef } from '../../api';
import { EditorSection } from './EditorSection';
import {
  FieldErrors,
  errorMessage,
  mapErrorMessages,
  previewInputKey,
} from './fieldErrors';
import {
  ParameterForm,
  WorkflowForm,
  parseNumber,
  parseOptions,
  toDefinition,
} from './workflowForm';

const useStyles = makeStyles(theme => ({
  code: {
    fontFamily: 'monospace',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    margin: 0,
    padding: theme.spacing(1.5),
    backgroundColor: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
  },
  monospace: {
    fontFamily: 'monospace',
    wordBreak: 'break-all',
  },
}));

/** A sample value of a parameter: its default, or something that fits. */
export function sampleValue(parameter: ParameterForm): string | boolean {
  switch (parameter.type) {
    case 'boolean':
      return parameter.default === 'true';
    case 'integer':
      return parameter.default.trim() || '1';
    case 'float':
      return parameter.default.trim() || '1.5';
    case 'select':
      return (
        parameter.default.trim() || parseOptions(parameter.options)[0] || ''
      );
    default:
      return parameter.default || 'example';
  }
}

/**
 * The sample value shown for a parameter: what the user entered, unless the
 * parameter's type changed since, otherwise a sample.
 */
function currentValue(
  parameter: ParameterForm,
  values: Record<string, string | boolean>,
): string | boolean {
  const value = values[parameter.key];
  if (parameter.type === 'boolean') {
    return typeof value === 'boolean' ? value : sampleValue(parameter);
  }
  return typeof value === 'string' ? value : sampleValue(parameter);
}

/** The run inputs the preview sends for the sample values. */
function toInputs(
  parameters: ParameterForm[],
  values: Record<string, string | boolean>,
): RunInputs {
  const inputs: RunInputs = {};
  for (const parameter of parameters) {
    const identifier = parameter.identifier.trim();
    if (!identifier) {
      continue;
    }
    const value = currentValue(parameter, values);
    if (typeof value === 'boolean') {
      inputs[identifier] = value;
    } else if (
      parameter.type === 'string' ? value !== '' : value.trim() !== ''
    ) {
      // Numbers that are not are sent as typed, so the backend names the
      // problem at the field.
      inputs[identifier] =
        parameter.type === 'integer' || parameter.type === 'float'
          ? parseNumber(value) ?? value
          : value;
    }
  }
  return inputs;
}

function without(errors: FieldErrors, key: string): FieldErrors {
  if (!(key in errors)) {
    return errors;
  }
  const rest = { ...errors };
  delete rest[key];
  return rest;
}

/** Props of {@link PreviewSection}. */
export interface PreviewSectionProps {
  form: WorkflowForm;
  /**
   * Runs the editor's own checks before a preview; false when they found
   * problems (shown at their fields).
   */
  onCheck: () => boolean;
  /**
   * Errors of the definition found by the backend, for their fields; they
   * replace the errors shown at the fields. Not called when the preview
   * failed for another reason, so those stay.
   */
  onDefinitionErrors: (errors: FieldErrors) => void;
}

/** Renders the request for sample inputs through the backend. */
export function PreviewSection(props: PreviewSectionProps) {
  const { form, onCheck, onDefinitionErrors } = props;
  const classes = useStyles();
  const id = useId();
  const api = useApi(selfServiceApiRef);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [entityRef, setEntityRef] = useState('');
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<RequestPreview>();
  const [error, setError] = useState<string>();
  const [inputErrors, setInputErrors] = useState<FieldErrors>({});
  const entityScoped = form.scopeType === 'entity';

  const setValue = (key: string, value: string | boolean) => {
    setValues(v => ({ ...v, [key]: value }));
    setInputErrors(e => without(e, previewInputKey(key)));
  };

  const run = async () => {
    setPreview(undefined);
    setError(undefined);
    setInputErrors({});
    if (!onCheck()) {
      setError('Fix the highlighted fields first.');
      return;
    }
    setBusy(true);
    try {
      setPreview(
        await api.previewRequest({
          definition: toDefinition(form),
          inputs: toInputs(form.parameters, values),
          ...(entityScoped &&
            entityRef.trim() !== '' && { entityRef: entityRef.trim() }),
        }),
      );
    } catch (e) {
      const message = errorMessage(e);
      const { fields } = mapErrorMessages([message], form);
      const previewFields: FieldErrors = {};
      const definitionFields: FieldErrors = {};
      for (const [key, value] of Object.entries(fields)) {
        (key.startsWith('preview.') ? previewFields : definitionFields)[key] =
          value;
      }
      setInputErrors(previewFields);
      // Only errors at fields of the definition replace those shown there
      // (say, from the last save); others leave them be.
      if (Object.keys(definitionFields).length > 0) {
        onDefinitionErrors(definitionFields);
      }
      setError(message);
    } finally {
      setBusy(false);
    }
  };

  const inputField = (parameter: ParameterForm) => {
    const key = parameter.key;
    const label = parameter.name.trim() || parameter.identifier.trim();
    const value = currentValue(parameter, values);
    const fieldError = inputErrors[previewInputKey(key)];
    const fieldId = `${id}-${key}`;
    if (parameter.type === 'boolean') {
      return (
        <FormControlLabel
          control={
            <Checkbox
              color="primary"
              checked={value === true}
              onChange={event => setValue(key, event.target.checked)}
            />
          }
          label={label}
        />
      );
    }
    const common = {
      id: fieldId,
      label,
      fullWidth: true,
      size: 'small' as const,
      variant: 'outlined' as const,
      value: String(value),
      error: !!fieldError,
      helperText: fieldError ?? `{{data.${parameter.identifier.trim()}}}`,
      onChange: (event: { target: { value: string } }) =>
        setValue(key, event.target.value),
    };
    if (parameter.type === 'select') {
      return (
        <TextField {...common} select SelectProps={{ native: true }}>
          {!parameter.required && <option value="">(none)</option>}
          {parseOptions(parameter.options).map(option => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </TextField>
      );
    }
    const numeric = parameter.type === 'integer' || parameter.type === 'float';
    return <TextField {...common} type={numeric ? 'number' : 'text'} />;
  };

  const named = form.parameters.filter(p => p.identifier.trim() !== '');

  return (
    <EditorSection
      title="Preview"
      description="See the request a run would send for sample inputs. Nothing is sent; secrets appear redacted."
    >
      {named.length > 0 && (
        <Typography variant="subtitle1" component="h3" gutterBottom>
          Sample inputs
        </Typography>
      )}
      <Grid container spacing={2}>
        {named.map(parameter => (
          <Grid item xs={12} sm={6} md={4} key={parameter.key}>
            {inputField(parameter)}
          </Grid>
        ))}
        {entityScoped && (
          <Grid item xs={12} md={6}>
            <TextField
              id={`${id}-entity`}
              label="Entity (optional)"
              fullWidth
              size="small"
              variant="outlined"
              placeholder="component:default/payments"
              value={entityRef}
              error={!!inputErrors['preview.entityRef']}
              helperText={
                inputErrors['preview.entityRef'] ??
                'An entity ref from the catalog; empty uses a sample entity.'
              }
              onChange={event => {
                setEntityRef(event.target.value);
                setInputErrors(e => without(e, 'preview.entityRef'));
              }}
            />
          </Grid>
        )}
      </Grid>
      <Box mt={2}>
        <Button
          variant="outlined"
          color="primary"
          disabled={busy}
          onClick={run}
        >
          {busy ? 'Rendering…' : 'Preview request'}
        </Button>
      </Box>
      <Box mt={2} aria-live="polite">
        {error && (
          <Alert severity="error">
            <span>Could not render the request: {error}</span>
          </Alert>
        )}
        {preview && (
          <Box>
            <Typography variant="subtitle1" component="h3" gutterBottom>
              Rendered request
            </Typography>
            <pre className={classes.code} aria-label="Method and URL">
              {preview.method} {preview.url}
            </pre>
            <Typography variant="subtitle2" component="h4">
              Headers
            </Typography>
            {Object.keys(preview.headers).length === 0 ? (
              <Typography variant="body2" color="textSecondary">
                No headers.
              </Typography>
            ) : (
              <Table size="small" aria-label="Rendered headers">
                <TableHead>
                  <TableRow>
                    <TableCell>Name</TableCell>
                    <TableCell>Value</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {Object.entries(preview.headers).map(([name, value]) => (
                    <TableRow key={name}>
                      <TableCell className={classes.monospace}>
                        {name}
                      </TableCell>
                      <TableCell className={classes.monospace}>
                        {value}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
            <Box mt={1}>
              <Typography variant="subtitle2" component="h4">
                Body
              </Typography>
              {preview.body === undefined || preview.body === '' ? (
                <Typography variant="body2" color="textSecondary">
                  No body.
                </Typography>
              ) : (
                <pre className={classes.code} aria-label="Rendered body">
                  {preview.body}
                </pre>
              )}
            </Box>
          </Box>
        )}
      </Box>
    </EditorSection>
  );
}

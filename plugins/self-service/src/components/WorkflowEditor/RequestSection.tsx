import { useEffect, useId, useRef, useState } from 'react';
import {
  Box,
  Button,
  FormHelperText,
  Grid,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import Add from '@material-ui/icons/Add';
import DeleteOutline from '@material-ui/icons/DeleteOutline';
import {
  WORKFLOW_REQUEST_METHODS,
  WorkflowRequestMethod,
} from '@backstage-self-service/plugin-self-service-common';
import { DeliveryFields } from './DeliveryFields';
import { EditorSection, SectionProps } from './EditorSection';
import { headerFieldKey } from './fieldErrors';
import { RequestVariableGroup } from './variables';
import { VariablesHelp } from './VariablesHelp';
import { HeaderForm, emptyHeader } from './workflowForm';

const useStyles = makeStyles(theme => ({
  monospace: {
    fontFamily: 'monospace',
  },
  headerRow: {
    marginBottom: theme.spacing(1),
  },
  removeCell: {
    display: 'flex',
    alignItems: 'center',
  },
}));

/** The headers of the request as editable name and value rows. */
function HeadersEditor(props: SectionProps) {
  const { form, errors, onChange } = props;
  const classes = useStyles();
  const id = useId();
  const addButton = useRef<HTMLButtonElement>(null);
  const [added, setAdded] = useState<string>();
  const [removed, setRemoved] = useState(0);

  useEffect(() => {
    if (removed > 0) {
      addButton.current?.focus();
    }
  }, [removed]);
  // A header just added gets focus on its name.
  useEffect(() => {
    if (added) {
      document.getElementById(`${id}-${added}-name`)?.focus();
    }
  }, [added, id]);

  const updateHeaders = (update: (headers: HeaderForm[]) => HeaderForm[]) =>
    onChange(f => ({ ...f, headers: update(f.headers) }));
  const updateHeader = (key: string, patch: Partial<HeaderForm>) =>
    updateHeaders(headers =>
      headers.map(h => (h.key === key ? { ...h, ...patch } : h)),
    );

  return (
    <Box mt={2} mb={2}>
      <Typography variant="subtitle1" component="h3" id={`${id}-heading`}>
        Headers
      </Typography>
      {errors['request.headers'] && (
        <FormHelperText error>{errors['request.headers']}</FormHelperText>
      )}
      {form.headers.length === 0 && (
        <Typography variant="body2" color="textSecondary" paragraph>
          No headers. Secrets go in header values as {'{{secrets.NAME}}'}.
        </Typography>
      )}
      {form.headers.map((header, index) => {
        const nameError = errors[headerFieldKey(header.key, 'name')];
        const valueError = errors[headerFieldKey(header.key, 'value')];
        return (
          <Grid
            container
            spacing={1}
            key={header.key}
            role="group"
            aria-label={`Header ${index + 1}`}
            className={classes.headerRow}
          >
            <Grid item xs={12} sm={4}>
              <TextField
                id={`${id}-${header.key}-name`}
                label="Name"
                fullWidth
                size="small"
                variant="outlined"
                value={header.name}
                error={!!nameError}
                helperText={nameError}
                inputProps={{ spellCheck: false }}
                onChange={event =>
                  updateHeader(header.key, { name: event.target.value })
                }
              />
            </Grid>
            <Grid item xs={10} sm={6}>
              <TextField
                id={`${id}-${header.key}-value`}
                label="Value"
                fullWidth
                size="small"
                variant="outlined"
                value={header.value}
                error={!!valueError}
                helperText={valueError}
                InputProps={{ classes: { input: classes.monospace } }}
                inputProps={{ spellCheck: false }}
                onChange={event =>
                  updateHeader(header.key, { value: event.target.value })
                }
              />
            </Grid>
            <Grid item xs={2} className={classes.removeCell}>
              <Button
                size="small"
                color="secondary"
                startIcon={<DeleteOutline />}
                aria-label={`Remove header ${index + 1}`}
                onClick={() => {
                  updateHeaders(headers =>
                    headers.filter(h => h.key !== header.key),
                  );
                  setRemoved(count => count + 1);
                }}
              >
                Remove
              </Button>
            </Grid>
          </Grid>
        );
      })}
      <Button
        ref={addButton}
        size="small"
        variant="outlined"
        color="primary"
        startIcon={<Add />}
        onClick={() => {
          const header = emptyHeader();
          setAdded(header.key);
          updateHeaders(headers => [...headers, header]);
        }}
      >
        Add header
      </Button>
    </Box>
  );
}

/** Method, URL, headers, body and delivery of the request, and the variables. */
export function RequestSection(props: SectionProps) {
  return (
    <EditorSection
      title="HTTP request"
      description="The request a run sends to the external system. A 2xx answer counts as success."
    >
      <RequestFields {...props} />
    </EditorSection>
  );
}

/**
 * The fields of {@link RequestSection}, also those of each request step,
 * whose variables panel also lists the outputs of the steps before it.
 */
export function RequestFields(
  props: SectionProps & { extraVariables?: RequestVariableGroup[] },
) {
  const { form, errors, onChange, extraVariables } = props;
  const classes = useStyles();
  const id = useId();

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={8}>
        <Grid container spacing={2}>
          <Grid item xs={12} sm={3}>
            <TextField
              id={`${id}-method`}
              label="Method"
              select
              fullWidth
              variant="outlined"
              SelectProps={{ native: true }}
              value={form.method}
              error={!!errors['request.method']}
              helperText={errors['request.method']}
              onChange={event => {
                const method = event.target.value as WorkflowRequestMethod;
                onChange(f => ({ ...f, method }));
              }}
            >
              {WORKFLOW_REQUEST_METHODS.map(method => (
                <option key={method} value={method}>
                  {method}
                </option>
              ))}
            </TextField>
          </Grid>
          <Grid item xs={12} sm={9}>
            <TextField
              id={`${id}-url`}
              label="URL"
              required
              fullWidth
              variant="outlined"
              placeholder="https://ci.example.com/api/pipelines/{{entity.identifier}}/run"
              value={form.url}
              error={!!errors['request.url']}
              helperText={
                errors['request.url'] ??
                'http:// or https://. Variables may go in the path and query, not in the scheme or host.'
              }
              InputProps={{ classes: { input: classes.monospace } }}
              inputProps={{ spellCheck: false }}
              onChange={event => {
                const url = event.target.value;
                onChange(f => ({ ...f, url }));
              }}
            />
          </Grid>
        </Grid>
        <HeadersEditor form={form} errors={errors} onChange={onChange} />
        <TextField
          id={`${id}-body`}
          label="Body (optional)"
          fullWidth
          multiline
          minRows={6}
          variant="outlined"
          value={form.body}
          error={!!errors['request.body']}
          helperText={
            errors['request.body'] ??
            (form.method === 'GET'
              ? 'A GET request cannot have a body.'
              : 'Sent as is; in JSON bodies a variable that is a whole value keeps its type, like {"replicas": {{data.replicas}}}.')
          }
          InputProps={{ classes: { input: classes.monospace } }}
          inputProps={{ spellCheck: false }}
          onChange={event => {
            const body = event.target.value;
            onChange(f => ({ ...f, body }));
          }}
        />
        <DeliveryFields form={form} errors={errors} onChange={onChange} />
      </Grid>
      <Grid item xs={12} md={4}>
        <VariablesHelp form={form} extraGroups={extraVariables} />
      </Grid>
    </Grid>
  );
}

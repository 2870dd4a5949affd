import { useEffect, useId, useRef } from 'react';
import {
  Box,
  Button,
  FormControlLabel,
  FormHelperText,
  Grid,
  Switch,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import ArrowUpward from '@material-ui/icons/ArrowUpward';
import ArrowDownward from '@material-ui/icons/ArrowDownward';
import DeleteOutline from '@material-ui/icons/DeleteOutline';
import {
  WORKFLOW_PARAMETER_TYPES,
  WorkflowParameterType,
} from '@backstage-self-service/plugin-self-service-common';
import { FieldErrors, parameterFieldKey } from './fieldErrors';
import {
  ParameterForm,
  parseOptions,
  suggestParameterIdentifier,
} from './workflowForm';

const useStyles = makeStyles(theme => ({
  card: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  },
}));

/** Props of {@link ParameterEditor}. */
export interface ParameterEditorProps {
  parameter: ParameterForm;
  index: number;
  count: number;
  errors: FieldErrors;
  /** Focus the name field when first shown (a parameter just added). */
  focusOnMount?: boolean;
  /** Prefix of the ids of the move buttons, so focus can follow a move. */
  buttonIdPrefix: string;
  onChange: (update: (parameter: ParameterForm) => ParameterForm) => void;
  onMove: (offset: -1 | 1) => void;
  onRemove: () => void;
}

/** The input that holds a parameter's default, matching its type. */
function DefaultField(props: {
  id: string;
  parameter: ParameterForm;
  error?: string;
  onChange: (value: string) => void;
}) {
  const { id, parameter, error, onChange } = props;
  const common = {
    id,
    label: 'Default (optional)',
    fullWidth: true,
    variant: 'outlined' as const,
    value: parameter.default,
    error: !!error,
    onChange: (event: { target: { value: string } }) =>
      onChange(event.target.value),
  };

  if (parameter.type === 'boolean' || parameter.type === 'select') {
    const options =
      parameter.type === 'boolean'
        ? ['true', 'false']
        : parseOptions(parameter.options);
    if (parameter.default !== '' && !options.includes(parameter.default)) {
      options.push(parameter.default);
    }
    return (
      <TextField
        {...common}
        select
        SelectProps={{ native: true }}
        InputLabelProps={{ shrink: true }}
        helperText={
          error ??
          (parameter.type === 'select'
            ? 'Preselected for users; one of the options.'
            : 'Preselected for users.')
        }
      >
        <option value="">No default</option>
        {options.map(option => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </TextField>
    );
  }

  const numeric = parameter.type === 'integer' || parameter.type === 'float';
  return (
    <TextField
      {...common}
      type={numeric ? 'number' : 'text'}
      inputProps={
        numeric ? { step: parameter.type === 'integer' ? 1 : 'any' } : undefined
      }
      helperText={
        error ??
        {
          string: 'Prefilled for users.',
          integer: 'A whole number, prefilled for users.',
          float: 'A number, prefilled for users.',
        }[parameter.type as 'string' | 'integer' | 'float']
      }
    />
  );
}

/** One input parameter: its fields and buttons to move or remove it. */
export function ParameterEditor(props: ParameterEditorProps) {
  const {
    parameter,
    index,
    count,
    errors,
    focusOnMount,
    buttonIdPrefix,
    onChange,
    onMove,
    onRemove,
  } = props;
  const classes = useStyles();
  const id = useId();
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusOnMount) {
      nameInput.current?.focus();
    }
    // Only when the row first appears.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const headingId = `${id}-heading`;
  const error = (field?: Parameters<typeof parameterFieldKey>[1]) =>
    errors[parameterFieldKey(parameter.key, field)];
  const title = parameter.name.trim()
    ? `Parameter ${index + 1}: ${parameter.name.trim()}`
    : `Parameter ${index + 1}`;

  return (
    <Box role="group" aria-labelledby={headingId} className={classes.card}>
      <div className={classes.header}>
        <Typography id={headingId} variant="h6" component="h3">
          {title}
        </Typography>
        <div className={classes.actions}>
          <Button
            id={`${buttonIdPrefix}-up`}
            size="small"
            startIcon={<ArrowUpward />}
            disabled={index === 0}
            onClick={() => onMove(-1)}
          >
            Move up
          </Button>
          <Button
            id={`${buttonIdPrefix}-down`}
            size="small"
            startIcon={<ArrowDownward />}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            Move down
          </Button>
          <Button
            size="small"
            color="secondary"
            startIcon={<DeleteOutline />}
            onClick={onRemove}
          >
            Remove
          </Button>
        </div>
      </div>
      {error() && (
        <FormHelperText error role="alert">
          {error()}
        </FormHelperText>
      )}
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <TextField
            id={`${id}-name`}
            label="Name"
            required
            fullWidth
            inputRef={nameInput}
            variant="outlined"
            value={parameter.name}
            error={!!error('name')}
            helperText={error('name') ?? 'The label users see, like "Reason".'}
            inputProps={{ maxLength: 200 }}
            onChange={event => {
              const name = event.target.value;
              onChange(p => ({
                ...p,
                name,
                ...(!p.identifierEdited && {
                  identifier: suggestParameterIdentifier(name),
                }),
              }));
            }}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <TextField
            id={`${id}-identifier`}
            label="Identifier"
            required
            fullWidth
            variant="outlined"
            value={parameter.identifier}
            error={!!error('identifier')}
            helperText={
              error('identifier') ??
              (parameter.identifier.trim()
                ? `Used in the request as {{data.${parameter.identifier.trim()}}}.`
                : 'Letters, digits and underscores; suggested from the name.')
            }
            inputProps={{ maxLength: 64, spellCheck: false }}
            onChange={event => {
              const identifier = event.target.value;
              onChange(p => ({
                ...p,
                identifier,
                identifierEdited: identifier !== '',
              }));
            }}
          />
        </Grid>
        <Grid item xs={12}>
          <TextField
            id={`${id}-description`}
            label="Description"
            fullWidth
            variant="outlined"
            value={parameter.description}
            error={!!error('description')}
            helperText={
              error('description') ?? 'Help shown with the field (optional).'
            }
            inputProps={{ maxLength: 2000 }}
            onChange={event => {
              const description = event.target.value;
              onChange(p => ({ ...p, description }));
            }}
          />
        </Grid>
        <Grid item xs={12} sm={6} md={4}>
          <TextField
            id={`${id}-type`}
            label="Type"
            select
            fullWidth
            variant="outlined"
            SelectProps={{ native: true }}
            value={parameter.type}
            error={!!error('type')}
            helperText={error('type')}
            onChange={event => {
              const type = event.target.value as WorkflowParameterType;
              // A default of another type would no longer fit.
              onChange(p =>
                p.type === type ? p : { ...p, type, default: '' },
              );
            }}
          >
            {WORKFLOW_PARAMETER_TYPES.map(type => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </TextField>
        </Grid>
        <Grid item xs={12} sm={6} md={4}>
          <FormControlLabel
            control={
              <Switch
                color="primary"
                checked={parameter.required}
                onChange={event => {
                  const required = event.target.checked;
                  onChange(p => ({ ...p, required }));
                }}
              />
            }
            label="Required"
          />
          {error('required') && (
            <FormHelperText error>{error('required')}</FormHelperText>
          )}
        </Grid>
        {parameter.type === 'select' && (
          <Grid item xs={12} md={6}>
            <TextField
              id={`${id}-options`}
              label="Options"
              required
              fullWidth
              multiline
              minRows={3}
              variant="outlined"
              value={parameter.options}
              error={!!error('options')}
              helperText={error('options') ?? 'One option per line.'}
              onChange={event => {
                const options = event.target.value;
                onChange(p => ({ ...p, options }));
              }}
            />
          </Grid>
        )}
        <Grid item xs={12} md={6}>
          <DefaultField
            id={`${id}-default`}
            parameter={parameter}
            error={error('default')}
            onChange={value => onChange(p => ({ ...p, default: value }))}
          />
        </Grid>
      </Grid>
    </Box>
  );
}

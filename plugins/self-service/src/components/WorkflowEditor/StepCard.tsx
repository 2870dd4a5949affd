import { memo, useId } from 'react';
import {
  Box,
  Button,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  Grid,
  IconButton,
  Paper,
  RadioGroup,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import Add from '@material-ui/icons/Add';
import ArrowDownward from '@material-ui/icons/ArrowDownward';
import ArrowUpward from '@material-ui/icons/ArrowUpward';
import DeleteOutline from '@material-ui/icons/DeleteOutline';
import {
  upstreamStepIds,
  type WorkflowStepKind,
} from '@backstage-self-service/plugin-self-service-common';
import { STEP_KIND_TEXT } from '../StepGraph';
import { ExecutionFields } from './ExecutionSection';
import { FieldErrors } from './fieldErrors';
import { PrincipalPicker } from './PrincipalPicker';
import { RadioOption } from './RadioOption';
import { RequestFields } from './RequestSection';
import { outputFieldKey, requestErrorsOf, stepFieldKey } from './stepErrors';
import {
  OutputForm,
  StepForm,
  emptyOutput,
  fromRequestView,
  requestView,
  suggestStepId,
} from './stepForm';
import { RequestVariableGroup } from './variables';
import { WorkflowForm } from './workflowForm';

const useStyles = makeStyles(theme => ({
  card: {
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  heading: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
  title: {
    flex: 1,
    overflowWrap: 'anywhere',
  },
  monospace: {
    fontFamily: 'monospace',
  },
}));

/** Props of {@link StepCard}. */
export interface StepCardProps {
  form: WorkflowForm;
  step: StepForm;
  index: number;
  errors: FieldErrors;
  onChange: (update: (form: WorkflowForm) => WorkflowForm) => void;
}

/** A label for a step in lists and messages: its name, or its id. */
export function stepLabel(step: StepForm, index: number): string {
  return step.name.trim() || step.id.trim() || `Step ${index + 1}`;
}

/**
 * What a step's card shows besides the step itself: its place, the other
 * steps (to wait for, and their outputs), the parameters and scope (for
 * the variables), and its errors. A card re-renders only when these or its
 * step change, so typing in one step does not re-render every other one.
 */
function cardSignature(props: StepCardProps): string {
  const { form, step, index, errors } = props;
  const steps = form.steps ?? [];
  const prefix = stepFieldKey(step.key);
  return JSON.stringify([
    index,
    steps.length,
    steps
      .filter(s => s.key !== step.key)
      .map(s => [s.key, s.name, s.id, s.kind, s.dependsOn, s.outputs]),
    form.parameters,
    form.scopeType,
    Object.entries(errors).filter(([key]) => key.startsWith(prefix)),
  ]);
}

/**
 * One step of a workflow of steps: its name, id, kind, what it waits for
 * and its kind's fields, with buttons to move and remove it.
 */
export const StepCard = memo(
  StepCardView,
  (before, after) =>
    before.step === after.step &&
    before.onChange === after.onChange &&
    cardSignature(before) === cardSignature(after),
);

function StepCardView(props: StepCardProps) {
  const { form, step, index, errors, onChange } = props;
  const classes = useStyles();
  const id = useId();
  const steps = form.steps ?? [];
  const label = stepLabel(step, index);
  const error = (field?: string) => errors[stepFieldKey(step.key, field)];

  const update = (patch: (s: StepForm) => StepForm) =>
    onChange(f => ({
      ...f,
      steps: (f.steps ?? []).map(s => (s.key === step.key ? patch(s) : s)),
    }));
  const move = (by: number) =>
    onChange(f => {
      const list = [...(f.steps ?? [])];
      const at = list.findIndex(s => s.key === step.key);
      const to = at + by;
      if (at < 0 || to < 0 || to >= list.length) return f;
      [list[at], list[to]] = [list[to], list[at]];
      return { ...f, steps: list };
    });
  const remove = () =>
    onChange(f => ({
      ...f,
      // What waited for it now waits for nothing in its place.
      steps: (f.steps ?? [])
        .filter(s => s.key !== step.key)
        .map(s =>
          s.dependsOn.includes(step.key)
            ? { ...s, dependsOn: s.dependsOn.filter(k => k !== step.key) }
            : s,
        ),
    }));

  const others = steps.filter(s => s.key !== step.key);
  const stepError = error();

  return (
    <Paper
      variant="outlined"
      component="section"
      aria-labelledby={`${id}-title`}
      className={classes.card}
    >
      <div className={classes.heading}>
        <Typography
          id={`${id}-title`}
          variant="h6"
          component="h3"
          className={classes.title}
        >
          {index + 1}. {label}
        </Typography>
        <IconButton
          size="small"
          aria-label={`Move ${label} up`}
          disabled={index === 0}
          onClick={() => move(-1)}
        >
          <ArrowUpward />
        </IconButton>
        <IconButton
          size="small"
          aria-label={`Move ${label} down`}
          disabled={index === steps.length - 1}
          onClick={() => move(1)}
        >
          <ArrowDownward />
        </IconButton>
        <IconButton
          size="small"
          aria-label={`Remove ${label}`}
          disabled={steps.length === 1}
          onClick={remove}
        >
          <DeleteOutline />
        </IconButton>
      </div>
      {stepError && (
        <Box mb={2}>
          <FormHelperText error>{stepError}</FormHelperText>
        </Box>
      )}
      <Grid container spacing={2}>
        <Grid item xs={12} sm={5}>
          <TextField
            id={`${id}-name`}
            label="Step name"
            required
            fullWidth
            variant="outlined"
            value={step.name}
            error={!!error('name')}
            helperText={error('name') ?? 'Shown on the run page.'}
            onChange={event => {
              const name = event.target.value;
              update(s => ({
                ...s,
                name,
                ...(!s.idEdited && { id: suggestStepId(name) }),
              }));
            }}
          />
        </Grid>
        <Grid item xs={12} sm={4}>
          <TextField
            id={`${id}-id`}
            label="Step id"
            required
            fullWidth
            variant="outlined"
            value={step.id}
            error={!!error('id')}
            helperText={
              error('id') ?? 'Later steps use its outputs by this id.'
            }
            InputProps={{ classes: { input: classes.monospace } }}
            inputProps={{ spellCheck: false }}
            onChange={event => {
              const value = event.target.value;
              update(s => ({ ...s, id: value, idEdited: true }));
            }}
          />
        </Grid>
        <Grid item xs={12} sm={3}>
          <TextField
            id={`${id}-kind`}
            label="Kind"
            select
            fullWidth
            variant="outlined"
            SelectProps={{ native: true }}
            value={step.kind}
            error={!!error('kind')}
            helperText={error('kind')}
            onChange={event => {
              const kind = event.target.value as WorkflowStepKind;
              update(s => ({ ...s, kind }));
            }}
          >
            {(Object.keys(STEP_KIND_TEXT) as WorkflowStepKind[]).map(kind => (
              <option key={kind} value={kind}>
                {STEP_KIND_TEXT[kind]}
              </option>
            ))}
          </TextField>
        </Grid>
      </Grid>

      <Box mt={2}>
        <FormControl component="fieldset" error={!!error('dependsOn')}>
          <FormLabel component="legend">Waits for</FormLabel>
          {others.length === 0 ? (
            <FormHelperText>
              The only step: it starts when the run does.
            </FormHelperText>
          ) : (
            <FormGroup row>
              {others.map(other => (
                <FormControlLabel
                  key={other.key}
                  label={stepLabel(other, steps.indexOf(other))}
                  control={
                    <Checkbox
                      checked={step.dependsOn.includes(other.key)}
                      onChange={event => {
                        const checked = event.target.checked;
                        update(s => ({
                          ...s,
                          dependsOn: checked
                            ? [...s.dependsOn, other.key]
                            : s.dependsOn.filter(k => k !== other.key),
                        }));
                      }}
                    />
                  }
                />
              ))}
            </FormGroup>
          )}
          <FormHelperText>
            {error('dependsOn') ??
              (step.dependsOn.length === 0
                ? 'Starts when the run does.'
                : 'Starts once every step it waits for has succeeded.')}
          </FormHelperText>
        </FormControl>
      </Box>

      <Box mt={2}>
        {step.kind === 'request' && (
          <RequestStepFields {...props} update={update} />
        )}
        {step.kind === 'approval' && (
          <ApprovalStepFields {...props} update={update} />
        )}
        {step.kind === 'wait' && <WaitStepFields {...props} update={update} />}
      </Box>
    </Paper>
  );
}

type KindFieldsProps = StepCardProps & {
  update: (patch: (s: StepForm) => StepForm) => void;
};

/** The variables of this step and the outputs of the steps before it. */
function stepVariables(form: WorkflowForm, step: StepForm) {
  const steps = form.steps ?? [];
  const upstream = upstreamStepIds(
    steps.map(s => ({ id: s.key, dependsOn: s.dependsOn })),
    step.key,
  );
  const outputs = steps
    .filter(s => upstream.has(s.key) && s.kind === 'request')
    .flatMap(s =>
      s.outputs
        .filter(o => o.name.trim() !== '' && s.id.trim() !== '')
        .map(o => ({
          variable: `{{steps.${s.id.trim()}.outputs.${o.name.trim()}}}`,
          description: `Output "${o.name.trim()}" of step "${stepLabel(
            s,
            steps.indexOf(s),
          )}".`,
        })),
    );
  const groups: RequestVariableGroup[] = [
    {
      title: 'This step',
      variables: [
        {
          variable: '{{step.callbackUrl}}',
          description:
            'Where an event-driven step posts its status, outputs, messages and links.',
        },
        {
          variable: '{{step.token}}',
          description:
            "The step's own token for those callbacks; a secret, redacted when recorded.",
        },
      ],
    },
  ];
  if (outputs.length > 0) {
    groups.push({ title: 'Outputs of earlier steps', variables: outputs });
  }
  return groups;
}

function RequestStepFields(props: KindFieldsProps) {
  const { form, step, errors, onChange, update } = props;
  const view = requestView(form, step);
  const viewErrors = requestErrorsOf(errors, step.key);
  const onViewChange = (edit: (view: WorkflowForm) => WorkflowForm) =>
    onChange(f => ({
      ...f,
      steps: (f.steps ?? []).map(s =>
        s.key === step.key ? fromRequestView(s, edit(requestView(f, s))) : s,
      ),
    }));
  return (
    <>
      <ExecutionFields
        form={view}
        errors={viewErrors}
        onChange={onViewChange}
        subject="step"
      />
      <Box mt={2}>
        <RequestFields
          form={view}
          errors={viewErrors}
          onChange={onViewChange}
          extraVariables={stepVariables(form, step)}
        />
      </Box>
      <OutputsEditor {...props} update={update} />
    </>
  );
}

/** Named outputs: JSON pointers into the step's response. */
function OutputsEditor(props: KindFieldsProps) {
  const { step, errors, update } = props;
  const classes = useStyles();
  const id = useId();
  const listError = errors[stepFieldKey(step.key, 'outputs')];
  const updateOutput = (key: string, patch: Partial<OutputForm>) =>
    update(s => ({
      ...s,
      outputs: s.outputs.map(o => (o.key === key ? { ...o, ...patch } : o)),
    }));
  return (
    <Box mt={3} role="group" aria-labelledby={`${id}-heading`}>
      <Typography variant="subtitle1" component="h4" id={`${id}-heading`}>
        Outputs
      </Typography>
      <Typography variant="body2" color="textSecondary" paragraph>
        Values later steps use as {'{{steps.<id>.outputs.<name>}}'}: a JSON
        pointer into the response, or posted by the external system with the
        step&apos;s status.
      </Typography>
      {listError && <FormHelperText error>{listError}</FormHelperText>}
      {step.outputs.map((output, index) => {
        const nameError = errors[outputFieldKey(step.key, output.key, 'name')];
        const pointerError =
          errors[outputFieldKey(step.key, output.key, 'pointer')];
        return (
          <Grid container spacing={2} key={output.key}>
            <Grid item xs={12} sm={4}>
              <TextField
                id={`${id}-${output.key}-name`}
                label={`Output ${index + 1} name`}
                fullWidth
                margin="dense"
                variant="outlined"
                value={output.name}
                error={!!nameError}
                helperText={nameError}
                InputProps={{ classes: { input: classes.monospace } }}
                onChange={event =>
                  updateOutput(output.key, { name: event.target.value })
                }
              />
            </Grid>
            <Grid item xs={10} sm={7}>
              <TextField
                id={`${id}-${output.key}-pointer`}
                label={`Output ${index + 1} JSON pointer`}
                fullWidth
                margin="dense"
                variant="outlined"
                placeholder="/cluster/id"
                value={output.pointer}
                error={!!pointerError}
                helperText={pointerError}
                InputProps={{ classes: { input: classes.monospace } }}
                onChange={event =>
                  updateOutput(output.key, { pointer: event.target.value })
                }
              />
            </Grid>
            <Grid item xs={2} sm={1}>
              <IconButton
                aria-label={`Remove output ${index + 1}`}
                onClick={() =>
                  update(s => ({
                    ...s,
                    outputs: s.outputs.filter(o => o.key !== output.key),
                  }))
                }
              >
                <DeleteOutline />
              </IconButton>
            </Grid>
          </Grid>
        );
      })}
      <Button
        startIcon={<Add />}
        size="small"
        onClick={() =>
          update(s => ({ ...s, outputs: [...s.outputs, emptyOutput()] }))
        }
      >
        Add output
      </Button>
    </Box>
  );
}

function ApprovalStepFields(props: KindFieldsProps) {
  const { step, errors, update } = props;
  const id = useId();
  const error = (field: string) => errors[stepFieldKey(step.key, field)];
  return (
    <>
      <PrincipalPicker
        id={`${id}-approvers`}
        label="Approvers"
        required
        helperText="Users and groups who decide this step. Type to search the catalog."
        error={error('approvers')}
        value={step.approvers}
        onChange={approvers => update(s => ({ ...s, approvers }))}
      />
      <Box mt={2}>
        <FormControl component="fieldset" error={!!error('mode')}>
          <FormLabel component="legend" id={`${id}-mode`}>
            Who must approve
          </FormLabel>
          <RadioGroup
            aria-labelledby={`${id}-mode`}
            name={`${id}-mode`}
            value={step.mode}
            onChange={event => {
              const mode = event.target.value as StepForm['mode'];
              update(s => ({ ...s, mode }));
            }}
          >
            <RadioOption
              value="any"
              label="Any one approver"
              description="The first decision decides the step."
            />
            <RadioOption
              value="all"
              label="All approvers"
              description="Every user and group listed approves (a group through any of its members); one rejection fails the step."
            />
          </RadioGroup>
          {error('mode') && <FormHelperText>{error('mode')}</FormHelperText>}
        </FormControl>
      </Box>
      <FormControl error={!!error('allowSelfApproval')}>
        <FormControlLabel
          control={
            <Checkbox
              checked={step.allowSelfApproval}
              onChange={event => {
                const allowSelfApproval = event.target.checked;
                update(s => ({ ...s, allowSelfApproval }));
              }}
            />
          }
          label="Requesters may approve their own runs"
        />
        {error('allowSelfApproval') && (
          <FormHelperText>{error('allowSelfApproval')}</FormHelperText>
        )}
      </FormControl>
      <Box mt={2} maxWidth={320}>
        <TextField
          id={`${id}-timeout`}
          label="Time out after (minutes)"
          type="number"
          fullWidth
          variant="outlined"
          value={step.approvalTimeoutMinutes}
          error={!!error('timeoutSeconds')}
          helperText={
            error('timeoutSeconds') ??
            'Undecided after this long, the step and the run time out. Empty waits as long as it takes.'
          }
          inputProps={{ min: 1, step: 'any' }}
          onChange={event => {
            const approvalTimeoutMinutes = event.target.value;
            update(s => ({ ...s, approvalTimeoutMinutes }));
          }}
        />
      </Box>
    </>
  );
}

function WaitStepFields(props: KindFieldsProps) {
  const { form, step, errors, update } = props;
  const id = useId();
  const error = (field: string) => errors[stepFieldKey(step.key, field)];
  const textParameters = form.parameters.filter(
    p => p.type === 'string' && p.identifier.trim() !== '',
  );
  return (
    <FormControl component="fieldset" fullWidth>
      <FormLabel component="legend" id={`${id}-wait`}>
        Wait
      </FormLabel>
      <RadioGroup
        aria-labelledby={`${id}-wait`}
        name={`${id}-wait`}
        value={step.waitFor}
        onChange={event => {
          const waitFor = event.target.value as StepForm['waitFor'];
          update(s => ({ ...s, waitFor }));
        }}
      >
        <RadioOption
          value="seconds"
          label="For a time"
          description="A number of seconds after the steps it waits for."
        />
        <RadioOption
          value="until"
          label="Until a time the requester gives"
          description="A text parameter holding an ISO 8601 date and time, like 2027-01-15T22:00:00Z."
        />
      </RadioGroup>
      <Box mt={1} maxWidth={360}>
        {step.waitFor === 'seconds' ? (
          <TextField
            id={`${id}-seconds`}
            label="Seconds"
            type="number"
            required
            fullWidth
            variant="outlined"
            value={step.seconds}
            error={!!error('seconds')}
            helperText={error('seconds') ?? 'From 1 second to 30 days.'}
            inputProps={{ min: 1, step: 1 }}
            onChange={event => {
              const seconds = event.target.value;
              update(s => ({ ...s, seconds }));
            }}
          />
        ) : (
          <TextField
            id={`${id}-until`}
            label="Parameter"
            select
            required
            fullWidth
            variant="outlined"
            SelectProps={{ native: true }}
            value={step.untilParameter}
            error={!!error('untilParameter')}
            helperText={
              error('untilParameter') ??
              (textParameters.length === 0
                ? 'Add a text parameter for the requester to give the time in.'
                : undefined)
            }
            onChange={event => {
              const untilParameter = event.target.value;
              update(s => ({ ...s, untilParameter }));
            }}
          >
            <option value="">Choose a parameter</option>
            {textParameters.map(p => (
              <option key={p.key} value={p.identifier.trim()}>
                {p.name.trim() || p.identifier.trim()}
              </option>
            ))}
          </TextField>
        )}
      </Box>
    </FormControl>
  );
}

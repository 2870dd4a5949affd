import { useId } from 'react';
import {
  FormControl,
  FormHelperText,
  FormLabel,
  Grid,
  RadioGroup,
  TextField,
} from '@material-ui/core';
import { EditorSection, SectionProps } from './EditorSection';
import { RadioOption } from './RadioOption';
import { TimeoutUnit } from './workflowForm';

/** Simple or event-driven, and the timeout of event-driven runs. */
export function ExecutionSection(props: SectionProps) {
  return (
    <EditorSection
      title="Execution"
      description="When a run counts as finished."
    >
      <ExecutionFields {...props} />
    </EditorSection>
  );
}

/**
 * The fields of {@link ExecutionSection}, also those of each request step
 * (where `subject` says "step" for "run").
 */
export function ExecutionFields(props: SectionProps & { subject?: string }) {
  const { form, errors, onChange, subject = 'run' } = props;
  const id = useId();
  const legendId = `${id}-legend`;
  const timeoutError = errors['execution.timeoutSeconds'];

  return (
    <>
      <FormControl
        component="fieldset"
        error={!!errors['execution.type']}
        fullWidth
      >
        <FormLabel component="legend" id={legendId}>
          Execution type
        </FormLabel>
        <RadioGroup
          aria-labelledby={legendId}
          name={`${id}-execution`}
          value={form.executionType}
          onChange={event => {
            const executionType = event.target.value as
              | 'simple'
              | 'event-driven';
            onChange(f => ({ ...f, executionType }));
          }}
        >
          <RadioOption
            value="simple"
            label="Simple"
            description={`Complete as soon as the request gets a 2xx answer; any other answer or a network error fails the ${subject}.`}
          />
          <RadioOption
            value="event-driven"
            label="Event-driven"
            description="Stays in progress after a 2xx answer until the external system reports the final status through the callback URL, or the timeout passes."
          />
        </RadioGroup>
        {errors['execution.type'] && (
          <FormHelperText>{errors['execution.type']}</FormHelperText>
        )}
      </FormControl>

      {form.executionType === 'event-driven' && (
        <Grid container spacing={2}>
          <Grid item xs={8} md={4}>
            <TextField
              id={`${id}-timeout`}
              label="Timeout"
              type="number"
              fullWidth
              variant="outlined"
              placeholder="24"
              value={form.timeout}
              error={!!timeoutError}
              helperText={
                timeoutError ??
                `Unfinished, the ${subject} fails as timed out after this long. Empty means 24 hours; from 1 minute to 30 days.`
              }
              inputProps={{ min: 0, step: 'any' }}
              onChange={event => {
                const timeout = event.target.value;
                onChange(f => ({ ...f, timeout }));
              }}
            />
          </Grid>
          <Grid item xs={4} md={2}>
            <TextField
              id={`${id}-timeout-unit`}
              label="Unit"
              select
              fullWidth
              variant="outlined"
              SelectProps={{ native: true }}
              value={form.timeoutUnit}
              onChange={event => {
                const timeoutUnit = event.target.value as TimeoutUnit;
                onChange(f => ({ ...f, timeoutUnit }));
              }}
            >
              <option value="minutes">minutes</option>
              <option value="hours">hours</option>
            </TextField>
          </Grid>
        </Grid>
      )}
    </>
  );
}

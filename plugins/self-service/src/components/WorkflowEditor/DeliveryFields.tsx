import { useId } from 'react';
import { Box, Grid, TextField, Typography } from '@material-ui/core';
import { MAX_DELIVERY_ATTEMPTS } from '@backstage-self-service/plugin-self-service-common';
import { SectionProps } from './EditorSection';
import { DEFAULT_MAX_ATTEMPTS } from './workflowForm';

/** How often the request is tried, and whether it is signed. */
export function DeliveryFields(props: SectionProps) {
  const { form, errors, onChange } = props;
  const id = useId();
  const attemptsError = errors['delivery.maxAttempts'];
  const signingKeyError = errors['delivery.signingKey'];

  return (
    <Box mt={3} role="group" aria-labelledby={`${id}-heading`}>
      <Typography variant="subtitle1" component="h3" id={`${id}-heading`}>
        Delivery
      </Typography>
      <Grid container spacing={2}>
        <Grid item xs={12} sm={4}>
          <TextField
            id={`${id}-attempts`}
            label="Attempts"
            type="number"
            fullWidth
            variant="outlined"
            placeholder={String(DEFAULT_MAX_ATTEMPTS)}
            value={form.maxAttempts}
            error={!!attemptsError}
            helperText={
              attemptsError ??
              `From 1 to ${MAX_DELIVERY_ATTEMPTS}. Network errors, time-outs, 408, 425, 429 and 5xx answers are retried with backoff; other 4xx answers never are.`
            }
            inputProps={{ min: 1, max: MAX_DELIVERY_ATTEMPTS, step: 1 }}
            onChange={event => {
              const maxAttempts = event.target.value;
              onChange(f => ({ ...f, maxAttempts }));
            }}
          />
        </Grid>
        <Grid item xs={12} sm={8}>
          <TextField
            id={`${id}-signing-key`}
            label="Signing key (optional)"
            fullWidth
            variant="outlined"
            value={form.signingKey}
            error={!!signingKeyError}
            helperText={
              signingKeyError ??
              'The name of a key in selfService.signing.keys; requests then carry Standard Webhooks signatures. Empty sends them unsigned.'
            }
            inputProps={{ spellCheck: false }}
            onChange={event => {
              const signingKey = event.target.value;
              onChange(f => ({ ...f, signingKey }));
            }}
          />
        </Grid>
      </Grid>
    </Box>
  );
}

import { useId } from 'react';
import {
  Box,
  FormControlLabel,
  Radio,
  Typography,
  makeStyles,
} from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  option: {
    alignItems: 'flex-start',
    marginBottom: theme.spacing(1),
  },
  radio: {
    paddingTop: theme.spacing(0.5),
  },
}));

/** Props of {@link RadioOption}. */
export interface RadioOptionProps {
  value: string;
  label: string;
  /** A line under the label, read out as the radio's description. */
  description: string;
  disabled?: boolean;
}

/**
 * A radio button with a label and a line of explanation. The label alone
 * names it, the explanation describes it.
 */
export function RadioOption(props: RadioOptionProps) {
  const { value, label, description, disabled } = props;
  const classes = useStyles();
  const descriptionId = useId();
  return (
    <FormControlLabel
      className={classes.option}
      value={value}
      disabled={disabled}
      control={
        <Radio
          className={classes.radio}
          color="primary"
          inputProps={{
            'aria-label': label,
            'aria-describedby': descriptionId,
          }}
        />
      }
      label={
        <Box>
          <Typography variant="body1">{label}</Typography>
          <Typography id={descriptionId} variant="body2" color="textSecondary">
            {description}
          </Typography>
        </Box>
      }
    />
  );
}

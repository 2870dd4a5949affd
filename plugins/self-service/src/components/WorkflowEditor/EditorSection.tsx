import { ReactNode, useId } from 'react';
import { Box, Paper, Typography, makeStyles } from '@material-ui/core';
import { FieldErrors } from './fieldErrors';
import { WorkflowForm } from './workflowForm';

const useStyles = makeStyles(theme => ({
  section: {
    padding: theme.spacing(3),
    marginBottom: theme.spacing(3),
  },
}));

/** What every section of the editor gets. */
export interface SectionProps {
  form: WorkflowForm;
  /** Error messages by field key; see {@link FieldErrors}. */
  errors: FieldErrors;
  /** Applies an edit to the form. */
  onChange: (update: (form: WorkflowForm) => WorkflowForm) => void;
}

/** Props of {@link EditorSection}. */
export interface EditorSectionProps {
  title: string;
  description?: ReactNode;
  children: ReactNode;
}

/** A titled part of the editor, a landmark named by its heading. */
export function EditorSection(props: EditorSectionProps) {
  const { title, description, children } = props;
  const classes = useStyles();
  const headingId = useId();
  return (
    <Paper
      component="section"
      aria-labelledby={headingId}
      className={classes.section}
    >
      <Typography id={headingId} variant="h5" component="h2" gutterBottom>
        {title}
      </Typography>
      {description && (
        <Typography variant="body2" color="textSecondary">
          {description}
        </Typography>
      )}
      <Box mt={2}>{children}</Box>
    </Paper>
  );
}

import { useId } from 'react';
import {
  Grid,
  InputAdornment,
  TextField,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { WorkflowAvatar } from '../Workflows/WorkflowAvatar';
import { EditorSection, SectionProps } from './EditorSection';
import { suggestWorkflowIdentifier } from './workflowForm';

const useStyles = makeStyles(theme => ({
  colorInput: {
    width: theme.spacing(4),
    height: theme.spacing(4),
    padding: 0,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    background: 'none',
    cursor: 'pointer',
  },
  preview: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    paddingTop: theme.spacing(0.5),
    [theme.breakpoints.down('sm')]: {
      flexDirection: 'row',
      gap: theme.spacing(1),
      paddingTop: 0,
    },
  },
}));

/** Props of {@link BasicDetailsSection}. */
export interface BasicDetailsSectionProps extends SectionProps {
  /** In edit mode the identifier is shown but cannot change. */
  mode: 'new' | 'edit';
}

/** A color the native color input accepts (`#rrggbb`), or black. */
function colorInputValue(color: string): string {
  const text = color.trim();
  if (/^#[0-9a-fA-F]{6}$/.test(text)) {
    return text.toLocaleLowerCase('en-US');
  }
  const short = /^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$/.exec(text);
  if (short) {
    return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`.toLocaleLowerCase(
      'en-US',
    );
  }
  return '#000000';
}

/** Name, identifier, description, icon and color of the workflow. */
export function BasicDetailsSection(props: BasicDetailsSectionProps) {
  const { form, errors, onChange, mode } = props;
  const classes = useStyles();
  const id = useId();

  return (
    <EditorSection
      title="Basic details"
      description="The name and description tell users what the workflow does; the icon and color tell it apart from others."
    >
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <TextField
            id={`${id}-name`}
            label="Name"
            required
            fullWidth
            variant="outlined"
            value={form.name}
            error={!!errors.name}
            helperText={
              errors.name ?? 'Shown to users, like "Restart service".'
            }
            inputProps={{ maxLength: 200 }}
            onChange={event => {
              const name = event.target.value;
              onChange(f => ({
                ...f,
                name,
                ...(mode === 'new' &&
                  !f.identifierEdited && {
                    identifier: suggestWorkflowIdentifier(name),
                  }),
              }));
            }}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <TextField
            id={`${id}-identifier`}
            label="Identifier"
            required={mode === 'new'}
            fullWidth
            variant="outlined"
            value={form.identifier}
            error={!!errors.identifier}
            helperText={
              errors.identifier ??
              (mode === 'edit'
                ? 'The identifier of a workflow cannot change once it is created.'
                : 'Used to run the workflow from the API. Lowercase letters, digits and dashes; suggested from the name until you edit it.')
            }
            InputProps={{ readOnly: mode === 'edit' }}
            inputProps={{ maxLength: 100, spellCheck: false }}
            onChange={event => {
              const identifier = event.target.value;
              onChange(f => ({
                ...f,
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
            multiline
            minRows={2}
            variant="outlined"
            value={form.description}
            error={!!errors.description}
            helperText={
              errors.description ?? 'What the workflow does and when to use it.'
            }
            inputProps={{ maxLength: 2000 }}
            onChange={event => {
              const description = event.target.value;
              onChange(f => ({ ...f, description }));
            }}
          />
        </Grid>
        <Grid item xs={12} md={5}>
          <TextField
            id={`${id}-icon`}
            label="Icon"
            fullWidth
            variant="outlined"
            placeholder="refresh"
            value={form.icon}
            error={!!errors.icon}
            helperText={
              errors.icon ??
              'An icon name of lowercase letters, digits and dashes, like "refresh".'
            }
            inputProps={{ maxLength: 100, spellCheck: false }}
            onChange={event => {
              const icon = event.target.value;
              onChange(f => ({ ...f, icon }));
            }}
          />
        </Grid>
        <Grid item xs={12} md={5}>
          <TextField
            id={`${id}-color`}
            label="Color"
            fullWidth
            variant="outlined"
            placeholder="#1976d2"
            value={form.color}
            error={!!errors.color}
            helperText={
              errors.color ??
              'A hex color like "#1976d2"; type it or use the picker.'
            }
            inputProps={{ maxLength: 100, spellCheck: false }}
            InputProps={{
              startAdornment: (
                <InputAdornment position="start">
                  <input
                    type="color"
                    className={classes.colorInput}
                    aria-label="Color picker"
                    title="Pick a color"
                    value={colorInputValue(form.color)}
                    onChange={event => {
                      const color = event.target.value;
                      onChange(f => ({ ...f, color }));
                    }}
                  />
                </InputAdornment>
              ),
            }}
            onChange={event => {
              const color = event.target.value;
              onChange(f => ({ ...f, color }));
            }}
          />
        </Grid>
        <Grid item xs={12} md={2}>
          {/* Decorative: the fields themselves say what the icon and color are. */}
          <div className={classes.preview} aria-hidden="true">
            <WorkflowAvatar icon={form.icon} color={form.color} />
            <Typography variant="caption" color="textSecondary">
              Preview
            </Typography>
          </div>
        </Grid>
      </Grid>
    </EditorSection>
  );
}

import { useEffect, useId } from 'react';
import { Box, Button, Typography, makeStyles } from '@material-ui/core';
import useCopyToClipboard from 'react-use/esm/useCopyToClipboard';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { RequestVariableGroup, requestVariables } from './variables';
import { WorkflowForm } from './workflowForm';

const useStyles = makeStyles(theme => ({
  panel: {
    backgroundColor: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(2),
  },
  list: {
    margin: 0,
    padding: 0,
    listStyle: 'none',
  },
  item: {
    marginBottom: theme.spacing(1),
  },
  variable: {
    fontFamily: 'monospace',
    textTransform: 'none',
    padding: theme.spacing(0, 0.5),
    minWidth: 0,
  },
}));

/**
 * The `{{...}}` variables the request may use for the workflow as edited,
 * each with what it holds; a click copies one.
 */
export function VariablesHelp(props: {
  form: WorkflowForm;
  /** More groups after the workflow's, like the outputs of earlier steps. */
  extraGroups?: RequestVariableGroup[];
}) {
  const { form, extraGroups = [] } = props;
  const classes = useStyles();
  const id = useId();
  const alertApi = useApi(alertApiRef);
  const [copied, copy] = useCopyToClipboard();

  useEffect(() => {
    if (copied.error) {
      alertApi.post({
        message: `Could not copy: ${copied.error.message}`,
        severity: 'error',
        display: 'transient',
      });
    } else if (copied.value) {
      alertApi.post({
        message: `Copied ${copied.value}`,
        severity: 'info',
        display: 'transient',
      });
    }
  }, [alertApi, copied]);

  return (
    <Box
      component="aside"
      aria-labelledby={`${id}-heading`}
      className={classes.panel}
    >
      <Typography id={`${id}-heading`} variant="h6" component="h3">
        Available variables
      </Typography>
      <Typography variant="body2" color="textSecondary" paragraph>
        Use them in the URL path and query, header values and the body. Click
        one to copy it.
      </Typography>
      {[...requestVariables(form), ...extraGroups].map((group, groupIndex) => (
        <Box key={group.title} mb={2}>
          <Typography
            id={`${id}-group-${groupIndex}`}
            variant="subtitle2"
            component="h4"
          >
            {group.title}
          </Typography>
          {group.variables.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              Add parameters to use their values as {'{{data.<identifier>}}'}.
            </Typography>
          ) : (
            <ul
              className={classes.list}
              aria-labelledby={`${id}-group-${groupIndex}`}
            >
              {group.variables.map(({ variable, description }) => (
                <li key={variable} className={classes.item}>
                  <Button
                    size="small"
                    color="primary"
                    className={classes.variable}
                    aria-label={`Copy ${variable}`}
                    title="Copy"
                    onClick={() => copy(variable)}
                  >
                    {variable}
                  </Button>
                  <Typography variant="body2" color="textSecondary">
                    {description}
                  </Typography>
                </li>
              ))}
            </ul>
          )}
        </Box>
      ))}
    </Box>
  );
}

import { ReactNode, useId } from 'react';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { CodeSnippet } from '@backstage/core-components';
import { RecordedAttempt, requestErrorKindText } from './eventData';
import { formatAbsoluteTime, formatRequestDuration } from './format';
import { attemptPosition } from './requestSentText';

const useStyles = makeStyles(theme => ({
  section: {
    marginTop: theme.spacing(3),
    '&:first-child': {
      marginTop: 0,
    },
  },
  subheading: {
    marginTop: theme.spacing(2),
    marginBottom: theme.spacing(1),
  },
  breakAll: {
    wordBreak: 'break-all',
  },
  fieldName: {
    width: '25%',
    whiteSpace: 'nowrap',
    verticalAlign: 'top',
  },
}));

/** A body as a code block, pretty-printed when it is JSON. */
function Body(props: { text: string; emptyText: string }) {
  const { text, emptyText } = props;
  if (text === '') {
    return (
      <Typography variant="body2" color="textSecondary">
        {emptyText}
      </Typography>
    );
  }
  let shown = text;
  let language = 'text';
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
    language = 'json';
  } catch {
    // Not JSON: shown as it is.
  }
  return (
    <CodeSnippet
      text={shown}
      language={language}
      wrapLongLines
      showCopyCodeButton
    />
  );
}

function Headers(props: { headers: Record<string, string>; label: string }) {
  const { headers, label } = props;
  const entries = Object.entries(headers);
  if (entries.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No headers
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          <TableCell component="th" scope="col">
            Name
          </TableCell>
          <TableCell component="th" scope="col">
            Value
          </TableCell>
        </TableRow>
      </TableHead>
      <NamedRows rows={entries} />
    </Table>
  );
}

/** Named values as a two-column table with the names as row headers. */
function Fields(props: { label: string; fields: Array<[string, ReactNode]> }) {
  const { label, fields } = props;
  return (
    <Table size="small" aria-label={label}>
      <NamedRows rows={fields} />
    </Table>
  );
}

/** Table rows of a name, as the row's header, and its value. */
function NamedRows(props: { rows: Array<[string, ReactNode]> }) {
  const classes = useStyles();
  return (
    <TableBody>
      {props.rows.map(([name, value]) => (
        <TableRow key={name}>
          <TableCell
            component="th"
            scope="row"
            role="rowheader"
            className={classes.fieldName}
          >
            {name}
          </TableCell>
          <TableCell className={classes.breakAll}>{value}</TableCell>
        </TableRow>
      ))}
    </TableBody>
  );
}

const outcomeText: Record<string, string> = {
  success: 'Succeeded',
  failure: 'Failed',
  unknown: 'Unknown',
};

/** The request's place in its delivery, when and how long it took, how it went. */
function summaryFields(data: RecordedAttempt): Array<[string, ReactNode]> {
  const summary: Array<[string, ReactNode]> = [];
  const attempt = attemptPosition(data);
  if (attempt) {
    summary.push(['Attempt', attempt]);
  }
  if (data.webhookId) {
    // As the receiver got it in the header of that name: what its
    // operator searches their logs for, the same on every attempt.
    summary.push(['webhook-id', data.webhookId]);
  }
  if (data.startedAt) {
    summary.push(['Sent', formatAbsoluteTime(data.startedAt)]);
  }
  if (data.durationMs !== undefined) {
    summary.push(['Duration', formatRequestDuration(data.durationMs)]);
  }
  if (data.outcome) {
    summary.push(['Outcome', outcomeText[data.outcome] ?? 'Failed']);
  }
  return summary;
}

/** Props of {@link RequestDialog}. */
export interface RequestDialogProps {
  open: boolean;
  onClose(): void;
  data: RecordedAttempt;
}

/**
 * The HTTP request a run sent and what came back: the response, the error
 * that kept it from coming, or both when reading the body failed. Secrets are
 * redacted by the backend before they are stored; this shows what is stored.
 */
export function RequestDialog(props: RequestDialogProps) {
  const { open, onClose, data } = props;
  const classes = useStyles();
  const titleId = useId();
  const { request, response, error } = data;
  const summary = summaryFields(data);

  return (
    <Dialog
      open={open}
      onClose={onClose}
      aria-labelledby={titleId}
      maxWidth="md"
      fullWidth
      scroll="paper"
    >
      <DialogTitle id={titleId}>HTTP request</DialogTitle>
      <DialogContent dividers>
        {summary.length > 0 && (
          <Box className={classes.section}>
            <Fields label="Summary" fields={summary} />
          </Box>
        )}

        <section
          className={classes.section}
          aria-labelledby={`${titleId}-request`}
        >
          <Typography variant="h6" component="h3" id={`${titleId}-request`}>
            Request
          </Typography>
          <Fields
            label="Request"
            fields={[
              ['Method', request.method],
              ['URL', request.url],
            ]}
          />
          <Typography
            variant="subtitle2"
            component="h4"
            className={classes.subheading}
          >
            Headers
          </Typography>
          <Headers headers={request.headers} label="Request headers" />
          <Typography
            variant="subtitle2"
            component="h4"
            className={classes.subheading}
          >
            Body
          </Typography>
          <Body text={request.body ?? ''} emptyText="No body" />
        </section>

        {response && (
          <section
            className={classes.section}
            aria-labelledby={`${titleId}-response`}
          >
            <Typography variant="h6" component="h3" id={`${titleId}-response`}>
              Response
            </Typography>
            <Fields
              label="Response"
              fields={[
                ['Status', `${response.status} ${response.statusText}`.trim()],
              ]}
            />
            <Typography
              variant="subtitle2"
              component="h4"
              className={classes.subheading}
            >
              Headers
            </Typography>
            <Headers headers={response.headers} label="Response headers" />
            <Typography
              variant="subtitle2"
              component="h4"
              className={classes.subheading}
            >
              Body
            </Typography>
            {response.bodyTruncated && (
              <Box mb={1}>
                <Alert severity="info">
                  The body was truncated: only its beginning was stored.
                </Alert>
              </Box>
            )}
            <Body text={response.body} emptyText="Empty body" />
          </section>
        )}

        {error && (
          <section
            className={classes.section}
            aria-labelledby={`${titleId}-error`}
          >
            <Typography variant="h6" component="h3" id={`${titleId}-error`}>
              Error
            </Typography>
            <Fields
              label="Error"
              fields={[
                ['Kind', requestErrorKindText(error.kind)],
                ['Message', error.message],
              ]}
            />
          </section>
        )}

        {!response && !error && (
          <Typography
            variant="body2"
            color="textSecondary"
            className={classes.section}
          >
            No response was recorded.
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} color="primary">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}

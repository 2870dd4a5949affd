import { ReactNode, useId, useState } from 'react';
import {
  Box,
  Button,
  Tooltip,
  Typography,
  makeStyles,
} from '@material-ui/core';
import {
  Timeline,
  TimelineConnector,
  TimelineContent,
  TimelineDot,
  TimelineItem,
  TimelineSeparator,
} from '@material-ui/lab';
import BlockIcon from '@material-ui/icons/Block';
import ChatIcon from '@material-ui/icons/Chat';
import DeleteSweepIcon from '@material-ui/icons/DeleteSweep';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import FlagIcon from '@material-ui/icons/Flag';
import HelpIcon from '@material-ui/icons/Help';
import HourglassEmptyIcon from '@material-ui/icons/HourglassEmpty';
import LinkIcon from '@material-ui/icons/Link';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import SendIcon from '@material-ui/icons/Send';
import UndoIcon from '@material-ui/icons/Undo';
import UpdateIcon from '@material-ui/icons/Update';
import WarningIcon from '@material-ui/icons/Warning';
import { EntityRefLinks } from '@backstage/plugin-catalog-react';
import {
  RunEvent,
  RunStatus,
  WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import { formatIsoDuration } from '../format/isoDuration';
import { RunLink } from '../Runs/RunLink';
import { runStatusText } from '../Runs/RunStatusLabel';
import { Actor, Timestamp, useVisuallyHidden } from './common';
import {
  RecordedAttempt,
  isRecordedAttempt,
  requestSentData,
  stringField,
  stringListField,
} from './eventData';
import { ExternalLink } from './ExternalLink';
import { formatAbsoluteTime } from './format';
import { MessageMarkdown } from './MessageMarkdown';
import { RequestDialog } from './RequestDialog';
import {
  isOutcomeUnknown,
  nextAttemptText,
  requestSentTitle,
} from './requestSentText';
import { webUrl } from './safeUrl';
import { TimelineEventBoundary } from './TimelineEventBoundary';

type Tone = 'neutral' | 'success' | 'warning' | 'error';

const useStyles = makeStyles(theme => ({
  timeline: {
    margin: 0,
    padding: 0,
  },
  // Without opposite content the lab's item still reserves half the width
  // for it; the timeline reads as a left-aligned list instead.
  noOppositeContent: {
    '&:before': {
      display: 'none',
    },
  },
  content: {
    paddingBottom: theme.spacing(3),
    minWidth: 0,
  },
  title: {
    overflowWrap: 'anywhere',
  },
  step: {
    display: 'block',
    lineHeight: 1.5,
    color: theme.palette.text.secondary,
    overflowWrap: 'anywhere',
  },
  meta: {
    color: theme.palette.text.secondary,
  },
  body: {
    marginTop: theme.spacing(1),
    overflowWrap: 'anywhere',
  },
  quote: {
    marginTop: theme.spacing(1),
    paddingLeft: theme.spacing(1.5),
    borderLeft: `3px solid ${theme.palette.divider}`,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  neutral: {},
  success: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  warning: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  error: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
}));

const FINAL_FAILURES: string[] = ['failed', 'timed_out', 'rejected'];

/** The actor of what the expiry sweep does, such as triggering a teardown. */
export const EXPIRY_ACTOR = 'self-service:expiry';

/** A status in words if it is one, else as it came. */
function statusText(status: string | undefined): string {
  return status ? runStatusText(status as RunStatus) : 'unknown';
}

interface DescribedEvent {
  icon: ReactNode;
  tone: Tone;
  title: ReactNode;
  /** Whether to name the actor under the title; not when the title does. */
  showActor: boolean;
  body?: ReactNode;
  /** The recorded request and response, which a dialog shows. */
  request?: RecordedAttempt;
}

function Quote(props: { text: string }) {
  const classes = useStyles();
  return (
    <Typography
      variant="body2"
      component="blockquote"
      className={classes.quote}
    >
      {props.text}
    </Typography>
  );
}

/** When the next attempt of a delivery goes, with the full time on hover. */
function NextAttempt(props: { iso: string }) {
  const { iso } = props;
  const visuallyHidden = useVisuallyHidden();
  const absolute = formatAbsoluteTime(iso);
  return (
    <Typography variant="body2">
      <Tooltip title={absolute}>
        <time dateTime={iso}>
          {nextAttemptText(iso)}
          <span className={visuallyHidden}> ({absolute})</span>
        </time>
      </Tooltip>
    </Typography>
  );
}

function byActor(actor: string | undefined): ReactNode {
  return actor ? (
    <>
      {' by '}
      <Actor actorRef={actor} />
    </>
  ) : null;
}

function describe(event: RunEvent): DescribedEvent {
  const { data, actor } = event;
  switch (event.type) {
    case 'triggered':
      return {
        icon: <PlayArrowIcon />,
        tone: 'neutral',
        title: <>Triggered workflow run{byActor(actor)}</>,
        showActor: false,
      };
    case 'approval_requested': {
      const approvers = stringListField(data, 'approvers');
      return {
        icon: <HourglassEmptyIcon />,
        tone: 'neutral',
        title:
          approvers.length > 0 ? (
            <>
              Approval requested from{' '}
              <EntityRefLinks entityRefs={approvers} defaultKind="user" />
            </>
          ) : (
            'Approval requested'
          ),
        showActor: true,
      };
    }
    case 'approved': {
      const comment = stringField(data, 'comment');
      return {
        icon: <CheckCircleIcon />,
        tone: 'success',
        title: <>Approved{byActor(actor)}</>,
        showActor: false,
        body: comment ? <Quote text={comment} /> : undefined,
      };
    }
    case 'rejected': {
      const comment = stringField(data, 'comment');
      return {
        icon: <BlockIcon />,
        tone: 'error',
        title: <>Rejected{byActor(actor)}</>,
        showActor: false,
        body: comment ? <Quote text={comment} /> : undefined,
      };
    }
    case 'withdrawn':
      return {
        icon: <UndoIcon />,
        tone: 'neutral',
        title: <>Withdrawn{byActor(actor)}</>,
        showActor: false,
      };
    case 'request_sent': {
      const request = requestSentData(data);
      const unknown = isOutcomeUnknown(request);
      let tone: Tone = 'error';
      if (unknown) {
        tone = 'warning';
      } else if (request.outcome === 'success') {
        tone = 'neutral';
      }
      return {
        icon: unknown ? <WarningIcon /> : <SendIcon />,
        tone,
        title: requestSentTitle(request),
        showActor: true,
        body: request.nextAttemptAt ? (
          <NextAttempt iso={request.nextAttemptAt} />
        ) : undefined,
        // An attempt whose outcome is unknown recorded no request to show.
        request: isRecordedAttempt(request) && !unknown ? request : undefined,
      };
    }
    case 'message':
      return {
        icon: <ChatIcon />,
        tone: 'neutral',
        title: 'Message',
        showActor: true,
        body: (
          <MessageMarkdown markdown={stringField(data, 'markdown') ?? ''} />
        ),
      };
    case 'link': {
      const label = stringField(data, 'label') ?? '';
      const url = stringField(data, 'url') ?? '';
      const href = webUrl(url);
      return {
        icon: <LinkIcon />,
        tone: 'neutral',
        title: href ? (
          <>
            Link: <ExternalLink href={href}>{label || href}</ExternalLink>
          </>
        ) : (
          // Only http(s) links are followed; anything else is shown, inert.
          <>
            Link: {label || url}
            {label && url ? ` (${url})` : ''}
          </>
        ),
        showActor: true,
      };
    }
    case 'status_changed': {
      const to = stringField(data, 'to');
      const message = stringField(data, 'message');
      let tone: Tone = 'neutral';
      if (to === 'success') {
        tone = 'success';
      } else if (to && FINAL_FAILURES.includes(to)) {
        tone = 'error';
      }
      return {
        icon: <FlagIcon />,
        tone,
        title: `Status changed from ${statusText(
          stringField(data, 'from'),
        )} to ${statusText(to)}`,
        showActor: true,
        body: message ? <Quote text={message} /> : undefined,
      };
    }
    case 'expiry_extended': {
      const by = stringField(data, 'by');
      const to = stringField(data, 'to');
      return {
        icon: <UpdateIcon />,
        tone: 'neutral',
        title: (
          <>
            Expiry extended{by ? ` by ${formatIsoDuration(by)}` : ''}
            {to && (
              <>
                , to <time dateTime={to}>{formatAbsoluteTime(to)}</time>
              </>
            )}
          </>
        ),
        showActor: true,
      };
    }
    case 'teardown_triggered': {
      const teardownRunId = stringField(data, 'teardownRunId');
      const byExpiry = actor === EXPIRY_ACTOR;
      const run = teardownRunId ? (
        <>
          : run <RunLink runId={teardownRunId} />
        </>
      ) : null;
      return {
        icon: <DeleteSweepIcon />,
        tone: 'warning',
        title: (
          <>
            Teardown triggered{byExpiry ? ' by expiry' : byActor(actor)}
            {run}
          </>
        ),
        showActor: false,
      };
    }
    default:
      return {
        icon: <HelpIcon />,
        tone: 'neutral',
        title: String(event.type),
        showActor: true,
      };
  }
}

/** One item of the timeline: a dot with an icon, joined to the next. */
function TimelineItemFrame(props: {
  icon: ReactNode;
  tone: Tone;
  last: boolean;
  children: ReactNode;
}) {
  const { icon, tone, last, children } = props;
  const classes = useStyles();
  return (
    <TimelineItem
      classes={{ missingOppositeContent: classes.noOppositeContent }}
    >
      <TimelineSeparator>
        <TimelineDot className={classes[tone]}>{icon}</TimelineDot>
        {!last && <TimelineConnector />}
      </TimelineSeparator>
      <TimelineContent className={classes.content}>{children}</TimelineContent>
    </TimelineItem>
  );
}

function TimelineEntry(props: {
  event: RunEvent;
  last: boolean;
  stepName?: string;
}) {
  const { event, last, stepName } = props;
  const classes = useStyles();
  const titleId = useId();
  const [viewing, setViewing] = useState(false);
  const described = describe(event);

  return (
    <TimelineItemFrame icon={described.icon} tone={described.tone} last={last}>
      {stepName && (
        <Typography variant="overline" component="p" className={classes.step}>
          Step: {stepName}
        </Typography>
      )}
      <Typography variant="body1" className={classes.title} id={titleId}>
        {described.title}
      </Typography>
      <Typography variant="body2" className={classes.meta}>
        <Timestamp iso={event.createdAt} />
        {described.showActor && event.actor && (
          <>
            {' · by '}
            <Actor actorRef={event.actor} />
          </>
        )}
      </Typography>
      {described.body && <Box className={classes.body}>{described.body}</Box>}
      {described.request && (
        <>
          <Box mt={1}>
            <Button
              variant="outlined"
              size="small"
              onClick={() => setViewing(true)}
              aria-describedby={titleId}
              aria-haspopup="dialog"
            >
              View
            </Button>
          </Box>
          <RequestDialog
            open={viewing}
            onClose={() => setViewing(false)}
            data={described.request}
          />
        </>
      )}
    </TimelineItemFrame>
  );
}

/**
 * In place of an event that could not be rendered: nothing of its data,
 * which is what failed, only that it is there.
 */
function UnshownEntry(props: { last: boolean }) {
  return (
    <TimelineItemFrame
      icon={<ErrorOutlineIcon />}
      tone="neutral"
      last={props.last}
    >
      <Typography variant="body2" color="textSecondary">
        This event could not be shown.
      </Typography>
    </TimelineItemFrame>
  );
}

/**
 * The events of a run, oldest first, each with an icon, title and time;
 * in a run of steps, an event of one step is headed with that step's name.
 */
export function RunTimeline(props: {
  events: RunEvent[];
  labelledBy: string;
  /** The workflow's steps, for a run of steps. */
  steps?: WorkflowStep[];
}) {
  const { events, labelledBy, steps } = props;
  const stepNames = new Map(steps?.map(step => [step.id, step.name]));
  const classes = useStyles();
  const sorted = [...events].sort((a, b) => a.sequence - b.sequence);
  if (sorted.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        Nothing has happened yet.
      </Typography>
    );
  }
  return (
    <Timeline className={classes.timeline} aria-labelledby={labelledBy}>
      {sorted.map((event, index) => {
        const last = index === sorted.length - 1;
        return (
          <TimelineEventBoundary
            key={event.id}
            fallback={<UnshownEntry last={last} />}
          >
            <TimelineEntry
              event={event}
              last={last}
              stepName={
                event.stepId
                  ? stepNames.get(event.stepId) ?? event.stepId
                  : undefined
              }
            />
          </TimelineEventBoundary>
        );
      })}
    </Timeline>
  );
}

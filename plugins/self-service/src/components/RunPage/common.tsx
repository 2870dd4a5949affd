import { Tooltip, makeStyles } from '@material-ui/core';
import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import { formatAbsoluteTime, formatRelativeTime } from './format';

const SERVICE_PREFIX = 'service:';

/**
 * Who did something: a link to a user (or group) entity, or the subject of a
 * service principal, which is not in the catalog.
 */
export function Actor(props: { actorRef: string }) {
  const { actorRef } = props;
  if (actorRef.startsWith(SERVICE_PREFIX)) {
    return <>{actorRef.slice(SERVICE_PREFIX.length)}</>;
  }
  try {
    parseEntityRef(actorRef, { defaultKind: 'user' });
  } catch {
    return <>{actorRef}</>;
  }
  return <EntityRefLink entityRef={actorRef} defaultKind="user" />;
}

const useStyles = makeStyles({
  visuallyHidden: {
    position: 'absolute',
    width: 1,
    height: 1,
    padding: 0,
    margin: -1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

/** Styles of text that only assistive technology reads out. */
export const useVisuallyHidden = () => useStyles().visuallyHidden;

/**
 * A time relative to now, with the full time in a tooltip on hover and read
 * out after it by assistive technology.
 */
export function Timestamp(props: { iso: string }) {
  const { iso } = props;
  const visuallyHidden = useVisuallyHidden();
  const absolute = formatAbsoluteTime(iso);
  return (
    <Tooltip title={absolute}>
      <time dateTime={iso}>
        {formatRelativeTime(iso)}
        <span className={visuallyHidden}> ({absolute})</span>
      </time>
    </Tooltip>
  );
}

/** The message of an error, preferring the server's own words. */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status of a failed request, if it was one. */
export function errorStatus(error: unknown): number | undefined {
  return ResponseError.is(error) ? error.statusCode : undefined;
}

import { ReactNode } from 'react';
import { Link } from '@backstage/core-components';
import { runRouteRef } from '../../routes';
import { useOptionalRouteRef } from './useOptionalRouteRef';

/**
 * A link to the page of a run, its id as the text unless told otherwise;
 * plain text when the app has not mounted the Self-Service page.
 */
export function RunLink(props: { runId: string; children?: ReactNode }) {
  const { runId, children } = props;
  const runLink = useOptionalRouteRef(runRouteRef);
  const text = children ?? runId;
  return runLink ? <Link to={runLink({ runId })}>{text}</Link> : <>{text}</>;
}

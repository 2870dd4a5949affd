import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { RunStatus } from '@backstage-self-service/plugin-self-service-common';

const statusText: Record<RunStatus, string> = {
  pending_approval: 'Pending approval',
  rejected: 'Rejected',
  canceled: 'Canceled',
  in_progress: 'In progress',
  success: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
};

/** The words for a run status, for example `Pending approval`. */
export function runStatusText(status: RunStatus): string {
  return statusText[status] ?? status;
}

/** A run status as a coloured indicator followed by its name. */
export function RunStatusLabel(props: { status: RunStatus }) {
  const { status } = props;
  const text = runStatusText(status);
  switch (status) {
    case 'success':
      return <StatusOK>{text}</StatusOK>;
    case 'failed':
    case 'rejected':
      return <StatusError>{text}</StatusError>;
    case 'timed_out':
      return <StatusWarning>{text}</StatusWarning>;
    case 'in_progress':
      return <StatusRunning>{text}</StatusRunning>;
    case 'pending_approval':
      return <StatusPending>{text}</StatusPending>;
    case 'canceled':
      return <StatusAborted>{text}</StatusAborted>;
    default:
      return <>{text}</>;
  }
}

import type { LoggerService } from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';
import type {
  Run,
  StepsWorkflowDefinition,
  WorkflowRequestStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { SelfServiceConfig } from '../config';
import { type DeliveryEntity, newDeliveryIds } from '../database/deliveryRows';
import type { ClaimedDelivery } from '../database/DeliveryStore';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import type { DispatchAttempt, Redactor } from '../dispatch';
import { generateRunToken } from '../runs/runToken';
import { attemptEventData } from './attemptRecord';
import type { AttemptTarget, StepOutputs } from './attemptTarget';

/** What sending a cancel request needs from the delivery worker. */
export interface CancelRequestDeps {
  /** Renders and sends one attempt, as every request of the worker. */
  send(
    target: AttemptTarget,
    claimed: ClaimedDelivery,
    token: string,
    signingSecrets: ReadonlyArray<string>,
  ): Promise<DispatchAttempt>;
  store: Pick<SelfServiceStore, 'appendRunEvents'>;
  logger: LoggerService;
  redactor: Redactor;
  signingKeys: SelfServiceConfig['signingKeys'];
  maxResponseBodyBytes: number;
}

/**
 * Tells the external system of an event-driven step that its run was
 * canceled, through the step's `cancelRequest`: once, best effort, the
 * attempt on the timeline. The token it carries is new and reports on
 * nothing: the step is over.
 */
export async function sendCancelRequest(
  deps: CancelRequestDeps,
  request: {
    run: Pick<Run, 'id' | 'inputs' | 'requestedBy'>;
    definition: StepsWorkflowDefinition;
    /** The step, with its `cancelRequest` as its request. */
    step: WorkflowRequestStep;
    entity: DeliveryEntity | undefined;
    outputs: StepOutputs;
  },
): Promise<void> {
  const { run, definition, step, entity, outputs } = request;
  const token = generateRunToken();
  const { webhookId } = newDeliveryIds();
  const redactor = deps.redactor.with([token]);
  const signingSecrets = step.delivery?.signingKey
    ? deps.signingKeys.get(step.delivery.signingKey) ?? []
    : [];
  const attempt = await deps
    .send(
      { run, definition, step: { step, outputs } },
      {
        id: webhookId,
        runId: run.id,
        webhookId,
        status: 'sending',
        attempts: 1,
        maxAttempts: 1,
        ...(entity && { entity }),
        stepId: step.id,
        attempt: 1,
        interrupted: false,
      },
      token,
      signingSecrets,
    )
    .catch(error => {
      deps.logger.warn(
        `Could not tell step ${step.id} of run ${run.id} it was canceled`,
        toError(error),
      );
      return undefined;
    });
  if (!attempt) {
    return;
  }
  await deps.store.appendRunEvents(run.id, [
    {
      type: 'request_sent',
      stepId: step.id,
      data: {
        ...attemptEventData(
          attempt,
          { attempt: 1, maxAttempts: 1, webhookId },
          redactor,
          deps.maxResponseBodyBytes,
        ),
        cancelRequest: true,
      },
    },
  ]);
}

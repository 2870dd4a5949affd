import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
  type StepsWorkflowDefinition,
  type WorkflowStep,
} from '@backstage-self-service/plugin-self-service-common';
import type { DeliveryEntity } from '../../database/deliveryRows';
import { deliveryEntity } from '../../delivery/renderDeliveryRequest';
import type { RunCommandDeps } from './RunCommandDeps';
import { currentEntity, definitionOf, requireRun } from './runLookups';

/**
 * A run of a workflow of steps, with its definition.
 * @throws NotFoundError when there is no such run.
 * @throws ConflictError when the run is of a workflow of one request.
 */
export async function requireStepsRun(
  deps: RunCommandDeps,
  runId: string,
): Promise<{ run: Run; definition: StepsWorkflowDefinition }> {
  const run = await requireRun(deps, runId);
  const definition = await definitionOf(deps, run);
  if (!hasSteps(definition)) {
    throw new ConflictError(
      `Run ${run.id} is of a workflow of one request, which has no steps`,
    );
  }
  return { run, definition };
}

/** A step of a run's workflow, by id. @throws NotFoundError */
export function requireStep(
  run: Run,
  definition: StepsWorkflowDefinition,
  stepId: string,
): WorkflowStep {
  const step = definition.steps.find(s => s.id === stepId);
  if (!step) {
    throw new NotFoundError(`Run ${run.id} has no step '${stepId}'`);
  }
  return step;
}

/**
 * The entity variables the run's step requests are rendered with: those
 * its first request was given, fixed then; before any request left (a
 * gate or a wait came first), the entity as the catalog has it now.
 */
export async function stepRequestEntity(
  deps: RunCommandDeps,
  run: Run,
): Promise<DeliveryEntity | undefined> {
  const delivery = await deps.deliveries.getRunDelivery(run.id);
  if (delivery) {
    return delivery.entity;
  }
  return deliveryEntity(await currentEntity(deps, run));
}

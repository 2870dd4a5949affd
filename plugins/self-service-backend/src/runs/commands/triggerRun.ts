import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
  type Workflow,
} from '@backstage-self-service/plugin-self-service-common';
import { randomUUID } from 'node:crypto';
import {
  type Caller,
  entityOwnerRefs,
  evaluateRunAccess,
} from '../../access/accessRules';
import { checkRenderable } from '../../delivery/checkRenderable';
import type { DeliveryEntity } from '../../database/deliveryRows';
import type { NewRun } from '../../database/SelfServiceStore';
import { deliveryEntity } from '../../delivery/renderDeliveryRequest';
import { planRunStart } from '../../steps/planSteps';
import { followStepPlan } from '../followStepPlan';
import { validateRunInputs } from '../../workflows/validateRunInputs';
import type { RunCommandDeps } from './RunCommandDeps';
import { resolveEntity } from './runLookups';
import { runTtlSeconds } from './runTtl';

/**
 * Starts a run, or for approval workflows requests one. A run that starts
 * is written with its delivery, claimed by this replica, in one
 * transaction, and its request goes out at once in the background; the run
 * is returned as soon as it is recorded.
 */
export async function triggerRun(
  deps: RunCommandDeps,
  request: {
    workflow: Workflow;
    entityRef?: string;
    inputs: unknown;
    caller: Caller;
    credentials: BackstageCredentials;
  },
): Promise<Run> {
  const { workflow, caller, credentials } = request;
  const entity = await resolveEntity(
    deps,
    workflow,
    request.entityRef,
    credentials,
  );
  const inputs = validateRunInputs(workflow.parameters, request.inputs);
  const access = evaluateRunAccess(workflow, caller, entity);
  if (!access.allowed) {
    throw new NotAllowedError(access.reason);
  }
  const variables = deliveryEntity(entity);
  checkRenderable({
    definition: workflow,
    inputs,
    entity: variables,
    requestedBy: caller.userEntityRef,
    secrets: deps.config.secrets,
    callbackBaseUrl: deps.callbackBaseUrl,
  });

  return startRun(
    deps,
    workflow,
    {
      workflowId: workflow.id,
      revision: workflow.revision,
      entityRef: entity ? stringifyEntityRef(entity) : undefined,
      entityOwners: entity ? entityOwnerRefs(entity) : [],
      requestedBy: caller.userEntityRef,
      inputs,
      ttlSeconds: runTtlSeconds(workflow, inputs),
    },
    variables,
  );
}

/**
 * Writes a run whose inputs and access were checked, and starts it: asks
 * for approval, or starts its steps, or sends its request. Shared by the
 * runs people trigger and the teardown runs the system triggers.
 */
export async function startRun(
  deps: RunCommandDeps,
  workflow: Workflow,
  base: Omit<NewRun, 'status'>,
  variables: DeliveryEntity | undefined,
): Promise<Run> {
  const { inputs, requestedBy } = base;
  if (workflow.access.type === 'approval') {
    const approvers = workflow.access.approvers;
    const run = await deps.store.createRun({
      ...base,
      status: 'pending_approval',
      approvers,
      events: [{ type: 'approval_requested', data: { approvers } }],
    });
    await deps.notifier.approvalRequested(run, workflow, approvers);
    await deps.notifier.runChanged(run);
    return run;
  }

  if (hasSteps(workflow)) {
    // Known before the run is written: its steps' requests are rendered
    // with it, and they are claimed in the same transaction.
    const runId = randomUUID();
    const starts = deps.worker.stepStarts(
      { id: runId, inputs, requestedBy },
      workflow,
      variables,
    );
    const run = await deps.store.createRun({
      ...base,
      id: runId,
      status: 'in_progress',
      steps: starts.planner(context => planRunStart(context)),
    });
    await followStepPlan(deps, {
      runId: run.id,
      definition: workflow,
      starts,
      applied: starts.startedPlan(run.status),
    });
    return run;
  }

  const prepared = deps.worker.prepare(workflow, variables);
  const run = await deps.store.createRun({
    ...base,
    status: 'in_progress',
    delivery: prepared.delivery,
  });
  deps.worker.sendPrepared(prepared, run, workflow);
  await deps.notifier.runChanged(run);
  return run;
}

import { stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import {
  hasSteps,
  type Run,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { DateTime } from 'luxon';
import { entityOwnerRefs } from '../../access/accessRules';
import type { RunExpiryStore } from '../../database/RunExpiryStore';
import { deliveryEntity } from '../../delivery/renderDeliveryRequest';
import { renderText } from '../../dispatch/templateValues';
import {
  templateData,
  type TemplateContext,
} from '../../workflows/templateContext';
import { isoDurationSeconds } from '../../workflows/validateLifecycle';
import { validateRunInputs } from '../../workflows/validateRunInputs';
import type { RunCommandDeps } from './RunCommandDeps';
import { currentEntity, definitionOf } from './runLookups';
import { startRun } from './triggerRun';

/** What expiry commands need beyond the run commands' own. */
export type ExpiryDeps = RunCommandDeps & { expiries: RunExpiryStore };

/**
 * The latest a run may be extended to: its workflow's `lifecycle.ttl.max`
 * after the run ended; undefined for a run that does not expire.
 */
export function latestExpiry(
  run: Pick<Run, 'finishedAt'>,
  definition: Pick<WorkflowDefinition, 'lifecycle'>,
): DateTime | undefined {
  const max = definition.lifecycle?.ttl.max;
  if (!max || !run.finishedAt) {
    return undefined;
  }
  return DateTime.fromISO(run.finishedAt).plus({
    seconds: isoDurationSeconds(max)!,
  });
}

/**
 * Moves a successful run's expiry later by an ISO 8601 duration, up to the
 * workflow's `lifecycle.ttl.max` counted from the run's end.
 * @throws InputError naming `by` when it is no duration or goes past max;
 * ConflictError when the run does not expire or was torn down.
 */
export async function extendRun(
  deps: ExpiryDeps,
  run: Run,
  by: unknown,
  actor: string,
  /** The run's definition, when the caller has read it already. */
  known?: WorkflowDefinition,
): Promise<Run> {
  if (typeof by !== 'string' || isoDurationSeconds(by) === undefined) {
    throw new InputError(
      "by: required, an ISO 8601 duration to extend by, like 'PT1H' or 'P1D'",
    );
  }
  if (run.status !== 'success' || !run.expiresAt || !run.finishedAt) {
    throw new ConflictError(`Run ${run.id} does not expire`);
  }
  if (run.teardownRunId) {
    throw new ConflictError(`Run ${run.id} is already being torn down`);
  }
  const definition = known ?? (await definitionOf(deps, run));
  const latest = latestExpiry(run, definition);
  if (!latest) {
    throw new ConflictError(`Run ${run.id} does not expire`);
  }
  const expiresAt = DateTime.fromISO(run.expiresAt).plus({
    seconds: isoDurationSeconds(by)!,
  });
  if (expiresAt > latest) {
    throw new InputError(
      `by: extending by ${by} would keep the run past the most its workflow allows (${
        definition.lifecycle!.ttl.max
      } after it ended, until ${latest.toUTC().toISO()})`,
    );
  }
  const extended = await deps.expiries.extend(run.id, expiresAt.toJSDate(), {
    type: 'expiry_extended',
    actor,
    data: { by, from: run.expiresAt, to: expiresAt.toUTC().toISO() },
  });
  if (!extended) {
    throw new ConflictError(`Run ${run.id} no longer expires`);
  }
  const current = (await deps.store.getRun(run.id))!;
  await deps.notifier.runChanged(current);
  return current;
}

/**
 * Triggers the teardown workflow of a successful run (at expiry, or when
 * asked to now), with the original run's inputs, entity and step outputs
 * as its variables. Exactly once: the transaction that writes the teardown
 * run claims the original, and a second attempt gets ConflictError.
 * @throws ConflictError when the run cannot be torn down (none configured,
 * its teardown workflow is gone, or it was torn down already).
 */
export async function tearDownRun(
  deps: ExpiryDeps,
  run: Run,
  actor: string,
  /** The run's definition, when the caller has read it already. */
  known?: WorkflowDefinition,
): Promise<Run> {
  if (run.status !== 'success' || !run.expiresAt) {
    throw new ConflictError(
      `Run ${run.id} does not expire, so is not torn down`,
    );
  }
  if (run.teardownRunId) {
    throw new ConflictError(
      `Run ${run.id} is already torn down by run ${run.teardownRunId}`,
    );
  }
  const definition = known ?? (await definitionOf(deps, run));
  const teardown = definition.lifecycle?.teardown;
  if (!teardown) {
    throw new ConflictError(`Run ${run.id} does not expire`);
  }
  const workflow = await deps.store.getWorkflow(teardown.workflow);
  if (!workflow) {
    throw new ConflictError(
      `lifecycle.teardown.workflow: the teardown workflow '${teardown.workflow}' of run ${run.id} no longer exists`,
    );
  }

  const entity = await currentEntity(deps, run);
  const variables = deliveryEntity(entity);
  const outputs = hasSteps(definition)
    ? Object.fromEntries(
        (await deps.steps.listRunSteps(run.id)).map(step => [
          step.stepId,
          { outputs: step.outputs },
        ]),
      )
    : {};
  const context: TemplateContext = {
    run: { id: run.id, callbackUrl: '', token: '' },
    workflow: { identifier: definition.identifier, name: definition.name },
    data: templateData(definition.parameters, run.inputs),
    entity: variables,
    user: { ref: run.requestedBy },
    // Teardown inputs cannot name secrets: saving refuses them.
    secrets: {},
    steps: outputs,
  };
  const rendered = Object.fromEntries(
    Object.entries(teardown.inputs ?? {}).map(([name, template]) => [
      name,
      renderText(template, context, `lifecycle.teardown.inputs.${name}`),
    ]),
  );
  const inputs = validateRunInputs(workflow.parameters, rendered);
  const onEntity = workflow.scope.type === 'entity' && entity;
  const teardownRun = await startRun(
    deps,
    workflow,
    {
      workflowId: workflow.id,
      revision: workflow.revision,
      entityRef: onEntity ? stringifyEntityRef(entity) : undefined,
      entityOwners: onEntity ? entityOwnerRefs(entity) : [],
      requestedBy: run.requestedBy,
      inputs,
      tearsDownRunId: run.id,
      events: [],
    },
    onEntity ? variables : undefined,
  );
  await deps.store.appendRunEvents(run.id, [
    {
      type: 'teardown_triggered',
      actor,
      data: { teardownRunId: teardownRun.id, workflow: workflow.identifier },
    },
  ]);
  const current = await deps.store.getRun(run.id);
  if (current) {
    await deps.notifier.runChanged(current);
  }
  return teardownRun;
}

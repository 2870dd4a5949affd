import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type {
  Run,
  RunStatus,
  Workflow,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import type { Caller } from '../../access/accessRules';
import type { NewRunEvent } from '../../database/SelfServiceStore';
import { workflowAppliesToEntity } from '../../workflows/workflowAppliesToEntity';
import type { RunCommandDeps } from './RunCommandDeps';

/** Reads the run commands share. */

export async function requireRun(
  deps: Pick<RunCommandDeps, 'store'>,
  runId: string,
): Promise<Run> {
  const run = await deps.store.getRun(runId);
  if (!run) {
    throw new NotFoundError(`No run with id '${runId}'`);
  }
  return run;
}

/** The definition a run was triggered with. */
export async function definitionOf(
  deps: Pick<RunCommandDeps, 'store'>,
  run: Run,
): Promise<WorkflowDefinition> {
  const revision = await deps.store.getWorkflowRevision(
    run.workflowId,
    run.workflowRevision,
  );
  if (!revision) {
    throw new NotFoundError(
      `Run ${run.id} refers to a missing workflow revision`,
    );
  }
  return revision.definition;
}

/**
 * The entity a run is triggered on, looked up with the caller's
 * credentials (they must be able to see it), checked against the
 * workflow's scope.
 */
export async function resolveEntity(
  deps: Pick<RunCommandDeps, 'catalog'>,
  workflow: Workflow,
  entityRef: string | undefined,
  credentials: BackstageCredentials,
): Promise<Entity | undefined> {
  if (workflow.scope.type === 'global') {
    if (entityRef !== undefined) {
      throw new InputError(
        `entityRef: workflow '${workflow.identifier}' is global and takes no entity`,
      );
    }
    return undefined;
  }
  if (!entityRef) {
    throw new InputError(
      `entityRef: workflow '${workflow.identifier}' runs on an entity; pass its ref, like component:default/my-service`,
    );
  }
  let ref: string;
  try {
    ref = stringifyEntityRef(parseEntityRef(entityRef));
  } catch {
    throw new InputError(
      `entityRef: '${entityRef}' is not an entity reference like component:default/my-service`,
    );
  }
  const entity = await deps.catalog.getEntityByRef(ref, { credentials });
  if (!entity) {
    throw new InputError(`entityRef: no entity '${ref}' in the catalog`);
  }
  if (!workflowAppliesToEntity(workflow, entity)) {
    const { kinds, types } = workflow.scope as {
      kinds: string[];
      types?: string[];
    };
    const what = types?.length
      ? `${kinds.join(', ')} of type ${types.join(', ')}`
      : kinds.join(', ');
    throw new InputError(
      `entityRef: workflow '${workflow.identifier}' applies to ${what}, not to ${ref}`,
    );
  }
  return entity;
}

/** The run's entity as it is now, for a run made due after it was triggered. */
export async function currentEntity(
  deps: Pick<RunCommandDeps, 'catalog' | 'auth'>,
  run: Run,
): Promise<Entity | undefined> {
  if (!run.entityRef) {
    return undefined;
  }
  const entity = await deps.catalog.getEntityByRef(run.entityRef, {
    credentials: await deps.auth.getOwnServiceCredentials(),
  });
  if (entity) {
    return entity;
  }
  // Removed from the catalog meanwhile: the request still gets the
  // identity the run was triggered for.
  const { kind, namespace, name } = parseEntityRef(run.entityRef);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace },
  };
}

export function statusChanged(
  from: RunStatus,
  to: RunStatus,
  caller: Caller,
): NewRunEvent {
  return {
    type: 'status_changed',
    actor: caller.userEntityRef,
    data: { from, to },
  };
}

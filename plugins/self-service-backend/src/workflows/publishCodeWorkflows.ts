import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  WorkflowDefinition,
  WorkflowManager,
} from '@backstage-self-service/plugin-self-service-common';
import { isDeepStrictEqual } from 'node:util';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import {
  validateWorkflowDefinition,
  type ValidationOptions,
} from './validateWorkflowDefinition';

/** Entity ref recorded as the author of workflows published from code. */
export const CODE_WORKFLOW_ACTOR = 'plugin:self-service';

/**
 * Checks the workflows modules add through `selfServiceWorkflowsExtensionPoint`
 * exactly as `POST /workflows` checks a body, and returns them cleaned up.
 * An invalid one stops the backend with the workflow and field named, like
 * an invalid one in `selfService.workflows`; so does an identifier that is
 * also published from configuration or by another call.
 */
export function validateCodeWorkflows(
  definitions: ReadonlyArray<unknown>,
  options: ValidationOptions & {
    configured: ReadonlyArray<WorkflowDefinition>;
  },
): WorkflowDefinition[] {
  const source = 'selfServiceWorkflowsExtensionPoint';
  const seen = new Set(options.configured.map(w => w.identifier));
  return definitions.map((raw, index) => {
    const rawIdentifier = (raw as { identifier?: unknown } | null)?.identifier;
    const name =
      typeof rawIdentifier === 'string' && rawIdentifier.trim() !== ''
        ? `workflow '${rawIdentifier.trim()}'`
        : `workflow #${index + 1}`;
    let definition: WorkflowDefinition;
    try {
      definition = validateWorkflowDefinition(raw, options);
    } catch (error) {
      if (error instanceof InputError) {
        throw new Error(`${source}: ${name}: ${error.message}`);
      }
      throw error;
    }
    if (seen.has(definition.identifier)) {
      throw new Error(
        `${source}: ${name}: identifier: '${definition.identifier}' is published twice (in selfService.workflows or by another module)`,
      );
    }
    seen.add(definition.identifier);
    return definition;
  });
}

/** A workflow to publish, and where it comes from. */
export interface ManagedDefinition {
  definition: WorkflowDefinition;
  managedBy: WorkflowManager;
}

/** Where start-up errors say a managed workflow comes from. */
const SOURCE_NAMES: Record<WorkflowManager, string> = {
  config: 'selfService.workflows',
  extension: 'selfServiceWorkflowsExtensionPoint',
};

/**
 * Brings stored workflows in line with the definitions published from
 * app-config and by modules: creates missing ones and appends a revision to
 * changed ones, recording where each is managed so that the API leaves it
 * alone. Safe to run on several replicas at once: whoever loses a race finds
 * the work done.
 *
 * A workflow someone published through the API is never taken over: start-up
 * stops, naming it. One published from code by an earlier version (created
 * by {@link CODE_WORKFLOW_ACTOR}, before sources were recorded) is adopted.
 * A managed workflow that is no longer published is released to the API, with
 * a warning: it stays, and can then be edited or deleted.
 */
export async function publishCodeWorkflows(options: {
  store: SelfServiceStore;
  logger: LoggerService;
  definitions: ReadonlyArray<ManagedDefinition>;
}): Promise<void> {
  const { store, logger, definitions } = options;
  for (const { definition, managedBy } of definitions) {
    const existing = await store.getWorkflow(definition.identifier);
    const source = SOURCE_NAMES[managedBy];
    try {
      if (!existing) {
        await store.createWorkflow({
          definition,
          actor: CODE_WORKFLOW_ACTOR,
          managedBy,
        });
        logger.info(
          `Published workflow '${definition.identifier}' from ${source}`,
        );
        continue;
      }
      if (!existing.managedBy && existing.createdBy !== CODE_WORKFLOW_ACTOR) {
        throw new Error(
          `${source}: workflow '${definition.identifier}': identifier: a workflow with this identifier was published through the API by ${existing.createdBy} and is not taken over; delete it through the API, or give this one another identifier`,
        );
      }
      const {
        id: _id,
        revision,
        managedBy: storedManagedBy,
        createdAt: _createdAt,
        createdBy: _createdBy,
        updatedAt: _updatedAt,
        updatedBy: _updatedBy,
        ...stored
      } = existing;
      if (isDeepStrictEqual(stored, definition)) {
        if (storedManagedBy !== managedBy) {
          await store.setWorkflowManager(definition.identifier, managedBy);
        }
        continue;
      }
      await store.updateWorkflow({
        identifier: definition.identifier,
        definition,
        actor: CODE_WORKFLOW_ACTOR,
        expectedRevision: revision,
        source: managedBy,
      });
      logger.info(
        `Updated workflow '${
          definition.identifier
        }' from ${source} to revision ${revision + 1}`,
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        // Another replica published it at the same moment.
        continue;
      }
      throw error;
    }
  }

  // A teardown workflow may come from the API later, so a missing one is
  // said now rather than refused: its runs could not be torn down.
  for (const { definition, managedBy } of definitions) {
    const teardown = definition.lifecycle?.teardown.workflow;
    if (teardown !== undefined && !(await store.getWorkflow(teardown))) {
      logger.warn(
        `${SOURCE_NAMES[managedBy]}: workflow '${definition.identifier}': lifecycle.teardown.workflow: no workflow '${teardown}'; its runs cannot be torn down until it is published`,
      );
    }
  }

  const published = new Set(definitions.map(d => d.definition.identifier));
  for (const workflow of await store.listWorkflows()) {
    if (workflow.managedBy && !published.has(workflow.identifier)) {
      try {
        await store.setWorkflowManager(workflow.identifier, null);
      } catch (error) {
        if (error instanceof NotFoundError) {
          continue; // Deleted meanwhile.
        }
        throw error;
      }
      logger.warn(
        `Workflow '${workflow.identifier}' is no longer published from ${
          SOURCE_NAMES[workflow.managedBy]
        }; it stays, and can now be edited and deleted through the API`,
      );
    }
  }
}

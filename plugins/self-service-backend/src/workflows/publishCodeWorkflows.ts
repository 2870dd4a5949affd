import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
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

/**
 * Brings stored workflows in line with the definitions modules publish from
 * code: creates missing ones and appends a revision to changed ones. Safe to
 * run on several replicas at once: whoever loses a race finds the work done.
 */
export async function publishCodeWorkflows(options: {
  store: SelfServiceStore;
  logger: LoggerService;
  definitions: WorkflowDefinition[];
}): Promise<void> {
  const { store, logger, definitions } = options;
  for (const definition of definitions) {
    const existing = await store.getWorkflow(definition.identifier);
    try {
      if (!existing) {
        await store.createWorkflow({ definition, actor: CODE_WORKFLOW_ACTOR });
        logger.info(`Published workflow '${definition.identifier}' from code`);
        continue;
      }
      const {
        id: _id,
        revision,
        createdAt: _createdAt,
        createdBy: _createdBy,
        updatedAt: _updatedAt,
        updatedBy: _updatedBy,
        ...stored
      } = existing;
      if (isDeepStrictEqual(stored, definition)) {
        continue;
      }
      await store.updateWorkflow({
        identifier: definition.identifier,
        definition,
        actor: CODE_WORKFLOW_ACTOR,
        expectedRevision: revision,
      });
      logger.info(
        `Updated workflow '${definition.identifier}' from code to revision ${
          revision + 1
        }`,
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        // Another replica published it at the same moment.
        continue;
      }
      throw error;
    }
  }
}

import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
import { isDeepStrictEqual } from 'node:util';
import type { SelfServiceStore } from '../database/SelfServiceStore';

/** Entity ref recorded as the author of workflows published from code. */
export const CODE_WORKFLOW_ACTOR = 'plugin:self-service';

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

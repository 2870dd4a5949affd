import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { Workflow } from '@internal/plugin-self-service-common';
import type { Router } from 'express';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import { createOpenApiRouter } from '../schema/openapi';
import { workflowAppliesToEntity } from '../workflows/workflowAppliesToEntity';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  store: SelfServiceStore;
}

/** The HTTP API of the plugin: authenticate, parse, call the store, answer. */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const { httpAuth, catalog, store } = options;
  const router = await createOpenApiRouter();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/workflows', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    let workflows: Workflow[] = await store.listWorkflows();
    const entityRefParam = req.query.entityRef;
    if (entityRefParam !== undefined) {
      let entityRef: string;
      try {
        entityRef = stringifyEntityRef(parseEntityRef(entityRefParam));
      } catch (error) {
        throw new InputError(
          `entityRef: '${entityRefParam}' is not an entity reference like component:default/my-service`,
        );
      }
      const entity = await catalog.getEntityByRef(entityRef, { credentials });
      if (!entity) {
        throw new NotFoundError(
          `entityRef: no entity '${entityRef}' in the catalog`,
        );
      }
      workflows = workflows.filter(w => workflowAppliesToEntity(w, entity));
    }
    res.json({ items: workflows });
  });

  router.get('/workflows/:identifier', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const workflow = await store.getWorkflow(req.params.identifier);
    if (!workflow) {
      throw new NotFoundError(
        `No workflow with identifier '${req.params.identifier}'`,
      );
    }
    res.json(workflow);
  });

  return router;
}

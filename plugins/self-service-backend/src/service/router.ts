import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  HttpAuthService,
  LoggerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  RUN_STATUSES,
  type RunStatus,
  type Workflow,
} from '@internal/plugin-self-service-common';
import type { Router } from 'express';
import type { SelfServiceStore } from '../database/SelfServiceStore';
import { createOpenApiRouter } from '../schema/openapi';
import { workflowAppliesToEntity } from '../workflows/workflowAppliesToEntity';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  catalog: CatalogService;
  store: SelfServiceStore;
}

/** The HTTP API of the plugin: authenticate, parse, call the store, answer. */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const { httpAuth, userInfo, catalog, store } = options;
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
      const entityRef = normalizeEntityRef(entityRefParam);
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

  router.get('/runs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const viewer = await userInfo.getUserInfo(credentials);
    const { entityRef, workflow, status, mine, cursor, limit } = req.query;
    const page = await store.listRuns({
      filter: {
        entityRef:
          entityRef === undefined ? undefined : normalizeEntityRef(entityRef),
        workflowIdentifier: workflow,
        status: status === undefined ? undefined : parseStatuses(status),
        requestedBy: mine ? viewer.userEntityRef : undefined,
      },
      visibility: viewer,
      cursor,
      limit: parseLimit(limit),
    });
    res.json(page);
  });

  return router;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function normalizeEntityRef(value: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(value));
  } catch {
    throw new InputError(
      `entityRef: '${value}' is not an entity reference like component:default/my-service`,
    );
  }
}

function parseStatuses(value: string): RunStatus[] {
  const statuses = value.split(',').map(s => s.trim());
  const unknown = statuses.filter(s => !RUN_STATUSES.includes(s as RunStatus));
  if (unknown.length > 0) {
    throw new InputError(
      `status: unknown status '${unknown.join(
        "', '",
      )}'; expected ${RUN_STATUSES.join(', ')}`,
    );
  }
  return statuses as RunStatus[];
}

function parseLimit(value: number | undefined): number {
  if (value === undefined) {
    return DEFAULT_PAGE_SIZE;
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new InputError(
      `limit: must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  return value;
}

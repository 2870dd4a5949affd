import type {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  type Entity,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  type Run,
  RUN_ENTITY_ANNOTATIONS,
} from '@backstage-self-service/plugin-self-service-common';
import type { Router } from 'express';
import { validateRunEntity } from '../catalog/validateRunEntity';
import type { RunEntityStore } from '../database/RunEntityStore';
import type { RunCommands } from '../runs/RunCommands';
import {
  callbackAuditMeta,
  callbackAuditRequest,
  type CallbackAuthDeps,
  callbackAuthenticator,
} from './callbackAuth';
import type { Audited } from './routeHelpers';

/** What the entity routes work with, from the router that adds them. */
export interface EntityRouteDeps extends CallbackAuthDeps {
  auth: AuthService;
  catalog: CatalogService;
  entities: RunEntityStore;
  runs: Pick<RunCommands, 'definitionOf'>;
  audited: Audited;
  requireVisibleRun(
    runId: string,
    credentials: BackstageCredentials,
  ): Promise<Run>;
  /** `selfService.catalog.allowedKinds`. */
  allowedKinds: ReadonlyArray<string>;
  callbackBaseUrl: string;
}

/**
 * Catalog entities that runs create and remove: posted by a run's external
 * system with the run's (or a step's) token while the run is in progress,
 * read by the run page, and fed to the catalog module that publishes them.
 */
export function addEntityRoutes(router: Router, deps: EntityRouteDeps): void {
  const { httpAuth, auth, catalog, entities, audited } = deps;
  const authenticateCallback = callbackAuthenticator(deps);

  async function runInProgress(runId: string): Promise<Run> {
    const run = await deps.store.getRun(runId);
    if (!run) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    if (run.status !== 'in_progress') {
      throw new ConflictError(
        `Run ${runId} is ${run.status}: entities are posted while it is in progress`,
      );
    }
    return run;
  }

  /** The groups the run's requester is a member of, in the catalog. */
  async function requesterGroups(run: Run): Promise<string[]> {
    const user = await catalog.getEntityByRef(run.requestedBy, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    return (user?.relations ?? [])
      .filter(
        relation =>
          relation.type === RELATION_MEMBER_OF &&
          relation.targetRef.startsWith('group:'),
      )
      .map(relation => relation.targetRef);
  }

  /**
   * Refuses to take over an entity the catalog has from elsewhere (a
   * location, another provider): only entities runs created are theirs.
   */
  async function refuseTakeover(entityRef: string): Promise<void> {
    const stored = await entities.getEntity(entityRef);
    if (stored && !stored.removedAt) {
      return;
    }
    const existing: Entity | undefined = await catalog.getEntityByRef(
      entityRef,
      { credentials: await auth.getOwnServiceCredentials() },
    );
    if (
      existing &&
      !existing.metadata.annotations?.[RUN_ENTITY_ANNOTATIONS.run]
    ) {
      throw new ConflictError(
        `Entity ${entityRef} is already in the catalog and was not created by a run`,
      );
    }
  }

  for (const prefix of ['/runs/:runId', '/runs/:runId/steps/:stepId']) {
    router.post(`${prefix}/entities`, async (req, res) => {
      const caller = await authenticateCallback(req);
      const { runId, stepId } = req.params as {
        runId: string;
        stepId?: string;
      };
      const written = await audited(
        callbackAuditRequest(req, caller),
        'run-entity-write',
        'medium',
        callbackAuditMeta(runId, stepId, caller),
        async () => {
          const run = await runInProgress(runId);
          const { entity, entityRef } = await validateRunEntity(req.body, {
            allowedKinds: deps.allowedKinds,
            runId,
            workflowIdentifier: run.workflowIdentifier,
            runUrl: `${deps.callbackBaseUrl}/runs/${runId}`,
            requesterGroups: await requesterGroups(run),
            anyOwner:
              (await deps.runs.definitionOf(run)).catalog?.anyOwner === true,
          });
          await refuseTakeover(entityRef);
          const result = await entities.putEntity({
            runId,
            workflowIdentifier: run.workflowIdentifier,
            entityRef,
            entity,
          });
          return { result, meta: { entityRef, action: result.action } };
        },
      );
      res.status(written.action === 'created' ? 201 : 200).json({
        action: written.action,
        entityRef: written.entity.entityRef,
        entity: written.entity.entity,
      });
    });

    router.delete(
      `${prefix}/entities/:kind/:namespace/:name`,
      async (req, res) => {
        const caller = await authenticateCallback(req);
        const { runId, stepId, kind, namespace, name } = req.params as {
          runId: string;
          stepId?: string;
          kind: string;
          namespace: string;
          name: string;
        };
        const entityRef = stringifyEntityRef({ kind, namespace, name });
        await audited(
          callbackAuditRequest(req, caller),
          'run-entity-remove',
          'medium',
          { ...callbackAuditMeta(runId, stepId, caller), entityRef },
          async () => {
            const run = await runInProgress(runId);
            const removed = await entities.removeEntity({
              runId,
              workflowIdentifier: run.workflowIdentifier,
              entityRef,
            });
            if (!removed) {
              throw new NotFoundError(
                `No entity ${entityRef} created by a run stands`,
              );
            }
            return { result: removed };
          },
        );
        res.status(204).end();
      },
    );
  }

  // What a run did to the catalog, for whoever may see the run.
  router.get('/runs/:runId/entities', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const run = await deps.requireVisibleRun(req.params.runId, credentials);
    res.json({ items: await entities.listRunActions(run.id) });
  });

  // The feed the catalog module publishes from; services only.
  router.get('/catalog/entities', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const after =
      typeof req.query.after === 'string' ? req.query.after : undefined;
    res.json(await entities.readFeed(after));
  });
}

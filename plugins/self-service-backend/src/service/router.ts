import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  type BasicPermission,
  type PolicyDecision,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import {
  RUN_STATUSES,
  selfServiceRunReadPermission,
  selfServiceRunUpdatePermission,
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowDeletePermission,
  selfServiceWorkflowReadPermission,
  selfServiceWorkflowRunPermission,
  selfServiceWorkflowUpdatePermission,
  type Run,
  type RunStatus,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowPage,
  MAX_DECISION_COMMENT_LENGTH,
} from '@backstage-self-service/plugin-self-service-common';
import {
  selfServiceRunRules,
  selfServiceWorkflowRules,
  type SelfServiceFilter,
} from '@backstage-self-service/plugin-self-service-node';
import type { JsonObject } from '@backstage/types';
import type { Request, Router } from 'express';
import { isApprover, type Caller } from '../access/accessRules';
import { gatePermissions } from '../access/gatePermissions';
import { workflowCapabilities } from '../access/workflowCapabilities';
import type { SelfServiceConfig } from '../config';
import type { RunEntityStore } from '../database/RunEntityStore';
import type {
  RunVisibility,
  SelfServiceStore,
} from '../database/SelfServiceStore';
import { REDELIVERABLE_STATUSES } from '../runs/commands/redeliverRun';
import type { RunCommands } from '../runs/RunCommands';
import { RunTokenVerifier } from '../runs/RunTokenVerifier';
import { createOpenApiRouter } from '../schema/openapi';
import { managedWorkflowMessage } from '../workflows/managedWorkflows';
import { previewRequest } from '../workflows/previewRequest';
import { validateRunInputs } from '../workflows/validateRunInputs';
import { toWorkflowListItem } from '../workflows/toWorkflowListItem';
import { validateWorkflowDefinition } from '../workflows/validateWorkflowDefinition';
import { addCallbackRoutes } from './callbackRoutes';
import { addEntityRoutes } from './entityRoutes';
import { addExpiryRoutes, expiryPermission } from './expiryRoutes';
import type { ExpiryDeps } from '../runs/commands/expireRun';
import { parseWorkflowListQuery } from './parseWorkflowListQuery';
import {
  addRunOperationRoutes,
  runOperationPermission,
} from './runOperationRoutes';
import { objectBody, optionalString } from './requestBody';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  auth: AuthService;
  store: SelfServiceStore;
  entities: RunEntityStore;
  /** What extending and tearing down runs works with. */
  expiry: ExpiryDeps;
  runs: RunCommands;
  config: Pick<
    SelfServiceConfig,
    | 'secrets'
    | 'callbackServices'
    | 'signingKeys'
    | 'egressPolicy'
    | 'catalogAllowedKinds'
  >;
  /** Where external systems reach this plugin; shown in request previews. */
  callbackBaseUrl: string;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const transformRunConditions = createConditionTransformer(
  Object.values(selfServiceRunRules),
);
const transformWorkflowConditions = createConditionTransformer(
  Object.values(selfServiceWorkflowRules),
);

/**
 * The HTTP API: authenticate, parse, ask the permission framework, call the
 * store or the run service, audit writes. Errors thrown here become
 * Backstage JSON errors (400, 401, 403, 404, 409) in the error middleware.
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const {
    httpAuth,
    userInfo,
    permissions,
    auditor,
    catalog,
    store,
    runs,
    config,
    callbackBaseUrl,
  } = options;
  const router = await createOpenApiRouter();
  const secretNames = new Set(Object.keys(config.secrets));
  const validationOptions = {
    secretNames,
    signingKeyNames: new Set(config.signingKeys.keys()),
    egressPolicy: config.egressPolicy,
  };
  const runTokens = new RunTokenVerifier(store);

  async function callerOf(credentials: BackstageCredentials): Promise<Caller> {
    const info = await userInfo.getUserInfo(credentials);
    return {
      userEntityRef: info.userEntityRef,
      ownershipEntityRefs: info.ownershipEntityRefs,
    };
  }

  async function authorize(
    permission: BasicPermission | ResourcePermission,
    credentials: BackstageCredentials,
    resourceRef?: string,
  ): Promise<boolean> {
    const [decision] = await permissions.authorize(
      [
        resourceRef !== undefined
          ? { permission: permission as ResourcePermission, resourceRef }
          : { permission: permission as BasicPermission },
      ],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** What the policy lets the caller see among runs, beyond the built-in. */
  async function runVisibility(
    credentials: BackstageCredentials,
  ): Promise<RunVisibility | undefined> {
    const [decision] = await permissions.authorizeConditional(
      [{ permission: selfServiceRunReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) {
      return undefined;
    }
    if (!isUser(credentials)) {
      // A service denied by the policy sees nothing.
      return {
        userEntityRef: '',
        ownershipEntityRefs: [],
        policyFilter: { anyOf: [] },
      };
    }
    const caller = await callerOf(credentials);
    return {
      ...caller,
      policyFilter:
        decision.result === AuthorizeResult.CONDITIONAL
          ? (transformRunConditions(decision.conditions) as SelfServiceFilter)
          : { anyOf: [] },
    };
  }

  /** The SQL filter of a read decision; a denial matches nothing. */
  function readFilterOf(
    decision: PolicyDecision,
  ): SelfServiceFilter | undefined {
    if (decision.result === AuthorizeResult.ALLOW) {
      return undefined;
    }
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return transformWorkflowConditions(
        decision.conditions,
      ) as SelfServiceFilter;
    }
    return { anyOf: [] };
  }

  /** A lifecycle's teardown workflow must exist when a workflow is saved. */
  async function requireTeardownWorkflow(definition: WorkflowDefinition) {
    const teardown = definition.lifecycle?.teardown.workflow;
    if (teardown === undefined) {
      return;
    }
    if (teardown === definition.identifier) {
      throw new InputError(
        'lifecycle.teardown.workflow: a workflow cannot tear down its own runs',
      );
    }
    if (!(await store.getWorkflow(teardown))) {
      throw new InputError(
        `lifecycle.teardown.workflow: no workflow '${teardown}'; publish the teardown workflow first`,
      );
    }
  }

  async function requireWorkflow(
    identifier: string,
    credentials: BackstageCredentials,
  ): Promise<Workflow> {
    const workflow = await store.getWorkflow(identifier);
    // Not found and not allowed to see look the same, so nothing leaks.
    if (
      !workflow ||
      !(await authorize(
        selfServiceWorkflowReadPermission,
        credentials,
        identifier,
      ))
    ) {
      throw new NotFoundError(`No workflow with identifier '${identifier}'`);
    }
    return workflow;
  }

  async function requireVisibleRun(
    runId: string,
    credentials: BackstageCredentials,
  ) {
    const run = await store.getRun(runId);
    const visibility = await runVisibility(credentials);
    if (
      !run ||
      (visibility !== undefined &&
        !(await store.isRunVisible(runId, visibility)))
    ) {
      throw new NotFoundError(`No run with id '${runId}'`);
    }
    return run;
  }

  /** Runs a write as an auditor event that succeeds or fails with it. */
  async function audited<T>(
    req: Request | undefined,
    eventId: string,
    severityLevel: 'medium' | 'high',
    meta: JsonObject,
    write: () => Promise<{ result: T; meta?: JsonObject }>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      severityLevel,
      ...(req ? { request: req } : {}),
      meta,
    });
    try {
      const { result, meta: outcome } = await write();
      await event.success(outcome ? { meta: outcome } : undefined);
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/workflows', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const params = parseWorkflowListQuery(req.query);
    const entityRef =
      params.entityRef === undefined
        ? undefined
        : normalizeEntityRef(params.entityRef);
    const user = isUser(credentials);
    // One round trip to the permission backend for the whole page, whatever
    // its size: reading filters in SQL, the rest is evaluated per item.
    const [decisions, caller, entity] = await Promise.all([
      permissions.authorizeConditional(
        (user
          ? [
              selfServiceWorkflowReadPermission,
              selfServiceWorkflowRunPermission,
              selfServiceWorkflowUpdatePermission,
              selfServiceWorkflowDeletePermission,
            ]
          : [selfServiceWorkflowReadPermission]
        ).map(permission => ({ permission })),
        { credentials },
      ),
      user ? callerOf(credentials) : undefined,
      entityRef === undefined
        ? undefined
        : catalog.getEntityByRef(entityRef, { credentials }),
    ]);
    if (entityRef !== undefined && !entity) {
      throw new NotFoundError(
        `entityRef: no entity '${entityRef}' in the catalog`,
      );
    }
    const [read, run, edit, remove] = decisions;
    const specType = entity?.spec?.type;
    const page = await store.listWorkflowPage({
      // A denied reader still gets the cursor checked, and an empty page.
      filter: readFilterOf(read),
      search: params.search,
      scope: params.scope,
      approval: params.approval,
      appliesTo: entity && {
        kind: entity.kind,
        ...(typeof specType === 'string' ? { type: specType } : {}),
      },
      cursor: params.cursor,
      limit: params.limit,
    });
    const body: WorkflowPage = {
      items: page.items.map(workflow =>
        toWorkflowListItem(
          workflow,
          caller &&
            workflowCapabilities(
              workflow,
              { run, edit, delete: remove },
              caller,
              entity,
            ),
        ),
      ),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      totalCount: page.totalCount,
    };
    res.json(body);
  });

  router.post('/workflows', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const workflow = await audited(
      req,
      'workflow-create',
      'medium',
      {},
      async () => {
        if (
          !(await authorize(selfServiceWorkflowCreatePermission, credentials))
        ) {
          throw new NotAllowedError('You are not allowed to publish workflows');
        }
        const definition = validateWorkflowDefinition(
          req.body,
          validationOptions,
        );
        await requireTeardownWorkflow(definition);
        const created = await store.createWorkflow({
          definition,
          actor: credentials.principal.userEntityRef,
        });
        return { result: created, meta: { workflow: created.identifier } };
      },
    );
    res.status(201).json(workflow);
  });

  /**
   * Whether the caller may preview a definition: those who may publish
   * workflows, and those who may edit the existing workflow the definition
   * names. Checked before the definition is validated, since validation
   * tells which secrets exist.
   */
  async function mayPreview(
    body: Record<string, unknown>,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    if (await authorize(selfServiceWorkflowCreatePermission, credentials)) {
      return true;
    }
    const raw = (body.definition as { identifier?: unknown } | null)
      ?.identifier;
    const identifier = typeof raw === 'string' ? raw.trim() : '';
    return (
      identifier !== '' &&
      (await store.getWorkflow(identifier)) !== undefined &&
      (await authorize(
        selfServiceWorkflowUpdatePermission,
        credentials,
        identifier,
      ))
    );
  }

  router.post('/preview', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const body = objectBody(req);
    if (!(await mayPreview(body, credentials))) {
      throw new NotAllowedError(
        'You are not allowed to preview workflows: this needs self-service.workflow.create, or self-service.workflow.update on the workflow the definition names',
      );
    }
    for (const key of Object.keys(body)) {
      if (!['definition', 'inputs', 'entityRef'].includes(key)) {
        throw new InputError(`${key}: unknown field`);
      }
    }
    const definition = prefixErrors('definition.', () =>
      validateWorkflowDefinition(body.definition, validationOptions),
    );
    const inputs = validateRunInputs(definition.parameters, body.inputs);
    let entity: Entity | undefined;
    if (definition.scope.type === 'entity' && body.entityRef !== undefined) {
      if (typeof body.entityRef !== 'string') {
        throw new InputError('entityRef: must be a string');
      }
      const ref = normalizeEntityRef(body.entityRef);
      entity = await catalog.getEntityByRef(ref, { credentials });
      if (!entity) {
        throw new InputError(`entityRef: no entity '${ref}' in the catalog`);
      }
    } else if (definition.scope.type === 'entity') {
      entity = sampleEntity(definition.scope.kinds[0]);
    }
    const request = previewRequest({
      definition,
      inputs,
      entity,
      user: credentials.principal.userEntityRef,
      callbackBaseUrl,
      secretNames,
    });
    res.json({ request });
  });

  router.get('/workflows/:identifier', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(await requireWorkflow(req.params.identifier, credentials));
  });

  router.put('/workflows/:identifier', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { identifier } = req.params;
    const workflow = await audited(
      req,
      'workflow-update',
      'medium',
      { workflow: identifier },
      async () => {
        const existing = await requireWorkflow(identifier, credentials);
        if (
          !(await authorize(
            selfServiceWorkflowUpdatePermission,
            credentials,
            identifier,
          ))
        ) {
          throw new NotAllowedError(
            'You are not allowed to edit this workflow',
          );
        }
        if (existing.managedBy) {
          throw new ConflictError(
            managedWorkflowMessage(identifier, existing.managedBy),
          );
        }
        const definition = validateWorkflowDefinition(
          req.body,
          validationOptions,
        );
        if (definition.identifier !== identifier) {
          throw new InputError(
            `identifier: a workflow's identifier cannot change (it is '${identifier}')`,
          );
        }
        await requireTeardownWorkflow(definition);
        const updated = await store.updateWorkflow({
          identifier,
          definition,
          actor: credentials.principal.userEntityRef,
          expectedRevision: parseIfMatch(req.header('if-match')),
        });
        return { result: updated, meta: { revision: updated.revision } };
      },
    );
    res.json(workflow);
  });

  router.delete('/workflows/:identifier', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { identifier } = req.params;
    await audited(
      req,
      'workflow-delete',
      'medium',
      { workflow: identifier },
      async () => {
        const workflow = await requireWorkflow(identifier, credentials);
        if (
          !(await authorize(
            selfServiceWorkflowDeletePermission,
            credentials,
            identifier,
          ))
        ) {
          throw new NotAllowedError(
            'You are not allowed to delete this workflow',
          );
        }
        // A managed workflow is refused (409) by the store, in the
        // transaction that deletes it.
        const { canceledRuns } = await runs.deleteWorkflow({
          workflow,
          actor: credentials.principal.userEntityRef,
        });
        return {
          result: undefined,
          meta: { canceledRuns: canceledRuns.map(run => run.id) },
        };
      },
    );
    res.status(204).end();
  });

  /**
   * Triggers a run of a workflow as the caller, with the checks every
   * trigger has: the workflow visible and runnable by the policy, then its
   * own access rules and inputs (in the command).
   */
  async function triggerAs(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    identifier: string,
    body: { entityRef?: string; inputs?: unknown },
    sameWorkflowAs?: string,
  ): Promise<Run> {
    // One round trip to the permission backend for both decisions, and
    // the caller's identity meanwhile: this is the path users wait on.
    const [workflow, [read, mayRun], caller] = await Promise.all([
      store.getWorkflow(identifier),
      permissions.authorize(
        [
          {
            permission: selfServiceWorkflowReadPermission,
            resourceRef: identifier,
          },
          {
            permission: selfServiceWorkflowRunPermission,
            resourceRef: identifier,
          },
        ],
        { credentials },
      ),
      callerOf(credentials),
    ]);
    // Not found and not allowed to see look the same, so nothing leaks.
    if (!workflow || read.result !== AuthorizeResult.ALLOW) {
      throw new NotFoundError(`No workflow with identifier '${identifier}'`);
    }
    if (sameWorkflowAs !== undefined && workflow.id !== sameWorkflowAs) {
      throw new ConflictError(
        `The workflow of this run was deleted; '${identifier}' is another workflow now`,
      );
    }
    if (mayRun.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'Your permissions do not allow you to run this workflow',
      );
    }
    return runs.trigger({
      workflow,
      entityRef: body.entityRef,
      inputs: body.inputs,
      caller,
      credentials,
    });
  }

  router.post('/workflows/:identifier/runs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { identifier } = req.params;
    const run = await audited(
      req,
      'run-trigger',
      'medium',
      { workflow: identifier },
      async () => {
        const body = objectBody(req);
        const allowed = new Set(['entityRef', 'inputs']);
        for (const key of Object.keys(body)) {
          if (!allowed.has(key)) {
            throw new InputError(`${key}: unknown field`);
          }
        }
        if (
          body.entityRef !== undefined &&
          typeof body.entityRef !== 'string'
        ) {
          throw new InputError('entityRef: must be a string');
        }
        const triggered = await triggerAs(credentials, identifier, {
          entityRef: body.entityRef as string | undefined,
          inputs: body.inputs,
        });
        return {
          result: triggered,
          meta: { runId: triggered.id, status: triggered.status },
        };
      },
    );
    res.status(201).json(run);
  });

  // A new run with the same inputs and entity, as the caller; approval is
  // asked again where the workflow has it. Changed inputs need a new run.
  router.post('/runs/:runId/rerun', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { runId } = req.params;
    const run = await audited(
      req,
      'run-rerun',
      'medium',
      { runId },
      async () => {
        const previous = await requireVisibleRun(runId, credentials);
        const triggered = await triggerAs(
          credentials,
          previous.workflowIdentifier,
          { entityRef: previous.entityRef, inputs: previous.inputs },
          previous.workflowId,
        );
        return {
          result: triggered,
          meta: {
            runId: triggered.id,
            rerunOf: previous.id,
            status: triggered.status,
          },
        };
      },
    );
    res.status(201).json(run);
  });

  router.get('/runs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const caller = isUser(credentials)
      ? await callerOf(credentials)
      : undefined;
    const {
      entityRef,
      touching,
      expiring,
      workflow,
      status,
      mine,
      approvable,
      cursor,
      limit,
    } = req.query;
    if ((mine || approvable) && !caller) {
      throw new InputError(
        `${mine ? 'mine' : 'approvable'}: only for signed-in users`,
      );
    }
    const page = await store.listRuns({
      filter: {
        entityRef:
          entityRef === undefined ? undefined : normalizeEntityRef(entityRef),
        touching:
          touching === undefined
            ? undefined
            : normalizeEntityRef(touching, 'touching'),
        expiring: expiring === true,
        workflowIdentifier: workflow,
        status: status === undefined ? undefined : parseStatuses(status),
        requestedBy: mine ? caller?.userEntityRef : undefined,
        approvableBy: approvable ? caller : undefined,
      },
      visibility: await runVisibility(credentials),
      cursor,
      limit: parseLimit(limit),
    });
    res.json(page);
  });

  router.get('/runs/:runId', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const run = await requireVisibleRun(req.params.runId, credentials);
    const [definition, events, approvers, steps] = await Promise.all([
      runs.definitionOf(run),
      store.listRunEvents(run.id),
      store.listRunApprovers(run.id),
      runs.stepsOf(run.id),
    ]);
    const caller = isUser(credentials)
      ? await callerOf(credentials)
      : undefined;
    const gates =
      definition.steps && steps.some(s => s.status === 'waiting_approval')
        ? gatePermissions(
            run,
            definition,
            steps,
            await runs.stepDecisionsOf(run.id),
            caller,
          )
        : undefined;
    const expiry = await expiryPermission(
      { authorize, expiry: options.expiry },
      run,
      definition,
      credentials,
      caller,
    );
    res.json({
      run,
      workflow: definition,
      events,
      ...(steps.length > 0 && { steps }),
      approvers,
      permissions: {
        approve: approvePermission(run, definition, approvers, caller),
        withdraw:
          run.status === 'pending_approval' &&
          caller?.userEntityRef === run.requestedBy,
        redeliver: await redeliverPermission(run, credentials),
        cancel: await runOperationPermission(
          { authorize },
          'cancel',
          run,
          definition,
          approvers,
          credentials,
          caller,
        ),
        retry: await runOperationPermission(
          { authorize },
          'retry',
          run,
          definition,
          approvers,
          credentials,
          caller,
        ),
        ...(gates && { steps: gates }),
        ...(expiry && { expiry }),
      },
    });
  });

  /**
   * Whether the caller may resend a run's request: those who may edit its
   * workflow (it manages the receiver), and those the policy allows
   * `self-service.run.update` on the run. Only failed and timed-out runs.
   */
  async function redeliverPermission(
    run: {
      id: string;
      status: RunStatus;
      workflowId: string;
      workflowIdentifier: string;
    },
    credentials: BackstageCredentials,
  ): Promise<{ allowed: boolean; reason?: string }> {
    if (
      !(REDELIVERABLE_STATUSES as ReadonlyArray<RunStatus>).includes(run.status)
    ) {
      return {
        allowed: false,
        reason: `Only failed or timed-out runs can be resent; this one is ${run.status.replace(
          '_',
          ' ',
        )}`,
      };
    }
    if (!isUser(credentials)) {
      return { allowed: false, reason: 'Only signed-in users resend runs' };
    }
    const workflow = await store.getWorkflow(run.workflowIdentifier);
    const [mayUpdateRun, mayEditWorkflow] = await Promise.all([
      authorize(selfServiceRunUpdatePermission, credentials, run.id),
      workflow && workflow.id === run.workflowId
        ? authorize(
            selfServiceWorkflowUpdatePermission,
            credentials,
            workflow.identifier,
          )
        : Promise.resolve(false),
    ]);
    return mayUpdateRun || mayEditWorkflow
      ? { allowed: true }
      : {
          allowed: false,
          reason:
            'Only those who manage this workflow, or whom the permission policy allows to update runs, can resend its request',
        };
  }

  router.post('/runs/:runId/redeliver', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { runId } = req.params;
    const run = await audited(
      req,
      'run-redeliver',
      'high',
      { runId },
      async () => {
        const current = await requireVisibleRun(runId, credentials);
        const permission = await redeliverPermission(current, credentials);
        if (!permission.allowed) {
          if (
            !(REDELIVERABLE_STATUSES as ReadonlyArray<RunStatus>).includes(
              current.status,
            )
          ) {
            throw new ConflictError(permission.reason);
          }
          throw new NotAllowedError(permission.reason);
        }
        const resent = await runs.redeliver({
          runId,
          actor: credentials.principal.userEntityRef,
        });
        return { result: resent, meta: { status: resent.status } };
      },
    );
    res.json(run);
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/runs/:runId/${decision}`, async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const { runId } = req.params;
      const run = await audited(
        req,
        `run-${decision}`,
        'high',
        { runId },
        async () => {
          await requireVisibleRun(runId, credentials);
          const comment = optionalString(
            objectBody(req),
            'comment',
            MAX_DECISION_COMMENT_LENGTH,
          );
          const caller = await callerOf(credentials);
          const decided =
            decision === 'approve'
              ? await runs.approve({ runId, caller, comment })
              : await runs.reject({ runId, caller, comment });
          return { result: decided, meta: { status: decided.status } };
        },
      );
      res.json(run);
    });
  }

  // The gates of runs of steps: decided by the approvers each gate lists.
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/runs/:runId/steps/:stepId/${decision}`, async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user'],
      });
      const { runId, stepId } = req.params;
      const step = await audited(
        req,
        `run-step-${decision}`,
        'high',
        { runId, stepId },
        async () => {
          await requireVisibleRun(runId, credentials);
          const comment = optionalString(
            objectBody(req),
            'comment',
            MAX_DECISION_COMMENT_LENGTH,
          );
          const decided = await runs.decideStep({
            runId,
            stepId,
            caller: await callerOf(credentials),
            decision: decision === 'approve' ? 'approved' : 'rejected',
            comment,
          });
          return { result: decided, meta: { status: decided.status } };
        },
      );
      res.json(step);
    });
  }

  router.post('/runs/:runId/withdraw', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { runId } = req.params;
    const run = await audited(
      req,
      'run-withdraw',
      'medium',
      { runId },
      async () => {
        await requireVisibleRun(runId, credentials);
        const withdrawn = await runs.withdraw({
          runId,
          caller: await callerOf(credentials),
        });
        return { result: withdrawn };
      },
    );
    res.json(run);
  });

  addRunOperationRoutes(router, {
    httpAuth,
    store,
    runs,
    authorize,
    audited,
    requireVisibleRun,
    callerOf,
  });

  addCallbackRoutes(router, {
    httpAuth,
    store,
    runs,
    config,
    runTokens,
    authorize,
    audited,
  });

  addExpiryRoutes(router, {
    httpAuth,
    expiry: options.expiry,
    authorize,
    audited,
    requireVisibleRun,
    callerOf,
  });

  addEntityRoutes(router, {
    httpAuth,
    store,
    config,
    runTokens,
    authorize,
    audited,
    auth: options.auth,
    catalog,
    entities: options.entities,
    runs,
    requireVisibleRun,
    allowedKinds: config.catalogAllowedKinds,
    callbackBaseUrl,
  });

  return router;
}

function isUser(
  credentials: BackstageCredentials,
): credentials is BackstageCredentials<{
  type: 'user';
  userEntityRef: string;
}> {
  return (credentials.principal as { type?: string }).type === 'user';
}

function approvePermission(
  run: { status: RunStatus; requestedBy: string },
  definition: { access: { type: string; allowSelfApproval?: boolean } },
  approvers: string[],
  caller: Caller | undefined,
): { allowed: boolean; reason?: string } {
  if (run.status !== 'pending_approval') {
    return { allowed: false, reason: 'This run is not waiting for approval' };
  }
  if (!caller || !isApprover(caller, approvers)) {
    return {
      allowed: false,
      reason: 'Only the approvers of this run can decide',
    };
  }
  if (
    run.requestedBy === caller.userEntityRef &&
    definition.access.allowSelfApproval !== true
  ) {
    return {
      allowed: false,
      reason: 'You requested this run, so another approver has to approve it',
    };
  }
  return { allowed: true };
}

function normalizeEntityRef(value: string, field = 'entityRef'): string {
  try {
    return stringifyEntityRef(parseEntityRef(value));
  } catch {
    throw new InputError(
      `${field}: '${value}' is not an entity reference like component:default/my-service`,
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

/** Runs a validation, prefixing the field of any 400 it throws. */
function prefixErrors<T>(prefix: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(`${prefix}${error.message}`);
    }
    throw error;
  }
}

/** Stands in for an entity when a preview names none. */
function sampleEntity(kind: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name: 'example-entity',
      namespace: 'default',
      title: 'Example Entity',
    },
  };
}

function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(value.trim());
  if (!match) {
    throw new InputError(
      'If-Match: must be the revision the edit is based on, like "3"',
    );
  }
  return Number(match[1]);
}

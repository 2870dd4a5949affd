import {
  createBackendModule,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  type PermissionEvaluator,
} from '@backstage/plugin-permission-common';
import {
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowReadPermission,
  selfServiceWorkflowRunPermission,
  selfServiceWorkflowUpdatePermission,
  type WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceWorkflowsExtensionPoint } from '@backstage-self-service/plugin-self-service-node';
import {
  as,
  startSelfServiceBackend,
} from '../__testUtils__/startSelfServiceBackend';

jest.setTimeout(60_000);

const restartService = {
  identifier: 'restart-service',
  name: 'Restart service',
  description: 'Rolling restart of every pod',
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  execution: { type: 'simple' },
  access: { type: 'owners' },
  parameters: [
    { identifier: 'reason', name: 'Reason', type: 'string', required: true },
  ],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/restart/{{entity.identifier}}',
    headers: { 'content-type': 'application/json' },
    body: '{"reason": "{{data.reason}}"}',
  },
};

const freezeDeploys = {
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: {
    type: 'selected',
    members: ['group:default/platform-team'],
  },
  parameters: [],
  request: { method: 'POST', url: 'https://deploy.example.com/freeze' },
};

describe('workflow endpoints', () => {
  it('publishes, reads, lists, edits and deletes a workflow', async () => {
    const { api } = await startSelfServiceBackend();

    const created = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(restartService);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...restartService,
      revision: 1,
      createdBy: 'user:default/ada',
    });

    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    expect(list.body.items.map((w: any) => w.identifier)).toEqual([
      'restart-service',
    ]);

    const edited = await api()
      .put('/api/self-service/workflows/restart-service')
      .set('authorization', as('alan'))
      .set('if-match', '"1"')
      .send({ ...restartService, name: 'Restart pods' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Restart pods',
      revision: 2,
      updatedBy: 'user:default/alan',
    });

    const stale = await api()
      .put('/api/self-service/workflows/restart-service')
      .set('authorization', as('ada'))
      .set('if-match', '"1"')
      .send({ ...restartService, name: 'Lost update' });
    expect(stale.status).toBe(409);

    const renamed = await api()
      .put('/api/self-service/workflows/restart-service')
      .set('authorization', as('ada'))
      .send({ ...restartService, identifier: 'restart-pods' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.message).toMatch(/^identifier:/);

    const deleted = await api()
      .delete('/api/self-service/workflows/restart-service')
      .set('authorization', as('ada'));
    expect(deleted.status).toBe(204);
    const gone = await api()
      .get('/api/self-service/workflows/restart-service')
      .set('authorization', as('ada'));
    expect(gone.status).toBe(404);
  });

  it('refuses a second workflow with the same identifier', async () => {
    const { api } = await startSelfServiceBackend();
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(freezeDeploys);
    const again = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(freezeDeploys);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(
      "identifier: a workflow with identifier 'freeze-deploys' already exists",
    );
  });

  it.each([
    [
      'an unknown parameter variable',
      {
        ...freezeDeploys,
        request: {
          method: 'POST',
          url: 'https://x.example.com/{{data.region}}',
        },
      },
      /^request\.url: .*data\.region/,
    ],
    [
      'an entity variable in a global workflow',
      {
        ...freezeDeploys,
        request: {
          method: 'POST',
          url: 'https://x.example.com/{{entity.identifier}}',
        },
      },
      /^request\.url: .*entity\.identifier/,
    ],
    [
      'owners-only access on a global workflow',
      { ...freezeDeploys, access: { type: 'owners' } },
      /^access/,
    ],
    [
      'approval without approvers',
      { ...freezeDeploys, access: { type: 'approval', approvers: [] } },
      /^access\.approvers/,
    ],
    [
      'a select parameter without options',
      {
        ...freezeDeploys,
        parameters: [
          {
            identifier: 'env',
            name: 'Environment',
            type: 'select',
            required: true,
          },
        ],
      },
      /^parameters\[0\]\.options/,
    ],
    [
      'a default that does not fit its type',
      {
        ...freezeDeploys,
        parameters: [
          {
            identifier: 'replicas',
            name: 'Replicas',
            type: 'integer',
            required: false,
            default: 'three',
          },
        ],
      },
      /^parameters\[0\]\.default/,
    ],
    [
      'a URL that is not http(s)',
      {
        ...freezeDeploys,
        request: { method: 'POST', url: 'ftp://x.example.com/' },
      },
      /^request\.url/,
    ],
    [
      'an unknown method',
      {
        ...freezeDeploys,
        request: { method: 'TRACE', url: 'https://x.example.com/' },
      },
      /^request\.method/,
    ],
    [
      'an unknown secret',
      {
        ...freezeDeploys,
        request: {
          method: 'POST',
          url: 'https://x.example.com/',
          headers: { authorization: 'Bearer {{secrets.NOPE}}' },
        },
      },
      /^request\.headers\.authorization: .*secrets\.NOPE/,
    ],
    [
      'a malformed identifier',
      { ...freezeDeploys, identifier: 'Freeze Deploys' },
      /^identifier:/,
    ],
  ])('answers 400 naming the field for %s', async (_what, body, message) => {
    const { api } = await startSelfServiceBackend();
    const res = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('ada'));
    expect(list.body.items).toEqual([]);
  });

  it('accepts a secret that is configured', async () => {
    const { api } = await startSelfServiceBackend();
    const res = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({
        ...freezeDeploys,
        request: {
          method: 'POST',
          url: 'https://x.example.com/',
          headers: { authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}' },
        },
      });
    expect(res.status).toBe(201);
  });

  it('says for each workflow of an entity whether the caller may run it, and why not', async () => {
    const { api } = await startSelfServiceBackend();
    for (const body of [
      restartService,
      {
        ...restartService,
        identifier: 'scale-service',
        name: 'Scale service',
        access: { type: 'selected', members: ['group:default/platform-team'] },
      },
      {
        ...restartService,
        identifier: 'rollback',
        name: 'Roll back',
        access: {
          type: 'approval',
          approvers: ['group:default/platform-team'],
        },
      },
    ]) {
      await api()
        .post('/api/self-service/workflows')
        .set('authorization', as('ada'))
        .send(body)
        .expect(201);
    }

    const runnable = async (user: string) => {
      const res = await api()
        .get('/api/self-service/workflows')
        .query({ entityRef: 'component:default/payments-api' })
        .set('authorization', as(user));
      return Object.fromEntries(
        res.body.items.map((w: any) => [w.identifier, w.runnable]),
      );
    };

    await expect(runnable('grace')).resolves.toEqual({
      'restart-service': { allowed: true },
      rollback: { allowed: true },
      'scale-service': {
        allowed: false,
        reason: 'Only selected teams and users can run this workflow',
      },
    });
    await expect(runnable('linus')).resolves.toEqual({
      'restart-service': {
        allowed: false,
        reason: 'Only owners of this entity can run this workflow',
      },
      rollback: { allowed: true },
      'scale-service': {
        allowed: false,
        reason: 'Only selected teams and users can run this workflow',
      },
    });

    const website = await api()
      .get('/api/self-service/workflows')
      .query({ entityRef: 'component:default/storefront-web' })
      .set('authorization', as('linus'));
    expect(website.body.items).toEqual([]);
  });

  it('names the field when the entity ref is malformed or unknown', async () => {
    const { api } = await startSelfServiceBackend();
    const malformed = await api()
      .get('/api/self-service/workflows')
      .query({ entityRef: 'not a ref:' })
      .set('authorization', as('grace'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^entityRef:/);
    const unknown = await api()
      .get('/api/self-service/workflows')
      .query({ entityRef: 'component:default/nope' })
      .set('authorization', as('grace'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/^entityRef:/);
  });

  it('answers health without authentication and refuses the rest', async () => {
    const { api } = await startSelfServiceBackend();
    const none = mockCredentials.none.header();
    const health = await api()
      .get('/api/self-service/health')
      .set('authorization', none);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    for (const call of [
      api().get('/api/self-service/workflows'),
      api().get('/api/self-service/runs'),
      api().post('/api/self-service/workflows').send(freezeDeploys),
    ]) {
      const res = await call.set('authorization', none);
      expect(res.status).toBe(401);
    }
  });
});

describe('managed workflows', () => {
  const fromModule = createBackendModule({
    pluginId: 'self-service',
    moduleId: 'module-workflows',
    register(reg) {
      reg.registerInit({
        deps: { extension: selfServiceWorkflowsExtensionPoint },
        async init({ extension }) {
          extension.addWorkflows({
            ...(freezeDeploys as WorkflowDefinition),
            identifier: 'thaw-deploys',
            name: 'Thaw deployments',
          });
        },
      });
    },
  });

  it('says where a workflow is managed, and refuses to edit or delete it through the API', async () => {
    const { api } = await startSelfServiceBackend({
      config: { selfService: { workflows: [freezeDeploys] } },
      features: [fromModule],
    });
    const byApi = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(restartService);
    expect(byApi.status).toBe(201);
    expect(byApi.body.managedBy).toBeUndefined();

    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('ada'));
    expect(
      Object.fromEntries(
        list.body.items.map((w: any) => [w.identifier, w.managedBy ?? null]),
      ),
    ).toEqual({
      'freeze-deploys': 'config',
      'thaw-deploys': 'extension',
      'restart-service': null,
    });

    for (const [identifier, message] of [
      [
        'freeze-deploys',
        "workflow 'freeze-deploys' is managed by app-config (selfService.workflows); change it there",
      ],
      [
        'thaw-deploys',
        "workflow 'thaw-deploys' is managed by a backend module (selfServiceWorkflowsExtensionPoint); change it there",
      ],
    ]) {
      const one = await api()
        .get(`/api/self-service/workflows/${identifier}`)
        .set('authorization', as('ada'));
      expect(one.body.managedBy).toBeDefined();
      const edit = await api()
        .put(`/api/self-service/workflows/${identifier}`)
        .set('authorization', as('ada'))
        .send({ ...one.body, name: 'Edited' });
      expect({ identifier, status: edit.status }).toEqual({
        identifier,
        status: 409,
      });
      expect(edit.body.error.message).toBe(message);
      const remove = await api()
        .delete(`/api/self-service/workflows/${identifier}`)
        .set('authorization', as('ada'));
      expect(remove.status).toBe(409);
      expect(remove.body.error.message).toBe(message);
      const after = await api()
        .get(`/api/self-service/workflows/${identifier}`)
        .set('authorization', as('ada'));
      expect(after.body).toMatchObject({ revision: 1, name: one.body.name });
    }
  });
});

describe('deleting a workflow', () => {
  const approval = {
    ...freezeDeploys,
    access: { type: 'approval', approvers: ['group:default/platform-team'] },
  };

  it('cancels its pending runs, tells their requesters, and leaves its runs out of a successor', async () => {
    const { api, notifications, audits } = await startSelfServiceBackend();
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(approval)
      .expect(201);
    const pending = await api()
      .post('/api/self-service/workflows/freeze-deploys/runs')
      .set('authorization', as('grace'))
      .send({});
    expect(pending.body.status).toBe('pending_approval');

    await api()
      .delete('/api/self-service/workflows/freeze-deploys')
      .set('authorization', as('ada'))
      .expect(204);

    const details = await api()
      .get(`/api/self-service/runs/${pending.body.id}`)
      .set('authorization', as('grace'));
    expect(details.body.run.status).toBe('canceled');
    expect(details.body.events.at(-1)).toMatchObject({
      type: 'status_changed',
      actor: 'user:default/ada',
      data: {
        from: 'pending_approval',
        to: 'canceled',
        message: 'The workflow was deleted',
      },
    });
    expect(notifications).toContainEqual(
      expect.objectContaining({
        recipients: { type: 'entity', entityRef: 'user:default/grace' },
        payload: expect.objectContaining({
          title: 'Freeze deployments was canceled',
          description:
            'Your run of Freeze deployments was canceled: the workflow was deleted.',
        }),
      }),
    );
    expect(audits.find(a => a.eventId === 'workflow-delete')).toMatchObject({
      outcome: 'success',
      outcomeMeta: { canceledRuns: [pending.body.id] },
    });
    const approve = await api()
      .post(`/api/self-service/runs/${pending.body.id}/approve`)
      .set('authorization', as('alan'))
      .send({});
    expect(approve.status).toBe(409);

    // A new workflow with the same identifier starts with no runs.
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(approval)
      .expect(201);
    const runs = await api()
      .get('/api/self-service/runs')
      .query({ workflow: 'freeze-deploys' })
      .set('authorization', as('ada'));
    expect(runs.body.items).toEqual([]);
  });
});

describe('workflow permissions', () => {
  /** A policy that denies some permissions and filters workflow reads. */
  function permissionsWith(rules: {
    deny?: string[];
    readOnlyGlobal?: boolean;
  }): PermissionsService {
    const decide: PermissionEvaluator['authorize'] = async requests =>
      requests.map(r => ({
        result: rules.deny?.includes(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      }));
    return {
      authorize: decide as PermissionsService['authorize'],
      authorizeConditional: (async (requests: any[]) =>
        requests.map(r =>
          rules.readOnlyGlobal &&
          r.permission.name === selfServiceWorkflowReadPermission.name
            ? {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'self-service',
                resourceType: 'self-service-workflow',
                conditions: {
                  rule: 'HAS_SCOPE',
                  resourceType: 'self-service-workflow',
                  params: { scope: 'global' },
                },
              }
            : {
                result: rules.deny?.includes(r.permission.name)
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
              },
        )) as PermissionsService['authorizeConditional'],
    };
  }

  it('refuses to publish without self-service.workflow.create', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: permissionsWith({
        deny: [selfServiceWorkflowCreatePermission.name],
      }),
    });
    const res = await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('linus'))
      .send(freezeDeploys);
    expect(res.status).toBe(403);
  });

  it('filters the workflow list by the policy, in the query', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: permissionsWith({ readOnlyGlobal: true }),
    });
    for (const body of [restartService, freezeDeploys]) {
      await api()
        .post('/api/self-service/workflows')
        .set('authorization', as('ada'))
        .send(body)
        .expect(201);
    }
    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    expect(list.body.items.map((w: any) => w.identifier)).toEqual([
      'freeze-deploys',
    ]);
  });

  it('shows a workflow the policy does not let you run, with the reason', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: permissionsWith({
        deny: [selfServiceWorkflowRunPermission.name],
      }),
    });
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send({ ...freezeDeploys, access: { type: 'everyone' } })
      .expect(201);
    const list = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    expect(list.body.items[0].runnable).toEqual({
      allowed: false,
      reason: 'Your permissions do not allow you to run this workflow',
    });
    const run = await api()
      .post('/api/self-service/workflows/freeze-deploys/runs')
      .set('authorization', as('grace'))
      .send({});
    expect(run.status).toBe(403);
  });
});

describe('request preview', () => {
  it('renders the request for sample inputs with secrets hidden, and names bad fields', async () => {
    const { api } = await startSelfServiceBackend();
    const definition = {
      ...restartService,
      request: {
        ...restartService.request,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
        },
      },
    };
    const preview = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({
        definition,
        inputs: { reason: 'smoke test' },
        entityRef: 'component:default/payments-api',
      });
    expect(preview.status).toBe(200);
    expect(preview.body.request).toEqual({
      method: 'POST',
      url: 'https://deploy.example.com/restart/payments-api',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer [REDACTED]',
      },
      body: '{"reason":"smoke test"}',
    });

    const sample = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({ definition, inputs: { reason: 'x' } });
    expect(sample.body.request.url).toBe(
      'https://deploy.example.com/restart/example-entity',
    );

    const invalid = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({ definition: { ...definition, name: '' }, inputs: {} });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/^definition\.name:/);

    const badInput = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({ definition, inputs: {} });
    expect(badInput.status).toBe(400);
    expect(badInput.body.error.message).toMatch(/^inputs\.reason:/);
  });

  /** Linus may not publish workflows, and may edit only freeze-deploys. */
  const linusEditsFreezeOnly: PermissionsService = {
    authorize: (async (requests: any[], { credentials }: any) =>
      requests.map(r => {
        const linus =
          credentials.principal.userEntityRef === 'user:default/linus';
        let allowed = true;
        if (
          linus &&
          r.permission.name === selfServiceWorkflowCreatePermission.name
        ) {
          allowed = false;
        }
        if (
          linus &&
          r.permission.name === selfServiceWorkflowUpdatePermission.name
        ) {
          allowed = r.resourceRef === 'freeze-deploys';
        }
        return {
          result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        };
      })) as PermissionsService['authorize'],
    authorizeConditional: (async (requests: any[]) =>
      requests.map(() => ({
        result: AuthorizeResult.ALLOW,
      }))) as PermissionsService['authorizeConditional'],
  };

  it('refuses a preview to whoever may neither publish workflows nor edit the one named', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: linusEditsFreezeOnly,
    });
    for (const definition of [
      restartService,
      // An unknown secret would be named in a 400: not even that.
      {
        ...restartService,
        request: {
          method: 'POST',
          url: 'https://x.example.com/',
          headers: { authorization: 'Bearer {{secrets.GUESS}}' },
        },
      },
      // Named, but there is no such workflow (yet).
      freezeDeploys,
      { nonsense: true },
    ]) {
      const res = await api()
        .post('/api/self-service/preview')
        .set('authorization', as('linus'))
        .send({ definition, inputs: { reason: 'x' } });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe(
        'You are not allowed to preview workflows: this needs self-service.workflow.create, or self-service.workflow.update on the workflow the definition names',
      );
    }
    // Who may publish may preview anything, even a name that is taken.
    const byPublisher = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({ definition: restartService, inputs: { reason: 'x' } });
    expect(byPublisher.status).toBe(200);
  });

  it('lets whoever may edit a workflow preview edits of it without the create permission', async () => {
    const { api } = await startSelfServiceBackend({
      permissions: linusEditsFreezeOnly,
    });
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(freezeDeploys)
      .expect(201);

    const edit = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('linus'))
      .send({
        definition: {
          ...freezeDeploys,
          request: { method: 'PUT', url: 'https://deploy.example.com/freeze' },
        },
      });
    expect(edit.status).toBe(200);
    expect(edit.body.request).toMatchObject({ method: 'PUT' });
    const unknownSecret = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('linus'))
      .send({
        definition: {
          ...freezeDeploys,
          request: {
            method: 'POST',
            url: 'https://deploy.example.com/freeze',
            headers: { authorization: 'Bearer {{secrets.NOPE}}' },
          },
        },
      });
    expect(unknownSecret.status).toBe(400);
  });

  it('renders an optional parameter given no value as empty', async () => {
    const { api } = await startSelfServiceBackend();
    const preview = await api()
      .post('/api/self-service/preview')
      .set('authorization', as('ada'))
      .send({
        definition: {
          ...freezeDeploys,
          parameters: [
            { identifier: 'note', name: 'Note', type: 'string' },
            { identifier: 'hours', name: 'Hours', type: 'integer' },
          ],
          request: {
            method: 'POST',
            url: 'https://deploy.example.com/freeze?note={{data.note}}',
            headers: { 'x-note': '{{data.note}}' },
            body: '{"note": "{{data.note}}", "hours": {{data.hours}}}',
          },
        },
        inputs: {},
      });
    expect(preview.status).toBe(200);
    expect(preview.body.request).toEqual({
      method: 'POST',
      url: 'https://deploy.example.com/freeze?note=',
      headers: { 'x-note': '' },
      body: '{"note":"","hours":""}',
    });
  });
});

import type { PermissionsService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  selfServiceWorkflowDeletePermission,
  selfServiceWorkflowReadPermission,
  selfServiceWorkflowRunPermission,
  selfServiceWorkflowUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import {
  as,
  startSelfServiceBackend,
} from '../__testUtils__/startSelfServiceBackend';

jest.setTimeout(60_000);

const base = {
  execution: { type: 'simple' },
  parameters: [],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/{{run.id}}',
    headers: { 'x-team': 'platform' },
    body: '{"secret": "template"}',
  },
  delivery: { maxAttempts: 3 },
};

const restartService = {
  ...base,
  identifier: 'restart-service',
  name: 'Restart service',
  description: 'Rolling restart of every pod',
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  access: { type: 'owners' },
  parameters: [
    { identifier: 'reason', name: 'Reason', type: 'string', required: true },
  ],
};
const rollback = {
  ...base,
  identifier: 'rollback',
  name: 'Roll back',
  description: 'Back to the previous release',
  scope: { type: 'entity', kinds: ['Component', 'Resource'] },
  access: { type: 'approval', approvers: ['group:default/platform-team'] },
};
const scaleDatabase = {
  ...base,
  identifier: 'scale-database',
  name: 'Scale database',
  scope: { type: 'entity', kinds: ['Resource'], types: ['database'] },
  access: { type: 'selected', members: ['group:default/payments-team'] },
};
const freezeDeploys = {
  ...base,
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  access: { type: 'selected', members: ['group:default/platform-team'] },
};
const onboard = {
  ...base,
  identifier: 'onboard',
  name: 'Onboard a team',
  scope: { type: 'global' },
  access: { type: 'everyone' },
};
const all = [restartService, rollback, scaleDatabase, freezeDeploys, onboard];

/**
 * A policy that answers every request of a permission the same way, counting
 * the calls and the requests in them.
 */
function countingPermissions(decide: (name: string) => PolicyDecision) {
  const counts = { authorize: 0, authorizeConditional: 0, requests: 0 };
  const permissions: PermissionsService = {
    authorize: (async (requests: any[]) => {
      counts.authorize += 1;
      counts.requests += requests.length;
      return requests.map(r => {
        const decision = decide(r.permission.name);
        return {
          result:
            decision.result === AuthorizeResult.DENY
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        };
      });
    }) as PermissionsService['authorize'],
    authorizeConditional: (async (requests: any[]) => {
      counts.authorizeConditional += 1;
      counts.requests += requests.length;
      return requests.map(r => decide(r.permission.name));
    }) as PermissionsService['authorizeConditional'],
  };
  return { permissions, counts };
}

function conditional(
  rule: string,
  params: Record<string, string | string[]>,
): PolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'self-service',
    resourceType: 'self-service-workflow',
    conditions: { rule, resourceType: 'self-service-workflow', params },
  };
}

async function publish(
  api: Awaited<ReturnType<typeof startSelfServiceBackend>>['api'],
  definitions: object[],
) {
  for (const definition of definitions) {
    await api()
      .post('/api/self-service/workflows')
      .set('authorization', as('ada'))
      .send(definition)
      .expect(201);
  }
}

describe('GET /workflows', () => {
  it('answers pages of list items, with a total count and a cursor', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, all);
    const list = (query: object) =>
      api()
        .get('/api/self-service/workflows')
        .query(query)
        .set('authorization', as('grace'));

    const first = await list({ limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.totalCount).toBe(5);
    expect(first.body.items.map((w: any) => w.identifier)).toEqual([
      'freeze-deploys',
      'onboard',
    ]);
    const second = await list({ limit: 2, cursor: first.body.nextCursor });
    expect(second.body.items.map((w: any) => w.identifier)).toEqual([
      'restart-service',
      'rollback',
    ]);
    const third = await list({ limit: 2, cursor: second.body.nextCursor });
    expect(third.body.items.map((w: any) => w.identifier)).toEqual([
      'scale-database',
    ]);
    expect(third.body.nextCursor).toBeUndefined();
    expect(third.body.totalCount).toBe(5);

    // The default page holds them all.
    const whole = await list({});
    expect(whole.body.items).toHaveLength(5);
    expect(whole.body.nextCursor).toBeUndefined();
  });

  it('lists what a card needs and never the request, delivery or members', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, all);
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    const byId = Object.fromEntries(
      res.body.items.map((w: any) => [w.identifier, w]),
    );
    expect(byId['restart-service']).toEqual({
      id: expect.any(String),
      identifier: 'restart-service',
      revision: 1,
      name: 'Restart service',
      description: 'Rolling restart of every pod',
      scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
      execution: { type: 'simple' },
      access: { type: 'owners' },
      parameters: restartService.parameters,
      updatedAt: expect.any(String),
      runnable: { allowed: true },
      capabilities: { run: { allowed: true }, edit: true, delete: true },
    });
    expect(byId['freeze-deploys'].access).toEqual({ type: 'selected' });
    expect(byId.rollback.access).toEqual({
      type: 'approval',
      approvers: ['group:default/platform-team'],
      allowSelfApproval: false,
    });
    const text = JSON.stringify(res.body);
    for (const hidden of [
      'deploy.example.com',
      'x-team',
      'template',
      'maxAttempts',
      'members',
      'createdBy',
    ]) {
      expect({ hidden, found: text.includes(hidden) }).toEqual({
        hidden,
        found: false,
      });
    }

    // The whole definition is still there, one workflow at a time.
    const one = await api()
      .get('/api/self-service/workflows/freeze-deploys')
      .set('authorization', as('grace'));
    expect(one.body).toMatchObject(freezeDeploys);
  });

  it('filters by search, scope, approval and entity, counting the matches', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, all);
    const list = async (query: object) => {
      const res = await api()
        .get('/api/self-service/workflows')
        .query({ limit: 1, ...query })
        .set('authorization', as('grace'));
      expect(res.status).toBe(200);
      // A page of one, so the count is not the page's length.
      return {
        first: res.body.items[0]?.identifier,
        totalCount: res.body.totalCount,
      };
    };
    await expect(list({ search: 'ROLL' })).resolves.toEqual({
      first: 'restart-service',
      totalCount: 2,
    });
    await expect(list({ search: 'roll release' })).resolves.toEqual({
      first: 'rollback',
      totalCount: 1,
    });
    await expect(list({ search: 'scale-database' })).resolves.toEqual({
      first: 'scale-database',
      totalCount: 1,
    });
    await expect(list({ scope: 'global' })).resolves.toEqual({
      first: 'freeze-deploys',
      totalCount: 2,
    });
    await expect(list({ scope: 'entity' })).resolves.toEqual({
      first: 'restart-service',
      totalCount: 3,
    });
    await expect(list({ approval: true })).resolves.toEqual({
      first: 'rollback',
      totalCount: 1,
    });
    await expect(list({ approval: false })).resolves.toEqual({
      first: 'freeze-deploys',
      totalCount: 5,
    });
    await expect(
      list({ entityRef: 'component:default/payments-api', limit: 100 }),
    ).resolves.toEqual({ first: 'freeze-deploys', totalCount: 4 });
    await expect(
      list({ entityRef: 'component:default/storefront-web', scope: 'entity' }),
    ).resolves.toEqual({ first: 'rollback', totalCount: 1 });
    await expect(
      list({ entityRef: 'resource:default/payments-db', scope: 'entity' }),
    ).resolves.toEqual({ first: 'rollback', totalCount: 2 });
    await expect(
      list({
        entityRef: 'resource:default/payments-db',
        search: 'scale',
        approval: 'true',
      }),
    ).resolves.toEqual({ first: undefined, totalCount: 0 });
  });

  it('decides run access for the entity asked about', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, all);
    const runnable = async (user: string, entityRef: string) => {
      const res = await api()
        .get('/api/self-service/workflows')
        .query({ entityRef, scope: 'entity' })
        .set('authorization', as(user));
      return Object.fromEntries(
        res.body.items.map((w: any) => [w.identifier, w.capabilities.run]),
      );
    };
    await expect(
      runnable('linus', 'component:default/payments-api'),
    ).resolves.toEqual({
      'restart-service': {
        allowed: false,
        reason: 'Only owners of this entity can run this workflow',
      },
      rollback: { allowed: true },
    });
    await expect(
      runnable('grace', 'resource:default/payments-db'),
    ).resolves.toEqual({
      rollback: { allowed: true },
      'scale-database': { allowed: true },
    });
    await expect(
      runnable('ada', 'resource:default/payments-db'),
    ).resolves.toEqual({
      rollback: { allowed: true },
      'scale-database': {
        allowed: false,
        reason: 'Only selected teams and users can run this workflow',
      },
    });
  });

  it.each([
    [{ limit: 0 }, 'limit: must be an integer from 1 to 100'],
    [{ limit: 101 }, 'limit: must be an integer from 1 to 100'],
    [{ limit: 'ten' }, 'limit: must be an integer from 1 to 100'],
    [{ limit: 2.5 }, 'limit: must be an integer from 1 to 100'],
    [{ cursor: 'nope' }, 'cursor: not a cursor returned by this API'],
    [{ scope: 'team' }, "scope: must be 'global' or 'entity'"],
    [{ approval: 'maybe' }, "approval: must be 'true' or 'false'"],
    [{ search: 'x'.repeat(201) }, 'search: at most 200 characters'],
    [{ entityRef: 'not a ref:' }, /^entityRef: /],
  ])('refuses %p with a 400 naming the parameter', async (query, message) => {
    const { api } = await startSelfServiceBackend();
    const res = await api()
      .get('/api/self-service/workflows')
      .query(query)
      .set('authorization', as('grace'));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('refuses a parameter given twice, naming it', async () => {
    const { api } = await startSelfServiceBackend();
    const res = await api()
      .get('/api/self-service/workflows?scope=global&scope=entity')
      .set('authorization', as('grace'));
    expect(res.status).toBe(400);
    // The OpenAPI validator answers this one: request/query/scope ...
    expect(res.body.error.message).toMatch(/\bscope\b/);
  });

  it('gives services the page without capabilities', async () => {
    const { api } = await startSelfServiceBackend();
    await publish(api, [onboard]);
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', mockCredentials.service.header());
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].capabilities).toBeUndefined();
    expect(res.body.items[0].runnable).toBeUndefined();
  });
});

describe('GET /workflows capabilities', () => {
  const many = Array.from({ length: 30 }, (_, i) => ({
    ...onboard,
    identifier: `global-${String(i).padStart(2, '0')}`,
    name: `Global ${String(i).padStart(2, '0')}`,
  }));

  it('asks the policy once per page whatever its size', async () => {
    const { permissions, counts } = countingPermissions(() => ({
      result: AuthorizeResult.ALLOW,
    }));
    const { api } = await startSelfServiceBackend({ permissions });
    await publish(api, many);
    const asked = [];
    for (const limit of [1, 10, 30]) {
      counts.authorize = 0;
      counts.authorizeConditional = 0;
      counts.requests = 0;
      const res = await api()
        .get('/api/self-service/workflows')
        .query({ limit })
        .set('authorization', as('grace'));
      expect(res.body.items).toHaveLength(limit);
      asked.push({ ...counts });
    }
    expect(asked).toEqual([
      { authorize: 0, authorizeConditional: 1, requests: 4 },
      { authorize: 0, authorizeConditional: 1, requests: 4 },
      { authorize: 0, authorizeConditional: 1, requests: 4 },
    ]);
  });

  it('applies ALLOW and DENY to every item', async () => {
    const { permissions } = countingPermissions(name => ({
      result:
        name === selfServiceWorkflowUpdatePermission.name ||
        name === selfServiceWorkflowRunPermission.name
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    }));
    const { api } = await startSelfServiceBackend({ permissions });
    await publish(api, [onboard, rollback]);
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('grace'));
    const denied = {
      allowed: false,
      reason: 'Your permissions do not allow you to run this workflow',
    };
    expect(
      res.body.items.map((w: any) => [
        w.identifier,
        w.capabilities,
        w.runnable,
      ]),
    ).toEqual([
      ['onboard', { run: denied, edit: false, delete: true }, denied],
      ['rollback', { run: denied, edit: false, delete: true }, denied],
    ]);
  });

  it('evaluates CONDITIONAL answers against each item with the workflow rules', async () => {
    const { permissions, counts } = countingPermissions(name => {
      switch (name) {
        case selfServiceWorkflowReadPermission.name:
          return conditional('IS_WORKFLOW_CREATOR', {
            claims: ['user:default/ada'],
          });
        case selfServiceWorkflowRunPermission.name:
          return conditional('HAS_SCOPE', { scope: 'global' });
        case selfServiceWorkflowUpdatePermission.name:
          return conditional('IS_WORKFLOW', { identifiers: ['rollback'] });
        case selfServiceWorkflowDeletePermission.name:
          return {
            result: AuthorizeResult.CONDITIONAL,
            pluginId: 'self-service',
            resourceType: 'self-service-workflow',
            conditions: {
              not: {
                rule: 'IS_WORKFLOW',
                resourceType: 'self-service-workflow',
                params: { identifiers: ['onboard'] },
              },
            },
          };
        default:
          return { result: AuthorizeResult.ALLOW };
      }
    });
    const { api } = await startSelfServiceBackend({
      permissions,
      config: { selfService: { workflows: [freezeDeploys] } },
    });
    await publish(api, [onboard, rollback, restartService]);
    counts.authorizeConditional = 0;
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('ada'));
    expect(counts.authorizeConditional).toBe(1);
    expect(
      Object.fromEntries(
        res.body.items.map((w: any) => [
          w.identifier,
          {
            run: w.capabilities.run.allowed,
            edit: w.capabilities.edit,
            delete: w.capabilities.delete,
          },
        ]),
      ),
    ).toEqual({
      // freeze-deploys, published from app-config by the plugin, is not
      // ada's to read.
      onboard: { run: true, edit: false, delete: false },
      'restart-service': { run: false, edit: false, delete: true },
      rollback: { run: false, edit: true, delete: true },
    });
  });

  it('never offers to delete a managed workflow, and says whether it may be edited', async () => {
    const { api } = await startSelfServiceBackend({
      config: { selfService: { workflows: [freezeDeploys] } },
    });
    const res = await api()
      .get('/api/self-service/workflows')
      .set('authorization', as('ada'));
    expect(res.body.items).toEqual([
      expect.objectContaining({
        identifier: 'freeze-deploys',
        managedBy: 'config',
        capabilities: { run: { allowed: true }, edit: true, delete: false },
      }),
    ]);
  });
});

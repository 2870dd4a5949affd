import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
import express from 'express';
import request from 'supertest';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import { createRouter } from './router';

const GRACE = 'user:default/grace';
const LINUS = 'user:default/linus';
const ADA = 'user:default/ada';

// Ownership refs as the catalog would resolve them: the user and their teams.
const memberships: Record<string, string[]> = {
  [GRACE]: [GRACE, 'group:default/payments-team'],
  [LINUS]: [LINUS, 'group:default/web-team'],
  [ADA]: [ADA, 'group:default/platform-team'],
};

const userInfo: UserInfoService = {
  async getUserInfo(credentials: BackstageCredentials) {
    const { userEntityRef } = (
      credentials as BackstageCredentials<BackstageUserPrincipal>
    ).principal;
    return {
      userEntityRef,
      ownershipEntityRefs: memberships[userEntityRef] ?? [userEntityRef],
    };
  },
};

const definition: WorkflowDefinition = {
  identifier: 'rotate-credentials',
  name: 'Rotate database credentials',
  scope: { type: 'entity', kinds: ['Resource'] },
  execution: { type: 'event-driven' },
  access: { type: 'approval', approvers: ['group:default/platform-team'] },
  parameters: [],
  request: { method: 'POST', url: 'https://ci.example.com/rotate' },
};

describe('createRouter', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function setup() {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabaseSelfServiceStore.create({
      database: mockServices.database({ knex }),
    });
    const workflow = await store.createWorkflow({ definition, actor: ADA });
    const router = await createRouter({
      logger: mockServices.logger.mock(),
      httpAuth: mockServices.httpAuth(),
      userInfo,
      catalog: catalogServiceMock({ entities: [] }),
      store,
    });
    const app = express().use(router).use(mockErrorHandler());
    const trigger = (
      requestedBy: string,
      status: 'pending_approval' | 'success',
    ) =>
      store.createRun({
        workflowId: workflow.id,
        revision: 1,
        entityRef: 'resource:default/payments-db',
        requestedBy,
        status,
        inputs: {},
        approvers:
          status === 'pending_approval'
            ? ['group:default/platform-team']
            : undefined,
      });
    return { app, trigger };
  }

  describe('GET /runs', () => {
    it('shows requesters their runs and approvers the runs they may approve', async () => {
      const { app, trigger } = await setup();
      const gracePending = await trigger(GRACE, 'pending_approval');
      const graceDone = await trigger(GRACE, 'success');
      const linusDone = await trigger(LINUS, 'success');

      const asGrace = await request(app)
        .get('/runs')
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(asGrace.status).toBe(200);
      expect(asGrace.body.items.map((r: any) => r.id)).toEqual([
        graceDone.id,
        gracePending.id,
      ]);

      const asAda = await request(app)
        .get('/runs')
        .set('authorization', mockCredentials.user.header(ADA));
      expect(asAda.body.items.map((r: any) => r.id)).toEqual([gracePending.id]);

      const asLinus = await request(app)
        .get('/runs')
        .query({ mine: 'true' })
        .set('authorization', mockCredentials.user.header(LINUS));
      expect(asLinus.body.items.map((r: any) => r.id)).toEqual([linusDone.id]);
    });

    it('filters by status, workflow and entity, normalising the entity ref', async () => {
      const { app, trigger } = await setup();
      const pending = await trigger(GRACE, 'pending_approval');
      await trigger(GRACE, 'success');

      const res = await request(app)
        .get('/runs')
        .query({
          status: 'pending_approval,in_progress',
          workflow: 'rotate-credentials',
          entityRef: 'Resource:payments-db',
        })
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(res.status).toBe(200);
      expect(res.body.items.map((r: any) => r.id)).toEqual([pending.id]);
      expect(res.body.items[0]).toMatchObject({
        workflowName: 'Rotate database credentials',
        entityRef: 'resource:default/payments-db',
        status: 'pending_approval',
      });
    });

    it('pages with an opaque cursor', async () => {
      const { app, trigger } = await setup();
      for (let i = 0; i < 3; i++) {
        await trigger(GRACE, 'success');
      }
      const first = await request(app)
        .get('/runs')
        .query({ limit: 2 })
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await request(app)
        .get('/runs')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeUndefined();
    });

    it.each([
      [{ status: 'running' }, /^status: unknown status 'running'/],
      [{ limit: '0' }, /^limit:/],
      [{ limit: '101' }, /^limit:/],
      [{ cursor: 'garbage' }, /^cursor:/],
      [{ entityRef: 'kind-only:' }, /^entityRef:/],
    ])('answers 400 naming the field for %p', async (query, message) => {
      const { app } = await setup();
      const res = await request(app)
        .get('/runs')
        .query(query)
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    });

    it('answers 400 for a limit that is not a number', async () => {
      const { app } = await setup();
      const res = await request(app)
        .get('/runs')
        .query({ limit: 'ten' })
        .set('authorization', mockCredentials.user.header(GRACE));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/limit/);
    });

    it('needs a signed-in user', async () => {
      const { app } = await setup();
      const anonymous = await request(app)
        .get('/runs')
        .set('authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    });
  });
});

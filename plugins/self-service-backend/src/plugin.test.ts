import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
import { selfServiceWorkflowsExtensionPoint } from '@internal/plugin-self-service-node';
import request from 'supertest';
import { selfServicePlugin } from './plugin';

const base: Omit<WorkflowDefinition, 'identifier' | 'name' | 'scope'> = {
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://ci.example.com/hooks' },
};

const workflows: WorkflowDefinition[] = [
  {
    ...base,
    identifier: 'restart-service',
    name: 'Restart service',
    scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  },
  {
    ...base,
    identifier: 'rotate-credentials',
    name: 'Rotate database credentials',
    scope: { type: 'entity', kinds: ['Resource'] },
  },
  {
    ...base,
    identifier: 'freeze-deploys',
    name: 'Freeze deployments',
    scope: { type: 'global' },
  },
];

const workflowsModule = createBackendModule({
  pluginId: 'self-service',
  moduleId: 'test-workflows',
  register(reg) {
    reg.registerInit({
      deps: { extension: selfServiceWorkflowsExtensionPoint },
      async init({ extension }) {
        extension.addWorkflows(...workflows);
      },
    });
  },
});

describe('selfServicePlugin', () => {
  async function startBackend() {
    const { server } = await startTestBackend({
      features: [
        selfServicePlugin,
        workflowsModule,
        mockServices.database.factory(),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'payments', namespace: 'default' },
              spec: { type: 'service', owner: 'group:default/team-a' },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'docs-site', namespace: 'default' },
              spec: { type: 'website', owner: 'group:default/team-b' },
            },
          ],
        }),
      ],
    });
    return server;
  }

  it('answers health without authentication', async () => {
    const server = await startBackend();
    const res = await request(server)
      .get('/api/self-service/health')
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('refuses to list workflows without credentials', async () => {
    const server = await startBackend();
    const res = await request(server)
      .get('/api/self-service/workflows')
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('lists the workflows published from code, by name', async () => {
    const server = await startBackend();
    const res = await request(server)
      .get('/api/self-service/workflows')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.items.map((w: any) => w.identifier)).toEqual([
      'freeze-deploys',
      'restart-service',
      'rotate-credentials',
    ]);
    expect(res.body.items[1]).toMatchObject({
      ...workflows[0],
      revision: 1,
      createdBy: 'plugin:self-service',
    });
  });

  it('lists only the workflows that apply to an entity, by kind and type', async () => {
    const server = await startBackend();
    const service = await request(server)
      .get('/api/self-service/workflows')
      .query({ entityRef: 'component:default/payments' })
      .set('authorization', mockCredentials.user.header());
    expect(service.status).toBe(200);
    expect(service.body.items.map((w: any) => w.identifier)).toEqual([
      'restart-service',
    ]);

    const website = await request(server)
      .get('/api/self-service/workflows')
      .query({ entityRef: 'Component:default/docs-site' })
      .set('authorization', mockCredentials.user.header());
    expect(website.status).toBe(200);
    expect(website.body.items).toEqual([]);
  });

  it('names the field when the entity ref is malformed or unknown', async () => {
    const server = await startBackend();
    const malformed = await request(server)
      .get('/api/self-service/workflows')
      .query({ entityRef: 'not a ref:' })
      .set('authorization', mockCredentials.user.header());
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^entityRef:/);

    const unknown = await request(server)
      .get('/api/self-service/workflows')
      .query({ entityRef: 'component:default/nope' })
      .set('authorization', mockCredentials.user.header());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/^entityRef:/);
  });

  it('gets one workflow, or 404 naming it', async () => {
    const server = await startBackend();
    const found = await request(server)
      .get('/api/self-service/workflows/freeze-deploys')
      .set('authorization', mockCredentials.user.header());
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject(workflows[2]);

    const missing = await request(server)
      .get('/api/self-service/workflows/nope')
      .set('authorization', mockCredentials.user.header());
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("'nope'");
  });
});

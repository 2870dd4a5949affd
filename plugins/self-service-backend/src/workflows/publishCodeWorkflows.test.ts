import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { WorkflowDefinition } from '@internal/plugin-self-service-common';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import {
  publishCodeWorkflows,
  validateCodeWorkflows,
} from './publishCodeWorkflows';

const definition: WorkflowDefinition = {
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://deploy.example.com/freeze' },
};

describe('publishCodeWorkflows', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function createStore() {
    const knex = await databases.init('SQLITE_3');
    return DatabaseSelfServiceStore.create({
      database: mockServices.database({ knex }),
    });
  }

  it('creates missing workflows, leaves unchanged ones, revises changed ones', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();

    await publishCodeWorkflows({ store, logger, definitions: [definition] });
    await publishCodeWorkflows({ store, logger, definitions: [definition] });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 1,
      createdBy: 'plugin:self-service',
    });

    await publishCodeWorkflows({
      store,
      logger,
      definitions: [{ ...definition, name: 'Freeze all deployments' }],
    });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 2,
      name: 'Freeze all deployments',
    });
  });

  it('lets several replicas publish at once without failing or duplicating', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    const changed = { ...definition, description: 'Stops every pipeline' };

    await Promise.all([
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
    ]);

    const all = await store.listWorkflows();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ description: 'Stops every pipeline' });
  });
});

describe('validateCodeWorkflows', () => {
  const options = { secretNames: new Set(['DEPLOY_TOKEN']), configured: [] };

  it('validates like the API and returns the cleaned-up definitions', () => {
    expect(
      validateCodeWorkflows(
        [
          {
            ...definition,
            name: '  Freeze deployments ',
            parameters: undefined,
          },
        ],
        options,
      ),
    ).toEqual([
      { ...definition, request: { ...definition.request, headers: {} } },
    ]);
  });

  it('names the workflow and the field of an invalid one', () => {
    expect(() =>
      validateCodeWorkflows(
        [
          definition,
          {
            ...definition,
            identifier: 'rotate-keys',
            request: {
              method: 'POST',
              url: 'https://vault.example.com/rotate',
              headers: { authorization: 'Bearer hard-coded' },
            },
          },
        ],
        options,
      ),
    ).toThrow(
      /^selfServiceWorkflowsExtensionPoint: workflow 'rotate-keys': request\.headers\.authorization: .*selfService\.secrets/,
    );
    expect(() =>
      validateCodeWorkflows([{ name: 'No identifier' }], options),
    ).toThrow(
      /^selfServiceWorkflowsExtensionPoint: workflow #1: identifier: required/,
    );
  });

  it('refuses an identifier published twice', () => {
    expect(() =>
      validateCodeWorkflows([definition], {
        ...options,
        configured: [definition],
      }),
    ).toThrow(
      "selfServiceWorkflowsExtensionPoint: workflow 'freeze-deploys': identifier: 'freeze-deploys' is published twice (in selfService.workflows or by another module)",
    );
    expect(() =>
      validateCodeWorkflows([definition, definition], options),
    ).toThrow(/is published twice/);
  });
});

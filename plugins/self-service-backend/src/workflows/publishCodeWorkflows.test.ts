import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import type { WorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { DatabaseSelfServiceStore } from '../database/DatabaseSelfServiceStore';
import { EgressPolicy } from '../egress';
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

const configured = { definition, managedBy: 'config' as const };

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

    await publishCodeWorkflows({ store, logger, definitions: [configured] });
    await publishCodeWorkflows({ store, logger, definitions: [configured] });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 1,
      createdBy: 'plugin:self-service',
      managedBy: 'config',
    });

    await publishCodeWorkflows({
      store,
      logger,
      definitions: [
        {
          definition: { ...definition, name: 'Freeze all deployments' },
          managedBy: 'config',
        },
      ],
    });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 2,
      name: 'Freeze all deployments',
      managedBy: 'config',
    });
  });

  it('says when a teardown workflow is missing, and not once it is published too', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    const expiring = {
      definition: {
        ...definition,
        identifier: 'preview',
        lifecycle: {
          ttl: { default: 'PT2H', max: 'P5D' },
          teardown: { workflow: 'teardown' },
        },
      },
      managedBy: 'config' as const,
    };
    await publishCodeWorkflows({ store, logger, definitions: [expiring] });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /workflow 'preview': lifecycle\.teardown\.workflow: no workflow 'teardown'/,
      ),
    );

    logger.warn.mockClear();
    const teardown = {
      definition: { ...definition, identifier: 'teardown' },
      managedBy: 'config' as const,
    };
    // Listed after the workflow that names it, as the demo does.
    await publishCodeWorkflows({
      store,
      logger,
      definitions: [expiring, teardown],
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('lets several replicas publish at once without failing or duplicating', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    const changed = {
      definition: { ...definition, description: 'Stops every pipeline' },
      managedBy: 'extension' as const,
    };

    await Promise.all([
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
      publishCodeWorkflows({ store, logger, definitions: [changed] }),
    ]);

    const all = await store.listWorkflows();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      description: 'Stops every pipeline',
      managedBy: 'extension',
    });
  });

  it('records the source, so the API can neither edit nor delete a managed workflow', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    await publishCodeWorkflows({ store, logger, definitions: [configured] });

    await expect(
      store.updateWorkflow({
        identifier: 'freeze-deploys',
        definition: { ...definition, name: 'Edited in the UI' },
        actor: 'user:default/ada',
      }),
    ).rejects.toThrow(
      new ConflictError(
        "workflow 'freeze-deploys' is managed by app-config (selfService.workflows); change it there",
      ),
    );
    await expect(
      store.deleteWorkflow({
        identifier: 'freeze-deploys',
        actor: 'user:default/ada',
      }),
    ).rejects.toThrow(
      "workflow 'freeze-deploys' is managed by app-config (selfService.workflows); change it there",
    );
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 1,
      name: 'Freeze deployments',
    });
  });

  it('refuses to take over a workflow published through the API', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    await store.createWorkflow({
      definition: { ...definition, name: 'Mine' },
      actor: 'user:default/grace',
    });

    await expect(
      publishCodeWorkflows({ store, logger, definitions: [configured] }),
    ).rejects.toThrow(
      "selfService.workflows: workflow 'freeze-deploys': identifier: a workflow with this identifier was published through the API by user:default/grace and is not taken over; delete it through the API, or give this one another identifier",
    );
    await expect(
      publishCodeWorkflows({
        store,
        logger,
        definitions: [{ definition, managedBy: 'extension' }],
      }),
    ).rejects.toThrow(/^selfServiceWorkflowsExtensionPoint: workflow/);
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      name: 'Mine',
      revision: 1,
      createdBy: 'user:default/grace',
    });
    expect(
      (await store.getWorkflow('freeze-deploys'))?.managedBy,
    ).toBeUndefined();
  });

  it('adopts workflows an earlier version published from code, and follows a move between sources', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    // Published before sources were recorded.
    await store.createWorkflow({ definition, actor: 'plugin:self-service' });

    await publishCodeWorkflows({ store, logger, definitions: [configured] });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 1,
      managedBy: 'config',
    });

    await publishCodeWorkflows({
      store,
      logger,
      definitions: [{ definition, managedBy: 'extension' }],
    });
    await expect(store.getWorkflow('freeze-deploys')).resolves.toMatchObject({
      revision: 1,
      managedBy: 'extension',
    });
  });

  it('releases a managed workflow that is no longer published, with a warning', async () => {
    const store = await createStore();
    const logger = mockServices.logger.mock();
    await publishCodeWorkflows({ store, logger, definitions: [configured] });

    await publishCodeWorkflows({ store, logger, definitions: [] });
    const released = await store.getWorkflow('freeze-deploys');
    expect(released).toMatchObject({ revision: 1, name: 'Freeze deployments' });
    expect(released?.managedBy).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      "Workflow 'freeze-deploys' is no longer published from selfService.workflows; it stays, and can now be edited and deleted through the API",
    );
    await expect(
      store.updateWorkflow({
        identifier: 'freeze-deploys',
        definition: { ...definition, name: 'Edited in the UI' },
        actor: 'user:default/ada',
      }),
    ).resolves.toMatchObject({ revision: 2 });
  });
});

describe('validateCodeWorkflows', () => {
  const options = {
    secretNames: new Set(['DEPLOY_TOKEN']),
    egressPolicy: new EgressPolicy(),
    configured: [],
  };

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

  it('refuses a workflow whose request would go to a refused address', () => {
    expect(() =>
      validateCodeWorkflows(
        [
          {
            ...definition,
            request: { method: 'POST', url: 'http://169.254.169.254/latest/' },
          },
        ],
        options,
      ),
    ).toThrow(
      "selfServiceWorkflowsExtensionPoint: workflow 'freeze-deploys': request.url: 169.254.169.254 is a cloud metadata service, which workflows may never call (selfService.request.allowedHosts cannot allow it)",
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

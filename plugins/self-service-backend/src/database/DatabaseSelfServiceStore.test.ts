import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Run,
  WorkflowDefinition,
} from '@backstage-self-service/plugin-self-service-common';
import knexFactory from 'knex';
import { DatabaseSelfServiceStore } from './DatabaseSelfServiceStore';

jest.setTimeout(60_000);

const restartService: WorkflowDefinition = {
  identifier: 'restart-service',
  name: 'Restart service',
  description: 'Rolling restart of every pod of the service',
  icon: 'refresh',
  color: '#1976d2',
  scope: { type: 'entity', kinds: ['Component'], types: ['service'] },
  execution: { type: 'simple' },
  access: { type: 'owners' },
  parameters: [
    {
      identifier: 'reason',
      name: 'Reason',
      type: 'string',
      required: true,
    },
  ],
  request: {
    method: 'POST',
    url: 'https://deploy.example.com/restart/{{entity.identifier}}',
    headers: { 'content-type': 'application/json' },
    body: '{"reason": "{{data.reason}}"}',
  },
};

const freezeDeploys: WorkflowDefinition = {
  ...restartService,
  identifier: 'freeze-deploys',
  name: 'Freeze deployments',
  scope: { type: 'global' },
  access: { type: 'everyone' },
  parameters: [],
};

describe('DatabaseSelfServiceStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function createStore(databaseId: any) {
    const knex = await databases.init(databaseId);
    const store = await DatabaseSelfServiceStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    return { knex, store };
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('publishes a workflow as revision 1 and reads it back whole', async () => {
      const { store } = await createStore(databaseId);

      const created = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      expect(created).toMatchObject({
        ...restartService,
        revision: 1,
        createdBy: 'user:default/ada',
        updatedBy: 'user:default/ada',
      });
      expect(new Date(created.createdAt).getTime()).not.toBeNaN();
      await expect(store.getWorkflow('restart-service')).resolves.toEqual(
        created,
      );
      await expect(store.getWorkflow('no-such-workflow')).resolves.toBe(
        undefined,
      );
    });

    it('refuses a second workflow with the same identifier', async () => {
      const { store } = await createStore(databaseId);
      await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      await expect(
        store.createWorkflow({
          definition: { ...restartService, name: 'Another' },
          actor: 'user:default/bob',
        }),
      ).rejects.toThrow(
        new ConflictError(
          "identifier: a workflow with identifier 'restart-service' already exists",
        ),
      );
      await expect(store.listWorkflows()).resolves.toHaveLength(1);
    });

    it('lists workflows by name', async () => {
      const { store } = await createStore(databaseId);
      await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });
      await store.createWorkflow({
        definition: freezeDeploys,
        actor: 'user:default/ada',
      });

      const names = (await store.listWorkflows()).map(w => w.name);
      expect(names).toEqual(['Freeze deployments', 'Restart service']);
    });

    it('filters workflows by permission conditions in SQL', async () => {
      const { store } = await createStore(databaseId);
      await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });
      await store.createWorkflow({
        definition: freezeDeploys,
        actor: 'user:default/alan',
      });
      const identifiers = async (filter: any) =>
        (await store.listWorkflows({ filter })).map(w => w.identifier);

      await expect(
        identifiers({ property: 'scopeType', values: ['global'] }),
      ).resolves.toEqual(['freeze-deploys']);
      await expect(
        identifiers({ property: 'createdBy', values: ['user:default/ada'] }),
      ).resolves.toEqual(['restart-service']);
      await expect(
        identifiers({
          not: { property: 'identifier', values: ['restart-service'] },
        }),
      ).resolves.toEqual(['freeze-deploys']);
      await expect(identifiers({ anyOf: [] })).resolves.toEqual([]);
      await expect(identifiers({ allOf: [] })).resolves.toEqual([
        'freeze-deploys',
        'restart-service',
      ]);
    });

    it('appends a revision on every edit and keeps the earlier ones', async () => {
      const { store } = await createStore(databaseId);
      const created = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      const updated = await store.updateWorkflow({
        identifier: 'restart-service',
        definition: { ...restartService, name: 'Restart pods' },
        actor: 'user:default/bob',
        expectedRevision: 1,
      });

      expect(updated).toMatchObject({
        id: created.id,
        name: 'Restart pods',
        revision: 2,
        createdBy: 'user:default/ada',
        updatedBy: 'user:default/bob',
      });
      const first = await store.getWorkflowRevision(created.id, 1);
      expect(first?.definition.name).toBe('Restart service');
      const second = await store.getWorkflowRevision(created.id, 2);
      expect(second?.definition.name).toBe('Restart pods');
      expect(second?.createdBy).toBe('user:default/bob');
    });

    it('refuses an edit based on a stale revision and stores nothing', async () => {
      const { store } = await createStore(databaseId);
      const created = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });
      await store.updateWorkflow({
        identifier: 'restart-service',
        definition: { ...restartService, name: 'Second' },
        actor: 'user:default/ada',
        expectedRevision: 1,
      });

      await expect(
        store.updateWorkflow({
          identifier: 'restart-service',
          definition: { ...restartService, name: 'Lost update' },
          actor: 'user:default/bob',
          expectedRevision: 1,
        }),
      ).rejects.toThrow(ConflictError);

      const current = await store.getWorkflow('restart-service');
      expect(current).toMatchObject({ name: 'Second', revision: 2 });
      await expect(
        store.getWorkflowRevision(created.id, 3),
      ).resolves.toBeUndefined();
    });

    it('lets exactly one of many concurrent edits of the same revision land', async () => {
      const { store } = await createStore(databaseId);
      await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          store.updateWorkflow({
            identifier: 'restart-service',
            definition: { ...restartService, name: `Edit ${i}` },
            actor: 'user:default/ada',
            expectedRevision: 1,
          }),
        ),
      );

      const landed = results.filter(r => r.status === 'fulfilled');
      expect(landed).toHaveLength(1);
      const losers = results.flatMap(r =>
        r.status === 'rejected' ? [r.reason] : [],
      );
      expect(losers).toHaveLength(4);
      expect(losers.every(e => e instanceof ConflictError)).toBe(true);
      await expect(store.getWorkflow('restart-service')).resolves.toMatchObject(
        { revision: 2 },
      );
    });

    it('never changes an identifier on edit', async () => {
      const { store } = await createStore(databaseId);
      await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      await expect(
        store.updateWorkflow({
          identifier: 'restart-service',
          definition: { ...restartService, identifier: 'renamed' },
          actor: 'user:default/ada',
        }),
      ).rejects.toThrow(InputError);
      await expect(
        store.updateWorkflow({
          identifier: 'missing',
          definition: { ...restartService, identifier: 'missing' },
          actor: 'user:default/ada',
        }),
      ).rejects.toThrow(NotFoundError);
    });

    it('soft-deletes: hidden from lists, identifier reusable, revisions kept', async () => {
      const { store, knex } = await createStore(databaseId);
      const created = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });

      await store.deleteWorkflow({
        identifier: 'restart-service',
        actor: 'user:default/bob',
      });

      await expect(store.getWorkflow('restart-service')).resolves.toBe(
        undefined,
      );
      await expect(store.listWorkflows()).resolves.toEqual([]);
      await expect(
        store.getWorkflowRevision(created.id, 1),
      ).resolves.toMatchObject({ definition: restartService });
      const row = await knex('workflows').where({ id: created.id }).first();
      expect(row.deleted_at).not.toBeNull();
      await expect(
        store.deleteWorkflow({
          identifier: 'restart-service',
          actor: 'user:default/bob',
        }),
      ).rejects.toThrow(NotFoundError);

      const again = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/bob',
      });
      expect(again.id).not.toBe(created.id);
      expect(again.revision).toBe(1);
    });

    it('records who manages a workflow, and refuses API edits and deletes of managed ones', async () => {
      const { store } = await createStore(databaseId);
      const created = await store.createWorkflow({
        definition: freezeDeploys,
        actor: 'plugin:self-service',
        managedBy: 'config',
      });
      expect(created.managedBy).toBe('config');
      const byApi = await store.createWorkflow({
        definition: restartService,
        actor: 'user:default/ada',
      });
      expect(byApi).not.toHaveProperty('managedBy');

      const refusal =
        "workflow 'freeze-deploys' is managed by app-config (selfService.workflows); change it there";
      await expect(
        store.updateWorkflow({
          identifier: 'freeze-deploys',
          definition: { ...freezeDeploys, name: 'Edited' },
          actor: 'user:default/ada',
        }),
      ).rejects.toThrow(new ConflictError(refusal));
      await expect(
        store.deleteWorkflow({
          identifier: 'freeze-deploys',
          actor: 'user:default/ada',
        }),
      ).rejects.toThrow(new ConflictError(refusal));

      // Its manager may; a module taking it over is recorded.
      await expect(
        store.updateWorkflow({
          identifier: 'freeze-deploys',
          definition: { ...freezeDeploys, name: 'Edited' },
          actor: 'plugin:self-service',
          source: 'extension',
        }),
      ).resolves.toMatchObject({
        revision: 2,
        name: 'Edited',
        managedBy: 'extension',
      });

      // Released, the API may change it.
      await store.setWorkflowManager('freeze-deploys', null);
      await expect(
        store.deleteWorkflow({
          identifier: 'freeze-deploys',
          actor: 'user:default/ada',
        }),
      ).resolves.toEqual({ canceledRuns: [] });
      await expect(
        store.setWorkflowManager('freeze-deploys', 'config'),
      ).rejects.toThrow(NotFoundError);
    });

    describe('runs', () => {
      async function storeWithWorkflow() {
        const ctx = await createStore(databaseId);
        const workflow = await ctx.store.createWorkflow({
          definition: restartService,
          actor: 'user:default/ada',
        });
        return { ...ctx, workflow };
      }

      it('records a run with its revision, inputs and triggered event', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();

        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          entityRef: 'component:default/payments-api',
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: { reason: 'memory leak', replicas: 3, force: true },
          approvers: ['group:default/platform-team'],
        });

        expect(run).toMatchObject({
          workflowId: workflow.id,
          workflowIdentifier: 'restart-service',
          workflowName: 'Restart service',
          workflowRevision: 1,
          entityRef: 'component:default/payments-api',
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: { reason: 'memory leak', replicas: 3, force: true },
        });
        expect(run.finishedAt).toBeUndefined();
        await expect(store.getRun(run.id)).resolves.toEqual(run);
        await expect(store.getRun('nope')).resolves.toBeUndefined();
        const events = await knex('run_events').where({ run_id: run.id });
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          sequence: 1,
          type: 'triggered',
          actor: 'user:default/grace',
        });
      });

      it('keeps showing the revision a run was triggered with after edits', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });
        await store.updateWorkflow({
          identifier: 'restart-service',
          definition: { ...restartService, name: 'Restart pods' },
          actor: 'user:default/ada',
        });

        await expect(store.getRun(run.id)).resolves.toMatchObject({
          workflowName: 'Restart service',
          workflowRevision: 1,
        });
      });

      it('records a run with further initial events in one transaction, or nothing at all', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/platform-team'],
          events: [
            {
              type: 'approval_requested',
              data: { approvers: ['group:default/platform-team'] },
            },
          ],
        });
        expect(
          (await store.listRunEvents(run.id)).map(e => [e.sequence, e.type]),
        ).toEqual([
          [1, 'triggered'],
          [2, 'approval_requested'],
        ]);
        // The counter continues after them.
        const [next] = await store.appendRunEvents(run.id, [
          { type: 'message', data: {} },
        ]);
        expect(next.sequence).toBe(3);

        // An event that cannot be written takes the run with it.
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(
          store.createRun({
            workflowId: workflow.id,
            revision: 1,
            requestedBy: 'user:default/linus',
            status: 'pending_approval',
            inputs: {},
            approvers: ['group:default/platform-team'],
            events: [{ type: 'approval_requested', data: circular }],
          }),
        ).rejects.toThrow();
        const runs = await knex('runs').select('requested_by');
        expect(runs).toEqual([{ requested_by: 'user:default/grace' }]);
        const [{ n: approvers }] = await knex('run_approvers').count({
          n: '*',
        });
        expect(Number(approvers)).toBe(1);
      });

      it('refuses a run of a revision that does not exist, storing nothing', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        await expect(
          store.createRun({
            workflowId: workflow.id,
            revision: 7,
            requestedBy: 'user:default/grace',
            status: 'in_progress',
            inputs: {},
          }),
        ).rejects.toThrow(NotFoundError);
        const [{ n }] = await knex('runs').count({ n: '*' });
        expect(Number(n)).toBe(0);
      });

      it('lists newest first, filtered, across pages without gaps or repeats', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const created: Run[] = [];
        for (let i = 0; i < 7; i++) {
          created.push(
            await store.createRun({
              workflowId: workflow.id,
              revision: 1,
              entityRef:
                i % 2 === 0
                  ? 'component:default/payments-api'
                  : 'component:default/ledger-worker',
              requestedBy:
                i < 5 ? 'user:default/grace' : 'user:default/margaret',
              status: i === 6 ? 'failed' : 'success',
              inputs: { i },
            }),
          );
        }

        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listRuns({ limit: 3, cursor });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items.map(r => r.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(7);
        expect(new Set(seen).size).toBe(7);
        const times = seen.map(id => created.find(r => r.id === id)!.createdAt);
        expect([...times].sort().reverse()).toEqual(times);

        const payments = await store.listRuns({
          limit: 50,
          filter: { entityRef: 'component:default/payments-api' },
        });
        expect(payments.items.map(r => r.inputs.i).sort()).toEqual([
          0, 2, 4, 6,
        ]);
        expect(payments.nextCursor).toBeUndefined();

        const failedByMargaret = await store.listRuns({
          limit: 50,
          filter: {
            requestedBy: 'user:default/margaret',
            status: ['failed'],
            workflowIdentifier: 'restart-service',
          },
        });
        expect(failedByMargaret.items.map(r => r.inputs.i)).toEqual([6]);
      });

      it('shows a viewer only the runs they requested or may approve', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const mine = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'success',
          inputs: {},
        });
        const toApprove = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/linus',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/payments-team', 'user:default/ada'],
        });
        await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/linus',
          status: 'success',
          inputs: {},
        });

        const page = await store.listRuns({
          limit: 50,
          visibility: {
            userEntityRef: 'user:default/grace',
            ownershipEntityRefs: [
              'user:default/grace',
              'group:default/payments-team',
            ],
          },
        });
        expect(page.items.map(r => r.id).sort()).toEqual(
          [mine.id, toApprove.id].sort(),
        );
      });

      it('shows runs to entity owners and to whatever the policy filter allows', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const owned = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          entityRef: 'component:default/payments-api',
          entityOwners: ['group:default/payments-team'],
          requestedBy: 'user:default/ada',
          status: 'success',
          inputs: {},
        });
        const other = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          entityRef: 'component:default/storefront-web',
          entityOwners: ['group:default/web-team'],
          requestedBy: 'user:default/ada',
          status: 'success',
          inputs: {},
        });
        const margaret = {
          userEntityRef: 'user:default/margaret',
          ownershipEntityRefs: [
            'user:default/margaret',
            'group:default/payments-team',
          ],
        };

        await expect(store.listRunEntityOwners(owned.id)).resolves.toEqual([
          'group:default/payments-team',
        ]);
        const asOwner = await store.listRuns({
          limit: 50,
          visibility: margaret,
        });
        expect(asOwner.items.map(r => r.id)).toEqual([owned.id]);
        await expect(store.isRunVisible(owned.id, margaret)).resolves.toBe(
          true,
        );
        await expect(store.isRunVisible(other.id, margaret)).resolves.toBe(
          false,
        );

        const withPolicy = {
          ...margaret,
          policyFilter: {
            property: 'entityRef',
            values: ['component:default/storefront-web'],
          },
        };
        const asAllowedByPolicy = await store.listRuns({
          limit: 50,
          visibility: withPolicy,
        });
        expect(asAllowedByPolicy.items.map(r => r.id).sort()).toEqual(
          [owned.id, other.id].sort(),
        );
        const deniedByPolicy = await store.listRuns({
          limit: 50,
          visibility: { ...margaret, policyFilter: { anyOf: [] } },
        });
        expect(deniedByPolicy.items.map(r => r.id)).toEqual([owned.id]);
      });

      it('lists the pending runs someone may approve', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const pending = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/platform-team'],
        });
        await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/web-team'],
        });
        const decided = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/platform-team'],
        });
        await store.transitionRun({
          runId: decided.id,
          from: ['pending_approval'],
          to: 'rejected',
          events: [{ type: 'rejected', actor: 'user:default/ada', data: {} }],
        });

        const page = await store.listRuns({
          limit: 50,
          filter: {
            approvableBy: {
              userEntityRef: 'user:default/ada',
              ownershipEntityRefs: [
                'user:default/ada',
                'group:default/platform-team',
              ],
            },
          },
        });
        expect(page.items.map(r => r.id)).toEqual([pending.id]);
        await expect(store.listRunApprovers(pending.id)).resolves.toEqual([
          'group:default/platform-team',
        ]);
      });

      it("leaves the caller's own runs out of those they may approve, unless the revision allows self-approval", async () => {
        const { store } = await createStore(databaseId);
        const approval = (allowSelfApproval: boolean): WorkflowDefinition => ({
          ...freezeDeploys,
          identifier: `purge-${allowSelfApproval}`,
          access: {
            type: 'approval',
            approvers: ['group:default/platform-team'],
            allowSelfApproval,
          },
        });
        const strict = await store.createWorkflow({
          definition: approval(false),
          actor: 'user:default/ada',
        });
        const lenient = await store.createWorkflow({
          definition: approval(true),
          actor: 'user:default/ada',
        });
        const pending = (workflowId: string, requestedBy: string) =>
          store.createRun({
            workflowId,
            revision: 1,
            requestedBy,
            status: 'pending_approval',
            inputs: {},
            approvers: ['group:default/platform-team'],
          });
        const ownStrict = await pending(strict.id, 'user:default/ada');
        const ownLenient = await pending(lenient.id, 'user:default/ada');
        const othersStrict = await pending(strict.id, 'user:default/grace');
        // A later revision does not change what a pending run allows.
        await store.updateWorkflow({
          identifier: strict.identifier,
          definition: { ...approval(true), identifier: strict.identifier },
          actor: 'user:default/ada',
        });

        const approvable = async (user: string) =>
          (
            await store.listRuns({
              limit: 50,
              filter: {
                approvableBy: {
                  userEntityRef: user,
                  ownershipEntityRefs: [user, 'group:default/platform-team'],
                },
              },
            })
          ).items
            .map(r => r.id)
            .sort();

        expect(await approvable('user:default/ada')).toEqual(
          [ownLenient.id, othersStrict.id].sort(),
        );
        expect(await approvable('user:default/alan')).toEqual(
          [ownStrict.id, ownLenient.id, othersStrict.id].sort(),
        );
      });

      it('changes status only from the expected statuses, with its events', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          tokenHash: 'a'.repeat(64),
          deadlineAt: new Date(Date.now() + 60_000),
        });
        await expect(store.listRunTokenHashes(run.id)).resolves.toEqual([
          'a'.repeat(64),
        ]);

        const done = await store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'success',
          events: [
            {
              type: 'status_changed',
              actor: 'user:default/grace',
              data: { from: 'in_progress', to: 'success' },
            },
          ],
        });
        expect(done.status).toBe('success');
        expect(done.finishedAt).toEqual(expect.any(String));

        await expect(
          store.transitionRun({
            runId: run.id,
            from: ['in_progress'],
            to: 'failed',
            events: [{ type: 'status_changed', data: {} }],
          }),
        ).rejects.toThrow(/is success and cannot become failed/);
        await expect(
          store.transitionRun({
            runId: 'missing',
            from: ['in_progress'],
            to: 'failed',
            events: [],
          }),
        ).rejects.toThrow(NotFoundError);

        const events = await store.listRunEvents(run.id);
        expect(events.map(e => [e.sequence, e.type])).toEqual([
          [1, 'triggered'],
          [2, 'status_changed'],
        ]);
        expect(events[1]).toMatchObject({
          actor: 'user:default/grace',
          data: { from: 'in_progress', to: 'success' },
        });
      });

      it('lets exactly one of many concurrent transitions win', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
        });

        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.transitionRun({
              runId: run.id,
              from: ['pending_approval'],
              to: i % 2 ? 'rejected' : 'in_progress',
              events: [{ type: i % 2 ? 'rejected' : 'approved', data: { i } }],
            }),
          ),
        );

        expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
        const losers = results.flatMap(r =>
          r.status === 'rejected' ? [r.reason] : [],
        );
        expect(losers.every(e => e instanceof ConflictError)).toBe(true);
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.sequence)).toEqual([1, 2]);
      });

      it('appends concurrent events in a gapless order, only while allowed', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });

        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.appendRunEvents(
              run.id,
              [{ type: 'message', data: { markdown: `step ${i}` } }],
              { whileStatusIn: ['in_progress'] },
            ),
          ),
        );
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.sequence)).toEqual(
          Array.from({ length: 21 }, (_, i) => i + 1),
        );

        await store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'failed',
          events: [],
        });
        await expect(
          store.appendRunEvents(run.id, [{ type: 'message', data: {} }], {
            whileStatusIn: ['in_progress'],
          }),
        ).rejects.toThrow(/is failed and accepts no more updates/);
        await expect(store.listRunEvents(run.id)).resolves.toHaveLength(21);
      });

      it('keeps the step an event is of, appended alone or with others', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });

        const [alone] = await store.appendRunEvents(
          run.id,
          [{ type: 'message', stepId: 'database', data: { markdown: 'a' } }],
          { whileStatusIn: ['in_progress'], callbackEventLimit: 10 },
        );
        const together = await store.appendRunEvents(run.id, [
          { type: 'message', stepId: 'cluster', data: { markdown: 'b' } },
          { type: 'message', data: { markdown: 'c' } },
        ]);

        expect(alone.stepId).toBe('database');
        expect(together.map(e => e.stepId)).toEqual(['cluster', undefined]);
        expect(
          (await store.listRunEvents(run.id)).map(e => [e.type, e.stepId]),
        ).toEqual([
          ['triggered', undefined],
          ['message', 'database'],
          ['message', 'cluster'],
          ['message', undefined],
        ]);
      });

      const limitMessage = (runId: string, limit: number) =>
        `Run ${runId} has reached its limit of ${limit} messages and links (selfService.callbacks.maxEventsPerRun); post its final status instead`;

      it('refuses callback events past the limit, storing nothing, and still takes the final status', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });
        const post = (events: number, limit = 10, runId = run.id) =>
          store.appendRunEvents(
            runId,
            Array.from({ length: events }, (_, i) =>
              i % 2
                ? {
                    type: 'link' as const,
                    data: { label: 'Job', url: 'https://ci.example.com/1' },
                  }
                : { type: 'message' as const, data: { markdown: `step ${i}` } },
            ),
            { whileStatusIn: ['in_progress'], callbackEventLimit: limit },
          );

        for (let i = 0; i < 4; i++) {
          await post(1);
          await post(1);
        }
        // Events that are not callbacks' are not counted, nor limited.
        await store.appendRunEvents(run.id, [
          { type: 'request_sent', data: {} },
        ]);
        // Three more would pass the limit of 10: refused, none stored.
        await expect(post(3)).rejects.toThrow(limitMessage(run.id, 10));
        await post(2);
        const full = await store.listRunEvents(run.id);
        expect(full).toHaveLength(1 + 8 + 1 + 2);

        const refused = post(1);
        await expect(refused).rejects.toThrow(ConflictError);
        await expect(refused).rejects.toThrow(limitMessage(run.id, 10));
        await expect(post(1)).rejects.toThrow(limitMessage(run.id, 10));
        await expect(store.listRunEvents(run.id)).resolves.toEqual(full);
        await expect(
          knex('runs').where('id', run.id).first('callback_event_count'),
        ).resolves.toEqual({ callback_event_count: 10 });
        // A higher limit (a changed configuration) lets more in.
        await post(1, 11);
        await expect(post(1, 11)).rejects.toThrow(limitMessage(run.id, 11));

        const finished = await store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'success',
          deadlineAt: null,
          events: [{ type: 'status_changed', data: { to: 'success' } }],
        });
        expect(finished.status).toBe('success');
        const events = await store.listRunEvents(run.id);
        expect(events.map(e => e.sequence)).toEqual(
          Array.from({ length: 14 }, (_, i) => i + 1),
        );
        expect(events[13].type).toBe('status_changed');
        // Once finished, that is the reason a post is refused.
        await expect(post(1, 100)).rejects.toThrow(
          /is success and accepts no more updates/,
        );
        await expect(post(1)).rejects.toThrow(
          /is success and accepts no more updates/,
        );
        await expect(post(1, 10, 'no-such-run')).rejects.toThrow(NotFoundError);
      });

      it('never lets concurrent callback posts, from several replicas, pass the limit', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        // On PostgreSQL a second client stands in for a second replica.
        const replicaKnex = databaseId.startsWith('POSTGRES')
          ? knexFactory(knex.client.config)
          : undefined;
        const replica = replicaKnex
          ? await DatabaseSelfServiceStore.create({
              database: mockServices.database({ knex: replicaKnex }),
              skipMigrations: true,
            })
          : store;
        try {
          const run = await store.createRun({
            workflowId: workflow.id,
            revision: 1,
            requestedBy: 'user:default/grace',
            status: 'in_progress',
            inputs: {},
          });
          const limit = 15;
          // Singles take the one-statement path on PostgreSQL, pairs the
          // transaction; 50 events are offered for 15 places.
          const sizes = Array.from({ length: 40 }, (_, i) => (i % 4 ? 1 : 2));
          const results = await Promise.allSettled(
            sizes.map((size, i) =>
              (i % 2 ? replica : store).appendRunEvents(
                run.id,
                Array.from({ length: size }, (_, j) => ({
                  type: 'message' as const,
                  data: { markdown: `post ${i}.${j}` },
                })),
                { whileStatusIn: ['in_progress'], callbackEventLimit: limit },
              ),
            ),
          );

          const stored = results.flatMap(r =>
            r.status === 'fulfilled' ? r.value : [],
          );
          const refused = results.flatMap(r =>
            r.status === 'rejected' ? [r.reason] : [],
          );
          // Full, or one short when only a pair was left to take the last
          // place.
          expect(stored.length).toBeLessThanOrEqual(limit);
          expect(stored.length).toBeGreaterThanOrEqual(limit - 1);
          expect(refused.length).toBeGreaterThan(0);
          for (const error of refused) {
            expect(error).toBeInstanceOf(ConflictError);
            expect(error.message).toBe(limitMessage(run.id, limit));
          }
          const events = await store.listRunEvents(run.id);
          expect(events.map(e => e.sequence)).toEqual(
            Array.from({ length: 1 + stored.length }, (_, i) => i + 1),
          );
          expect(events.filter(e => e.type === 'message')).toHaveLength(
            stored.length,
          );
          await expect(
            knex('runs').where('id', run.id).first('callback_event_count'),
          ).resolves.toEqual({ callback_event_count: stored.length });
        } finally {
          await replicaKnex?.destroy();
        }
      });

      it('finds unfinished runs past their deadline', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const overdue = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          deadlineAt: new Date(Date.now() - 1000),
        });
        await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          deadlineAt: new Date(Date.now() + 60_000),
        });
        const finished = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          deadlineAt: new Date(Date.now() - 1000),
        });
        await store.transitionRun({
          runId: finished.id,
          from: ['in_progress'],
          to: 'success',
          events: [],
        });

        const found = await store.listOverdueRuns(new Date(), 10);
        expect(found.map(r => r.id)).toEqual([overdue.id]);
        await expect(
          store.listOverdueRuns(new Date(), 10, [overdue.id]),
        ).resolves.toEqual([]);
      });

      it('ends a run as overdue only while its deadline has passed', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          deadlineAt: new Date(Date.now() - 1000),
        });
        // Its request got recorded, extending the deadline, in one write.
        const extended = await store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'in_progress',
          deadlineAt: new Date(Date.now() + 3_600_000),
          events: [{ type: 'request_sent', data: { outcome: 'success' } }],
        });
        expect(extended.status).toBe('in_progress');

        // A sweep that read it as overdue before that changes nothing.
        await expect(
          store.transitionRun({
            runId: run.id,
            from: ['in_progress'],
            to: 'timed_out',
            deadlineAt: null,
            deadlineBefore: new Date(),
            events: [{ type: 'status_changed', data: {} }],
          }),
        ).rejects.toThrow(ConflictError);
        expect((await store.getRun(run.id))?.status).toBe('in_progress');
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
          'request_sent',
        ]);
        expect(
          (await store.listRunEvents(run.id, { types: ['request_sent'] })).map(
            e => e.sequence,
          ),
        ).toEqual([2]);

        // Once it has passed, it does.
        const timedOut = await store.transitionRun({
          runId: run.id,
          from: ['in_progress'],
          to: 'timed_out',
          deadlineAt: null,
          deadlineBefore: new Date(Date.now() + 3_700_000),
          events: [{ type: 'status_changed', data: {} }],
        });
        expect(timedOut.status).toBe('timed_out');
      });

      it('writes nothing of a transition whose events cannot be written', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(
          store.transitionRun({
            runId: run.id,
            from: ['in_progress'],
            to: 'success',
            events: [
              { type: 'request_sent', data: { outcome: 'success' } },
              { type: 'status_changed', data: circular },
            ],
          }),
        ).rejects.toThrow();
        expect((await store.getRun(run.id))?.status).toBe('in_progress');
        expect((await store.listRunEvents(run.id)).map(e => e.type)).toEqual([
          'triggered',
        ]);
      });

      it('pages through runs created at the same moment, each exactly once', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        const ids: string[] = [];
        for (let i = 0; i < 11; i++) {
          ids.push(
            (
              await store.createRun({
                workflowId: workflow.id,
                revision: 1,
                requestedBy: 'user:default/grace',
                status: 'success',
                inputs: { i },
              })
            ).id,
          );
        }
        // Eight runs share one instant, across page boundaries; one is
        // older and two newer.
        const same = new Date('2026-03-01T12:00:00.123Z');
        await knex('runs').whereIn('id', ids.slice(0, 8)).update({
          created_at: same,
        });
        await knex('runs')
          .where('id', ids[8])
          .update({ created_at: new Date('2026-03-01T11:00:00.000Z') });
        await knex('runs')
          .whereIn('id', ids.slice(9))
          .update({ created_at: new Date('2026-03-01T13:00:00.000Z') });

        for (const limit of [1, 2, 3, 5]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.listRuns({ limit, cursor });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map(r => r.id));
            cursor = page.nextCursor;
          } while (cursor);
          expect({ limit, count: seen.length }).toEqual({ limit, count: 11 });
          expect(new Set(seen)).toEqual(new Set(ids));
          // Newest first; among equals, by id, descending.
          expect(
            seen.slice(2, 10).every(id => ids.slice(0, 8).includes(id)),
          ).toBe(true);
          expect(seen[10]).toBe(ids[8]);
          expect(seen.slice(2, 10)).toEqual(
            [...seen.slice(2, 10)].sort().reverse(),
          );
        }
      });

      it('refuses a run of a deleted workflow, storing nothing', async () => {
        const { store, knex, workflow } = await storeWithWorkflow();
        await store.deleteWorkflow({
          identifier: 'restart-service',
          actor: 'user:default/ada',
        });
        await expect(
          store.createRun({
            workflowId: workflow.id,
            revision: 1,
            requestedBy: 'user:default/grace',
            status: 'in_progress',
            inputs: {},
          }),
        ).rejects.toThrow(
          new ConflictError(
            "Workflow 'restart-service' was deleted; nothing was run",
          ),
        );
        const [{ n }] = await knex('runs').count({ n: '*' });
        expect(Number(n)).toBe(0);
        await expect(store.isWorkflowDeleted(workflow.id)).resolves.toBe(true);
      });

      it('cancels the pending runs of a deleted workflow in the same write, and only those', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const pending = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
          approvers: ['group:default/platform-team'],
          events: [{ type: 'approval_requested', data: {} }],
        });
        const running = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
        });
        const other = await store.createWorkflow({
          definition: freezeDeploys,
          actor: 'user:default/ada',
        });
        const otherPending = await store.createRun({
          workflowId: other.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'pending_approval',
          inputs: {},
        });
        await expect(store.isWorkflowDeleted(workflow.id)).resolves.toBe(false);

        const { canceledRuns } = await store.deleteWorkflow({
          identifier: 'restart-service',
          actor: 'user:default/ada',
        });

        expect(canceledRuns).toEqual([
          expect.objectContaining({
            id: pending.id,
            status: 'canceled',
            finishedAt: expect.any(String),
          }),
        ]);
        const events = await store.listRunEvents(pending.id);
        expect(events.map(e => [e.sequence, e.type])).toEqual([
          [1, 'triggered'],
          [2, 'approval_requested'],
          [3, 'status_changed'],
        ]);
        expect(events[2]).toMatchObject({
          actor: 'user:default/ada',
          data: {
            from: 'pending_approval',
            to: 'canceled',
            message: 'The workflow was deleted',
          },
        });
        await expect(store.getRun(running.id)).resolves.toMatchObject({
          status: 'in_progress',
        });
        await expect(store.getRun(otherPending.id)).resolves.toMatchObject({
          status: 'pending_approval',
        });
      });

      it('never leaves a pending run of a workflow deleted while runs are being requested', async () => {
        const { store, workflow } = await storeWithWorkflow();
        const attempts = Array.from({ length: 12 }, () =>
          store
            .createRun({
              workflowId: workflow.id,
              revision: 1,
              requestedBy: 'user:default/grace',
              status: 'pending_approval',
              inputs: {},
            })
            .then(
              () => 'created',
              (error: Error) => error.name,
            ),
        );
        const [deleted, ...outcomes] = await Promise.all([
          new Promise(resolve => setTimeout(resolve, 5)).then(() =>
            store.deleteWorkflow({
              identifier: 'restart-service',
              actor: 'user:default/ada',
            }),
          ),
          ...attempts,
        ]);
        expect(
          outcomes.every(o => o === 'created' || o === 'ConflictError'),
        ).toBe(true);
        const created = outcomes.filter(o => o === 'created').length;
        expect(deleted.canceledRuns).toHaveLength(created);
        const runs = await store.listRuns({ limit: 100 });
        expect(runs.items).toHaveLength(created);
        expect(runs.items.every(r => r.status === 'canceled')).toBe(true);
      });

      it("lists a workflow's runs, and matches IS_RUN_OF_WORKFLOW, by the workflow that has the identifier now", async () => {
        const { store, workflow } = await storeWithWorkflow();
        const old = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'success',
          inputs: {},
        });
        await store.deleteWorkflow({
          identifier: 'restart-service',
          actor: 'user:default/ada',
        });
        const successor = await store.createWorkflow({
          definition: restartService,
          actor: 'user:default/mallory',
        });
        const current = await store.createRun({
          workflowId: successor.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'success',
          inputs: {},
        });

        const byFilter = await store.listRuns({
          limit: 50,
          filter: { workflowIdentifier: 'restart-service' },
        });
        expect(byFilter.items.map(r => r.id)).toEqual([current.id]);
        // The old run keeps the identifier it was triggered with.
        await expect(store.getRun(old.id)).resolves.toMatchObject({
          workflowIdentifier: 'restart-service',
        });

        const outsider = {
          userEntityRef: 'user:default/bob',
          ownershipEntityRefs: ['user:default/bob'],
          policyFilter: {
            property: 'workflowIdentifier',
            values: ['restart-service'],
          },
        };
        const byPolicy = await store.listRuns({
          limit: 50,
          visibility: outsider,
        });
        expect(byPolicy.items.map(r => r.id)).toEqual([current.id]);
        await expect(store.isRunVisible(old.id, outsider)).resolves.toBe(false);
        await expect(store.isRunVisible(current.id, outsider)).resolves.toBe(
          true,
        );
      });

      it('refuses a cursor it did not hand out, naming the field', async () => {
        const { store } = await storeWithWorkflow();
        await expect(
          store.listRuns({ limit: 10, cursor: 'not-a-cursor' }),
        ).rejects.toThrow(/^cursor:/);
      });
    });
  });
});

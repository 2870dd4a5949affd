import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import type { WorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { DatabaseDeliveryStore } from './DatabaseDeliveryStore';
import { DatabaseSelfServiceStore } from './DatabaseSelfServiceStore';
import { type DeliveryClaim, newDeliveryIds } from './deliveryRows';

jest.setTimeout(60_000);

const definition: WorkflowDefinition = {
  identifier: 'restart',
  name: 'Restart',
  scope: { type: 'global' },
  execution: { type: 'simple' },
  access: { type: 'everyone' },
  parameters: [],
  request: { method: 'POST', url: 'https://ops.example.com/restart' },
};

let tokens = 0;
function claimBy(owner: string, leaseMs = 10_000): DeliveryClaim {
  tokens += 1;
  return { owner, leaseMs, tokenHash: tokens.toString(16).padStart(64, '0') };
}

const later = (ms: number) => new Date(Date.now() + ms);

describe('DatabaseDeliveryStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const store = await DatabaseSelfServiceStore.create({
        database: mockServices.database({ knex }),
      });
      const deliveries = new DatabaseDeliveryStore(knex);
      const workflow = await store.createWorkflow({
        definition,
        actor: 'user:default/ada',
      });
      /** A run whose delivery replica `owner` claimed as it was written. */
      const startRun = async (owner = 'replica-a', leaseMs = 10_000) => {
        const ids = newDeliveryIds();
        const run = await store.createRun({
          workflowId: workflow.id,
          revision: 1,
          requestedBy: 'user:default/grace',
          status: 'in_progress',
          inputs: {},
          delivery: {
            ...ids,
            maxAttempts: 3,
            claim: claimBy(owner, leaseMs),
          },
        });
        return { run, ...ids };
      };
      return { knex, store, deliveries, startRun };
    }

    it('writes a delivery with its run, claimed by the replica that wrote it', async () => {
      const { store, deliveries, startRun } = await setup();
      const { run, id, webhookId } = await startRun('replica-a');

      expect(await deliveries.getRunDelivery(run.id)).toMatchObject({
        id,
        webhookId,
        status: 'sending',
        attempts: 1,
        maxAttempts: 3,
        leaseOwner: 'replica-a',
      });
      expect(await store.listRunTokenHashes(run.id)).toHaveLength(1);
      // Its lease holds: nobody else can take it.
      expect(await deliveries.claim(id, claimBy('replica-b'))).toBeUndefined();
      expect(
        await deliveries.claimNextDue(claimBy('replica-b')),
      ).toBeUndefined();
    });

    it('lets exactly one of 100 concurrent claimers take a delivery whose lease expired', async () => {
      const { deliveries, startRun } = await setup();
      const { id } = await startRun('replica-a', 1);
      await new Promise(resolve => setTimeout(resolve, 20));

      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          deliveries.claim(id, claimBy(`replica-${i}`)),
        ),
      );
      const winners = results.filter(
        r => r.status === 'fulfilled' && r.value !== undefined,
      );
      expect(winners).toHaveLength(1);
      // A claimer that lost may have lost on a lock (SQLite: busy); none
      // may believe it won.
      const claimed = (winners[0] as PromiseFulfilledResult<any>).value;
      expect(claimed).toMatchObject({ attempt: 2, interrupted: true });
      expect(await deliveries.getRunDelivery(claimed.runId)).toMatchObject({
        attempts: 2,
        leaseOwner: claimed.leaseOwner,
      });
    });

    it('hands every due delivery to exactly one of many concurrent pollers', async () => {
      const { deliveries, startRun } = await setup();
      const started = [];
      for (let i = 0; i < 20; i++) {
        started.push(await startRun('replica-dead', 1));
      }
      await new Promise(resolve => setTimeout(resolve, 20));

      const poller = async (owner: string) => {
        const mine: string[] = [];
        for (;;) {
          const claimed = await deliveries.claimNextDue(claimBy(owner));
          if (!claimed) {
            return mine;
          }
          mine.push(claimed.id);
        }
      };
      const taken = (
        await Promise.all(['a', 'b', 'c', 'd'].map(o => poller(o)))
      ).flat();
      expect(taken.sort()).toEqual(started.map(s => s.id).sort());
    });

    it('keeps a renewed lease, and takes an expired one over as an interrupted attempt', async () => {
      const { deliveries, startRun } = await setup();
      const { id } = await startRun('replica-a', 200);

      await expect(
        deliveries.renewLease({
          deliveryId: id,
          owner: 'replica-a',
          attempt: 1,
          leaseMs: 10_000,
        }),
      ).resolves.toBe(true);
      expect(
        await deliveries.claim(id, claimBy('replica-b'), later(5_000)),
      ).toBeUndefined();

      const takenOver = await deliveries.claim(
        id,
        claimBy('replica-b'),
        later(11_000),
      );
      expect(takenOver).toMatchObject({
        attempt: 2,
        interrupted: true,
        leaseOwner: 'replica-b',
      });
      // The replica that lost it can no longer renew it.
      await expect(
        deliveries.renewLease({
          deliveryId: id,
          owner: 'replica-a',
          attempt: 1,
          leaseMs: 10_000,
        }),
      ).resolves.toBe(false);
    });

    it('records an attempt with the run transition in one write, fenced by the claim', async () => {
      const { store, deliveries, startRun } = await setup();
      const { run, id } = await startRun('replica-a', 1);
      await new Promise(resolve => setTimeout(resolve, 20));
      const takenOver = await deliveries.claim(id, claimBy('replica-b'));
      expect(takenOver?.attempt).toBe(2);

      // The first replica comes back late: its record is on the timeline,
      // but decides nothing.
      const late = await deliveries.recordAttempt({
        deliveryId: id,
        runId: run.id,
        owner: 'replica-a',
        attempt: 1,
        next: { status: 'failed' },
        event: {
          type: 'request_sent',
          data: { attempt: 1, outcome: 'failure' },
        },
        run: { to: 'failed', events: [{ type: 'status_changed', data: {} }] },
      });
      expect(late).toEqual({ held: false, runChanged: false });
      expect((await store.getRun(run.id))?.status).toBe('in_progress');
      expect(await deliveries.getRunDelivery(run.id)).toMatchObject({
        status: 'sending',
        leaseOwner: 'replica-b',
      });

      const recorded = await deliveries.recordAttempt({
        deliveryId: id,
        runId: run.id,
        owner: 'replica-b',
        attempt: 2,
        next: { status: 'delivered' },
        event: {
          type: 'request_sent',
          data: { attempt: 2, outcome: 'success' },
        },
        run: {
          to: 'success',
          events: [
            {
              type: 'status_changed',
              data: { from: 'in_progress', to: 'success' },
            },
          ],
        },
      });
      expect(recorded).toEqual({ held: true, runChanged: true });
      expect((await store.getRun(run.id))?.status).toBe('success');
      expect(
        (await store.listRunEvents(run.id)).map(e => [e.type, e.data.attempt]),
      ).toEqual([
        ['triggered', undefined],
        ['request_sent', 1],
        ['request_sent', 2],
        ['status_changed', undefined],
      ]);
      expect(await deliveries.getRunDelivery(run.id)).toMatchObject({
        status: 'delivered',
        attempts: 2,
      });
    });

    it('schedules a retry that only becomes due at its time', async () => {
      const { deliveries, startRun } = await setup();
      const { run, id } = await startRun('replica-a');
      const at = later(5_000);
      await deliveries.recordAttempt({
        deliveryId: id,
        runId: run.id,
        owner: 'replica-a',
        attempt: 1,
        next: { status: 'scheduled', nextAttemptAt: at },
        event: { type: 'request_sent', data: { attempt: 1 } },
      });

      expect(
        await deliveries.claimNextDue(claimBy('replica-b')),
      ).toBeUndefined();
      const retry = await deliveries.claimNextDue(
        claimBy('replica-b'),
        later(5_001),
      );
      expect(retry).toMatchObject({ id, attempt: 2, interrupted: false });
    });

    it('reopens a failed run for one more attempt with the same webhook id', async () => {
      const { store, deliveries, startRun } = await setup();
      const { run, id, webhookId } = await startRun('replica-a');
      await deliveries.recordAttempt({
        deliveryId: id,
        runId: run.id,
        owner: 'replica-a',
        attempt: 1,
        next: { status: 'failed' },
        event: { type: 'request_sent', data: {} },
        run: { to: 'failed', events: [] },
      });
      expect((await store.getRun(run.id))?.finishedAt).toBeDefined();

      const resent = await deliveries.reopenForResend({
        runId: run.id,
        from: ['failed', 'timed_out'],
        claim: claimBy('replica-b'),
        events: [{ type: 'status_changed', data: { to: 'in_progress' } }],
      });
      expect(resent).toMatchObject({
        id,
        webhookId,
        attempt: 2,
        maxAttempts: 2,
        leaseOwner: 'replica-b',
      });
      const reopened = await store.getRun(run.id);
      expect(reopened?.status).toBe('in_progress');
      expect(reopened?.finishedAt).toBeUndefined();
      expect(await store.listRunTokenHashes(run.id)).toHaveLength(2);

      // While it is being sent, and for a run that is not failed: 409.
      await expect(
        deliveries.reopenForResend({
          runId: run.id,
          from: ['failed', 'timed_out'],
          claim: claimBy('replica-c'),
          events: [],
        }),
      ).rejects.toThrow(ConflictError);
    });

    it('refuses to resend a run that succeeded', async () => {
      const { deliveries, startRun } = await setup();
      const { run, id } = await startRun('replica-a');
      await deliveries.recordAttempt({
        deliveryId: id,
        runId: run.id,
        owner: 'replica-a',
        attempt: 1,
        next: { status: 'delivered' },
        event: { type: 'request_sent', data: {} },
        run: { to: 'success', events: [] },
      });
      await expect(
        deliveries.reopenForResend({
          runId: run.id,
          from: ['failed', 'timed_out'],
          claim: claimBy('replica-b'),
          events: [],
        }),
      ).rejects.toThrow(
        `Run ${run.id} is success; only failed or timed_out runs can be resent`,
      );
    });
  });
});

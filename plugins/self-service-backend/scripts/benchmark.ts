/*
 * Measures the performance targets of the self-service backend and prints
 * the figures; it asserts nothing. Run from plugins/self-service-backend:
 *
 *   yarn bench                       # SQLite only
 *   BENCH_PG=postgresql://postgres@127.0.0.1:5432 yarn bench
 *
 * 1. Trigger-to-request-sent overhead: from a client's POST /workflows/x/runs
 *    to the moment a local target server receives the rendered request,
 *    through the real router, run service, store and dispatcher.
 * 2. Callback ingest: messages per second that 20 concurrent clients post to
 *    runs with their run tokens (PostgreSQL).
 * 3. Listing 50 runs of one entity among 1,000,000 stored runs (PostgreSQL).
 *
 * Platform services that are not ours (auth, permissions, catalog,
 * notifications, signals) are in-process stand-ins, so the figures are the
 * plugin's own cost.
 */
import type { Entity } from '@backstage/catalog-model';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CALLBACK_EVENTS_PER_RUN } from '../src/config';
import { DatabaseSelfServiceStore } from '../src/database/DatabaseSelfServiceStore';
import { HttpRequestDispatcher } from '../src/dispatch';
import { AllowedHosts, ALLOWED_HOSTS_KEY, EgressPolicy } from '../src/egress';
import { RunNotifier } from '../src/runs/RunNotifier';
import { DatabaseDeliveryStore } from '../src/database/DatabaseDeliveryStore';
import { RunEntityStore } from '../src/database/RunEntityStore';
import { RunExpiryStore } from '../src/database/RunExpiryStore';
import { RunStepStore } from '../src/database/RunStepStore';
import { DeliveryWorker } from '../src/delivery/DeliveryWorker';
import { RunCommands } from '../src/runs/RunCommands';
import { createRouter } from '../src/service/router';

const ENTITY: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'payments-team' },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/payments-team' }],
};
const USER = 'user:default/grace';
const OWNERSHIP = [USER, 'group:default/payments-team'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function fmt(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A target that notes when each run's request arrived, keyed by run id. */
async function startTarget() {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (t: number) => void>();
  const server = http.createServer((req, res) => {
    const at = performance.now();
    const runId = String(req.headers['x-run-id']);
    arrivals.set(runId, at);
    waiters.get(runId)?.(at);
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  const url = await listen(server);
  return {
    url,
    arrival: (runId: string) =>
      arrivals.has(runId)
        ? Promise.resolve(arrivals.get(runId)!)
        : new Promise<number>(resolve => waiters.set(runId, resolve)),
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

async function startApi(knex: Knex) {
  const store = await DatabaseSelfServiceStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const logger = mockServices.rootLogger({ level: 'error' });
  const catalog = {
    getEntityByRef: async () => ENTITY,
  } as any;
  const auditor = {
    createEvent: async () => ({
      success: async () => {},
      fail: async () => {},
    }),
  };
  // The benchmark's external system listens on 127.0.0.1.
  const egressPolicy = new EgressPolicy({
    allowedHosts: AllowedHosts.parse(['127.0.0.1/32'], ALLOWED_HOSTS_KEY),
  });
  const runConfig = {
    secrets: {},
    requestTimeoutMs: 30_000,
    maxResponseBodyBytes: 65536,
    // Ingest posts thousands of messages to each of its 20 runs: with the
    // highest limit allowed (100,000 per run) none is refused, while each
    // post still pays for the limit check.
    maxCallbackEventsPerRun: CALLBACK_EVENTS_PER_RUN.max,
    signingKeys: new Map(),
  };
  const notifier = new RunNotifier({
    notifications: { send: async () => {} },
    signals: { publish: async () => {} },
    logger,
  });
  const deliveries = new DatabaseDeliveryStore(knex);
  const runSteps = new RunStepStore(knex);
  const worker = new DeliveryWorker({
    store,
    deliveries,
    steps: runSteps,
    dispatcher: new HttpRequestDispatcher({ egressPolicy }),
    notifier,
    logger,
    config: runConfig,
    callbackBaseUrl: 'http://127.0.0.1/api/self-service',
  });
  const runDeps = {
    store,
    deliveries,
    steps: runSteps,
    worker,
    catalog,
    auth: mockServices.auth(),
    notifier,
    logger,
    auditor,
    config: runConfig,
    callbackBaseUrl: 'http://127.0.0.1/api/self-service',
  };
  const runs = new RunCommands(runDeps);
  const router = await createRouter({
    logger,
    httpAuth: mockServices.httpAuth(),
    userInfo: {
      getUserInfo: async () => ({
        userEntityRef: USER,
        ownershipEntityRefs: OWNERSHIP,
      }),
    },
    permissions: mockServices.permissions(),
    auditor,
    catalog,
    auth: mockServices.auth(),
    store,
    entities: new RunEntityStore(knex),
    expiry: { ...runDeps, expiries: new RunExpiryStore(knex) },
    runs,
    config: {
      secrets: {},
      callbackServices: new Set(),
      signingKeys: new Map(),
      egressPolicy,
      catalogAllowedKinds: ['Component', 'Resource', 'System'],
    },
    callbackBaseUrl: 'http://127.0.0.1/api/self-service',
  });
  const middleware = MiddlewareFactory.create({
    config: new ConfigReader({}),
    logger,
  });
  const app = express()
    .use(express.json())
    .use('/api/self-service', router)
    .use(middleware.error());
  const server = http.createServer(app);
  // Keep-alive, as a browser or CI client would.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const base = await listen(server);
  async function call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(
        `${base}/api/self-service${path}`,
        {
          method,
          agent,
          headers: {
            'content-type': 'application/json',
            authorization: token ? `Bearer ${token}` : mockCredentialsHeader(),
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              body: text ? JSON.parse(text) : undefined,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
  return {
    base,
    store,
    runs,
    worker,
    call,
    close: async () => {
      agent.destroy();
      await worker.settled();
      await new Promise<void>(r => server.close(() => r()));
    },
  };
}

function mockCredentialsHeader(): string {
  // What mockServices.httpAuth() accepts as the user's credentials.
  return mockCredentials.user.header(USER);
}

async function benchTrigger(label: string, knex: Knex, iterations: number) {
  const target = await startTarget();
  const api = await startApi(knex);
  const created = await api.call('POST', '/workflows', {
    identifier: 'restart-service',
    name: 'Restart service',
    scope: { type: 'entity', kinds: ['Component'] },
    execution: { type: 'simple' },
    access: { type: 'owners' },
    parameters: [
      { identifier: 'reason', name: 'Reason', type: 'string', required: true },
    ],
    request: {
      method: 'POST',
      url: `${target.url}/restart/{{entity.identifier}}`,
      headers: { 'content-type': 'application/json', 'x-run-id': '{{run.id}}' },
      body: '{"reason": "{{data.reason}}", "run": "{{run.id}}"}',
    },
  });
  if (created.status !== 201) {
    throw new Error(`Could not publish: ${JSON.stringify(created.body)}`);
  }
  const samples: number[] = [];
  for (let i = 0; i < iterations + 20; i++) {
    const start = performance.now();
    const res = await api.call('POST', '/workflows/restart-service/runs', {
      entityRef: 'component:default/payments-api',
      inputs: { reason: `benchmark ${i}` },
    });
    if (res.status !== 201) {
      throw new Error(`Trigger failed: ${JSON.stringify(res.body)}`);
    }
    const arrived = await target.arrival(res.body.id);
    if (i >= 20) {
      samples.push(arrived - start); // the first 20 warm up the JIT and pools
    }
    await api.worker.settled();
  }
  console.log(
    `trigger-to-request-sent on ${label}: median ${fmt(
      median(samples),
    )}, p95 ${fmt(percentile(samples, 0.95))} over ${
      samples.length
    } runs (target: median <= 15 ms)`,
  );
  await api.close();
  await target.close();
}

/** 20 keep-alive clients posting messages with their runs' tokens. */
const INGEST_CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, tokens, seconds } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(path, token, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
    }, res => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
(async () => {
  let sent = 0, failed = 0;
  const start = Date.now();
  const deadline = start + seconds * 1000;
  await Promise.all(tokens.map(async ({ run, token }, client) => {
    while (Date.now() < deadline) {
      const status = await post('/api/self-service/runs/' + run + '/messages', token,
        { markdown: 'client ' + client + ' step ' + sent });
      if (status === 201) sent++; else failed++;
    }
  }));
  parentPort.postMessage({ sent, failed, elapsed: (Date.now() - start) / 1000 });
})();
`;

async function benchIngest(knex: Knex, seconds: number) {
  const tokens: Array<{ run: string; token: string }> = [];
  const target = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      tokens.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end('{}');
    });
  });
  const targetUrl = await listen(target);
  const api = await startApi(knex);
  await api.call('POST', '/workflows', {
    identifier: 'provision',
    name: 'Provision',
    scope: { type: 'global' },
    execution: { type: 'event-driven' },
    access: { type: 'everyone' },
    parameters: [],
    request: {
      method: 'POST',
      url: `${targetUrl}/pipelines`,
      headers: { 'content-type': 'application/json' },
      body: '{"run": "{{run.id}}", "token": "{{run.token}}"}',
    },
  });
  const clients = 20;
  for (let i = 0; i < clients; i++) {
    await api.call('POST', '/workflows/provision/runs', {});
  }
  await api.worker.settled();

  // The clients run in a worker thread, as external systems are other
  // processes: their CPU is not the plugin's.
  const { sent, failed, elapsed } = await new Promise<{
    sent: number;
    failed: number;
    elapsed: number;
  }>((resolve, reject) => {
    const worker = new Worker(INGEST_CLIENTS, {
      eval: true,
      workerData: { base: api.base, tokens, seconds },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  console.log(
    `callback ingest on PostgreSQL: ${(sent / elapsed).toFixed(
      0,
    )} messages/s from ${clients} concurrent clients over ${elapsed.toFixed(
      1,
    )} s (${sent} stored, ${failed} refused) (target: >= 1000/s)`,
  );
  await api.close();
  await new Promise<void>(r => target.close(() => r()));
}

async function benchListing(knex: Knex, total: number) {
  const store = await DatabaseSelfServiceStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const workflow = await store.createWorkflow({
    definition: {
      identifier: 'restart-service',
      name: 'Restart service',
      scope: { type: 'entity', kinds: ['Component'] },
      execution: { type: 'simple' },
      access: { type: 'everyone' },
      parameters: [],
      request: { method: 'POST', url: 'https://example.com/' },
    },
    actor: USER,
  });
  const revision = await store.getWorkflowRevision(workflow.id, 1);
  const loadStart = performance.now();
  // 10,000 entities with 100 runs each; payments-api is entity 0.
  await knex.raw(
    `INSERT INTO runs (id, workflow_id, workflow_identifier, revision_id, entity_ref,
       requested_by, status, inputs, created_at, updated_at, event_count)
     SELECT 'run-' || g, ?, 'restart-service', ?,
       CASE WHEN g % 10000 = 0 THEN 'component:default/payments-api'
            ELSE 'component:default/service-' || (g % 10000) END,
       'user:default/user-' || (g % 500), 'success', '{}',
       now() - (g || ' seconds')::interval, now(), 1
     FROM generate_series(1, ?) AS g`,
    [workflow.id, revision!.id, total],
  );
  await knex.raw(
    `INSERT INTO run_entity_owners (run_id, owner_ref)
     SELECT id, CASE WHEN entity_ref = 'component:default/payments-api'
                     THEN 'group:default/payments-team'
                     ELSE 'group:default/team-' || (length(id) % 50) END
     FROM runs`,
  );
  await knex.raw('ANALYZE');
  console.log(
    `  loaded ${total.toLocaleString('en')} runs in ${(
      (performance.now() - loadStart) /
      1000
    ).toFixed(1)} s`,
  );

  for (const [what, visibility] of [
    ['policy allows all runs', undefined],
    [
      'as an owner, visibility checked in SQL',
      { userEntityRef: USER, ownershipEntityRefs: OWNERSHIP },
    ],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < 60; i++) {
      const start = performance.now();
      const page = await store.listRuns({
        filter: { entityRef: 'component:default/payments-api' },
        visibility,
        limit: 50,
      });
      if (i >= 10) {
        samples.push(performance.now() - start);
      }
      if (page.items.length !== 50) {
        throw new Error(`Expected 50 runs, got ${page.items.length}`);
      }
    }
    console.log(
      `list 50 runs of one entity among ${total.toLocaleString(
        'en',
      )} (${what}): median ${fmt(median(samples))}, p95 ${fmt(
        percentile(samples, 0.95),
      )} (target: <= 20 ms)`,
    );
  }
}

async function postgresDatabase(connection: string, name: string) {
  const admin = knexFactory({ client: 'pg', connection });
  await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(connection);
  url.pathname = `/${name}`;
  return knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 2, max: 10 },
  });
}

/** BENCH_ONLY=trigger|ingest|list runs one part. */
function wanted(part: string): boolean {
  const only = process.env.BENCH_ONLY;
  return !only || only.split(',').includes(part);
}

async function main() {
  const sqlite = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
  if (wanted('trigger')) {
    await benchTrigger('SQLite', sqlite, 200);
  }
  await sqlite.destroy();

  const pg = process.env.BENCH_PG;
  if (!pg) {
    console.log(
      'PostgreSQL figures skipped: set BENCH_PG=postgresql://user@host:port',
    );
    return;
  }
  if (wanted('trigger')) {
    const db = await postgresDatabase(pg, 'self_service_bench_trigger');
    await benchTrigger('PostgreSQL', db, 200);
    await db.destroy();
  }
  if (wanted('ingest')) {
    const db = await postgresDatabase(pg, 'self_service_bench_ingest');
    await benchIngest(db, Number(process.env.BENCH_INGEST_SECONDS ?? 10));
    await db.destroy();
  }
  if (wanted('list')) {
    const db = await postgresDatabase(pg, 'self_service_bench_list');
    await benchListing(db, Number(process.env.BENCH_RUNS ?? 1_000_000));
    await db.destroy();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);

/*
 * Chaos test of durable delivery: two backend replicas (packages/backend,
 * the real app with auth, permissions and catalog) on the local PostgreSQL,
 * runs in flight on both, one replica killed with SIGKILL. Prints what
 * happened to every run and exits non-zero when a guarantee did not hold.
 *
 * Loopback only: the replicas, the target that holds each request and the
 * database are all on 127.0.0.1; every loop is bounded in count and time.
 *
 * Usage (through scripts/chaos-replicas.sh):
 *   chaosReplicas.ts --max-attempts 2
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AppBackend,
  argument,
  callApi,
  dropDatabases,
  LOCAL_POSTGRES,
  signIn,
  startAppBackend,
  stopAppBackend,
  waitForHealth,
} from '../lib/appBackend';
const PG = LOCAL_POSTGRES;
const PORTS = { a: 7101, b: 7102 };
const HOLD_MS = 3000;
const SIMPLE_RUNS = 40;
const APPROVAL_RUNS = 5;
const KILL_AFTER_MS = 500;
const RECOVERY_LIMIT_MS = 30_000;
const GIVE_UP_MS = 120_000;
const TERMINAL = ['success', 'failed', 'timed_out', 'rejected', 'canceled'];

const maxAttempts = Number(argument('--max-attempts') ?? '2');
const prefix = `chaos_${process.pid}_`;

function log(message: string) {
  process.stderr.write(`[chaos] ${message}\n`);
}

/** What the target received: every request's webhook-id and run. */
interface Received {
  webhookId: string;
  runId: string;
  at: number;
}

async function startTarget(): Promise<{
  port: number;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => {
      body += chunk;
    });
    req.on('end', () => {
      let runId = '';
      try {
        runId = JSON.parse(body).run;
      } catch {
        // Counted with an empty run id: a request we did not expect.
      }
      received.push({
        webhookId: String(req.headers['webhook-id'] ?? ''),
        runId,
        at: Date.now(),
      });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, HOLD_MS);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replica overrides: the shared databases, and only the chaos target. */
function replicaOverrides(targetPort: number): Record<string, unknown> {
  // Config arrays replace each other: the example workflows (and the hosts
  // they may call) are replaced by the chaos target alone.
  return {
    backend: { database: { client: 'pg', connection: PG, prefix } },
    selfService: {
      workflows: [],
      request: {
        timeoutSeconds: 30,
        allowedHosts: [`127.0.0.1:${targetPort}`],
      },
    },
  };
}

const api = (
  port: number,
  token: string,
  method: string,
  route: string,
  body?: unknown,
) => callApi(port, token, method, `/api/self-service${route}`, body);

function workflow(
  identifier: string,
  targetPort: number,
  approval: boolean,
): Record<string, unknown> {
  return {
    identifier,
    name: identifier,
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: approval
      ? { type: 'approval', approvers: ['group:default/platform-team'] }
      : { type: 'everyone' },
    parameters: [],
    request: {
      method: 'POST',
      url: `http://127.0.0.1:${targetPort}/hook`,
      headers: { 'content-type': 'application/json' },
      body: '{"run": "{{run.id}}"}',
    },
    delivery: { maxAttempts },
  };
}

async function main() {
  log(`maxAttempts ${maxAttempts}; databases ${prefix}*`);
  await dropDatabases(prefix);
  const target = await startTarget();
  const replicas: Partial<Record<'a' | 'b', AppBackend>> = {};
  let exitCode = 1;
  try {
    const started = Date.now();
    // One after the other: the first creates and migrates the databases.
    const overrides = replicaOverrides(target.port);
    replicas.a = startAppBackend({ name: 'a', port: PORTS.a, overrides });
    await waitForHealth(replicas.a);
    replicas.b = startAppBackend({ name: 'b', port: PORTS.b, overrides });
    await waitForHealth(replicas.b);
    log(`replicas up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const ada = await signIn(PORTS.a, 'ada');
    const grace = await signIn(PORTS.a, 'grace');
    const suffix = Date.now().toString(36);
    const simple = `chaos-simple-${suffix}`;
    const gated = `chaos-approval-${suffix}`;
    await api(
      PORTS.a,
      ada,
      'POST',
      '/workflows',
      workflow(simple, target.port, false),
    );
    await api(
      PORTS.a,
      ada,
      'POST',
      '/workflows',
      workflow(gated, target.port, true),
    );

    // Approval runs requested on B, to be approved on A.
    const pending = await Promise.all(
      Array.from({ length: APPROVAL_RUNS }, () =>
        api(PORTS.b, grace, 'POST', `/workflows/${gated}/runs`, { inputs: {} }),
      ),
    );
    // Simple runs triggered on both: whoever triggers a run claims it.
    const runs = new Map<string, 'a' | 'b'>();
    await Promise.all(
      Array.from({ length: SIMPLE_RUNS }, async (_, i) => {
        const on = i % 2 === 0 ? 'a' : 'b';
        const run = await api(
          PORTS[on],
          grace,
          'POST',
          `/workflows/${simple}/runs`,
          { inputs: {} },
        );
        runs.set(run.id, on);
      }),
    );
    await Promise.all(
      pending.map(async run => {
        await api(PORTS.a, ada, 'POST', `/runs/${run.id}/approve`, {});
        runs.set(run.id, 'a');
      }),
    );
    await new Promise(resolve => setTimeout(resolve, KILL_AFTER_MS));
    stopAppBackend(replicas.a);
    const killedAt = Date.now();
    log(
      `SIGKILL replica A with ${
        [...runs.values()].filter(r => r === 'a').length
      } runs it held`,
    );

    // Watch every run through B until all have ended or time runs out.
    const status = new Map<
      string,
      { status: string; finishedAt?: number; message?: string }
    >();
    while (Date.now() - killedAt < GIVE_UP_MS) {
      await Promise.all(
        [...runs.keys()].map(async id => {
          if (TERMINAL.includes(status.get(id)?.status ?? '')) {
            return;
          }
          const details = await api(PORTS.b, ada, 'GET', `/runs/${id}`);
          const ended = details.events
            .filter((e: any) => e.type === 'status_changed')
            .pop();
          status.set(id, {
            status: details.run.status,
            finishedAt: details.run.finishedAt
              ? Date.parse(details.run.finishedAt)
              : undefined,
            message: ended?.data?.message,
          });
        }),
      );
      if ([...status.values()].every(s => TERMINAL.includes(s.status))) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }

    const heldByA = [...runs].filter(([, on]) => on === 'a').map(([id]) => id);
    const byRun = new Map<string, Received[]>();
    for (const r of target.received) {
      byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
    }
    const lost = [...runs.keys()].filter(
      id =>
        !TERMINAL.includes(status.get(id)?.status ?? '') ||
        (status.get(id)?.status === 'success' && !byRun.has(id)),
    );
    const doubled = [...runs.keys()].filter(id => {
      const got = byRun.get(id) ?? [];
      return (
        new Set(got.map(r => r.webhookId)).size > 1 || got.length > maxAttempts
      );
    });
    const resent = [...runs.keys()].filter(
      id => (byRun.get(id) ?? []).length > 1,
    );
    const failed = [...runs.keys()].filter(
      id => status.get(id)?.status === 'failed',
    );
    const failedByKill = failed.filter(id => heldByA.includes(id));
    const unknownOutcome = failed.filter(id =>
      /outcome of the request is unknown/.test(status.get(id)?.message ?? ''),
    );
    const recovered = heldByA
      .map(id => status.get(id)?.finishedAt ?? Infinity)
      .reduce((a, b) => Math.max(a, b), killedAt);
    const recoverSeconds = (recovered - killedAt) / 1000;

    console.log(`maxAttempts: ${maxAttempts}`);
    console.log(
      `runs: ${runs.size} (${heldByA.length} held by the killed replica)`,
    );
    console.log(`lost: ${lost.length}`);
    console.log(
      `doubled (another webhook-id, or more than maxAttempts sends): ${doubled.length}`,
    );
    console.log(`resent with the same webhook-id: ${resent.length}`);
    console.log(
      `success: ${
        [...status.values()].filter(s => s.status === 'success').length
      }`,
    );
    console.log(
      `failed: ${failed.length} (by the kill: ${failedByKill.length}, saying the outcome is unknown: ${unknownOutcome.length})`,
    );
    console.log(
      `time to recover (kill to the last of the killed replica's runs ending): ${recoverSeconds.toFixed(
        1,
      )} s`,
    );

    const problems: string[] = [];
    if (lost.length > 0) problems.push(`${lost.length} runs lost`);
    if (doubled.length > 0) problems.push(`${doubled.length} runs doubled`);
    if (recoverSeconds > RECOVERY_LIMIT_MS / 1000) {
      problems.push(`recovery took ${recoverSeconds.toFixed(1)} s`);
    }
    if (maxAttempts >= 2 && failed.length > 0) {
      problems.push(`${failed.length} runs failed`);
    }
    if (maxAttempts === 1) {
      const wrong = failed.filter(id => !unknownOutcome.includes(id));
      if (wrong.length > 0) {
        problems.push(
          `${wrong.length} runs failed without the unknown-outcome message`,
        );
      }
      const heldByB = [...runs.keys()].filter(id => !heldByA.includes(id));
      const notOk = heldByB.filter(id => status.get(id)?.status !== 'success');
      if (notOk.length > 0) {
        problems.push(
          `${notOk.length} runs of the surviving replica did not succeed`,
        );
      }
    }
    if (problems.length > 0) {
      console.log(`FAILED: ${problems.join('; ')}`);
    } else {
      console.log('OK');
      exitCode = 0;
    }
  } finally {
    Object.values(replicas).forEach(stopAppBackend);
    await target.close();
    await new Promise(resolve => setTimeout(resolve, 500));
    await dropDatabases(prefix).catch(error =>
      log(`could not drop databases: ${error}`),
    );
  }
  process.exit(exitCode);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});

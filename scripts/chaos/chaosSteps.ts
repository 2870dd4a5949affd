/*
 * Chaos test of workflows of steps: two backend replicas (packages/backend,
 * the real app with auth, permissions and catalog) on the local PostgreSQL,
 * runs of a six-step workflow in flight on both (a diamond and a chain:
 * a -> b, c -> d -> e -> f), replica A killed with SIGKILL while steps are
 * mid-flight, B left alone to carry every run on. Prints what the target
 * received for every step of every run and exits non-zero when a guarantee
 * did not hold:
 *
 * - every run ends `success`, every step of it too;
 * - every step of every run reached the target at least once;
 * - no step of a run reached it under two different `webhook-id` values
 *   (a resend of the same delivery, with the same `webhook-id`, is allowed:
 *   counted and printed), nor more often than its `delivery.maxAttempts`;
 * - the runs end within RECOVERY_LIMIT_MS of the kill.
 *
 * Loopback only: the replicas, the target that holds each request 1-3 s
 * and the database are all on 127.0.0.1; every loop is bounded in count
 * and time. The databases (chaos_steps_<pid>_*) are dropped afterwards.
 *
 * Usage (through scripts/chaos-replicas.sh):
 *   chaosSteps.ts [--max-attempts 2] [--runs 16]
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
const HOLD_MIN_MS = 1000;
const HOLD_MAX_MS = 3000;
/** The kill comes this long after the last trigger: runs are in stage 2 or 3. */
const KILL_AFTER_MS = 3500;
/** A lease (10 s), a poll (2 s) and the rest of the chain (4 stages of up to 3 s). */
const RECOVERY_LIMIT_MS = 45_000;
const GIVE_UP_MS = 120_000;
const TERMINAL = ['success', 'failed', 'timed_out', 'rejected', 'canceled'];

/** a -> b, c -> d -> e -> f */
const STEPS: ReadonlyArray<{ id: string; dependsOn: string[] }> = [
  { id: 'a', dependsOn: [] },
  { id: 'b', dependsOn: ['a'] },
  { id: 'c', dependsOn: ['a'] },
  { id: 'd', dependsOn: ['b', 'c'] },
  { id: 'e', dependsOn: ['d'] },
  { id: 'f', dependsOn: ['e'] },
];

const maxAttempts = Number(argument('--max-attempts') ?? '2');
const runCount = Math.min(100, Number(argument('--runs') ?? '16'));
const prefix = `chaos_steps_${process.pid}_`;

const replicas: Partial<Record<'a' | 'b', AppBackend>> = {};

function log(message: string) {
  process.stderr.write(`[chaos-steps] ${message}\n`);
}

/** One request the target received. */
interface Received {
  runId: string;
  stepId: string;
  webhookId: string;
  at: number;
  /** The sender closed the connection before the answer: it died. */
  dropped: boolean;
  /** When the answer was written, if it was. */
  answeredAt?: number;
}

async function startTarget() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    // /step/<step id>/<run id>
    const [, kind, stepId = '', runId = ''] = (req.url ?? '/').split('/');
    const entry: Received = {
      runId: kind === 'step' ? runId : '',
      stepId,
      webhookId: String(req.headers['webhook-id'] ?? ''),
      at: Date.now(),
      dropped: false,
    };
    received.push(entry);
    res.on('close', () => {
      if (!res.writableFinished) {
        entry.dropped = true;
      }
    });
    req.resume();
    const hold = HOLD_MIN_MS + Math.random() * (HOLD_MAX_MS - HOLD_MIN_MS);
    setTimeout(() => {
      if (res.destroyed) {
        return;
      }
      entry.answeredAt = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }, hold);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    inFlight: () => received.filter(r => !r.answeredAt && !r.dropped).length,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replica overrides: the shared databases, and only the chaos target. */
function replicaOverrides(targetPort: number): Record<string, unknown> {
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

function workflow(identifier: string, targetPort: number) {
  return {
    identifier,
    name: identifier,
    scope: { type: 'global' },
    access: { type: 'everyone' },
    parameters: [],
    steps: STEPS.map(({ id, dependsOn }) => ({
      id,
      name: `Step ${id}`,
      kind: 'request',
      dependsOn,
      execution: { type: 'simple' },
      request: {
        method: 'POST',
        url: `http://127.0.0.1:${targetPort}/step/{{step.id}}/{{run.id}}`,
        headers: { 'content-type': 'application/json' },
        body: '{"run": "{{run.id}}", "step": "{{step.id}}"}',
      },
      delivery: { maxAttempts },
    })),
  };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function main() {
  log(
    `${runCount} runs of ${STEPS.length} steps; maxAttempts ${maxAttempts}; databases ${prefix}*`,
  );
  await dropDatabases(prefix);
  const target = await startTarget();
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
    const grace = await signIn(PORTS.b, 'grace');
    const identifier = `chaos-steps-${Date.now().toString(36)}`;
    await callApi(
      PORTS.a,
      ada,
      'POST',
      '/api/self-service/workflows',
      workflow(identifier, target.port),
    );

    // Triggered on both: the replica that triggers a run sends its first
    // step, and whoever records a step's end sends its dependents.
    const runs = new Map<string, 'a' | 'b'>();
    await Promise.all(
      Array.from({ length: runCount }, async (_, i) => {
        const on = i % 2 === 0 ? 'a' : 'b';
        const run = await callApi(
          PORTS[on],
          grace,
          'POST',
          `/api/self-service/workflows/${identifier}/runs`,
          { inputs: {} },
        );
        runs.set(run.id, on);
      }),
    );
    await sleep(KILL_AFTER_MS);
    const inFlightAtKill = target.inFlight();
    const receivedAtKill = target.received.length;
    stopAppBackend(replicas.a);
    const killedAt = Date.now();
    log(
      `SIGKILL replica A: ${receivedAtKill} step requests received so far, ${inFlightAtKill} in flight on both replicas`,
    );

    // Watch every run through B until all have ended or time runs out.
    const details = new Map<string, { status: string; steps: any[] }>();
    const finishedAt = new Map<string, number>();
    while (Date.now() - killedAt < GIVE_UP_MS) {
      await Promise.all(
        [...runs.keys()].map(async id => {
          if (TERMINAL.includes(details.get(id)?.status ?? '')) {
            return;
          }
          const got = await callApi(
            PORTS.b,
            ada,
            'GET',
            `/api/self-service/runs/${id}`,
          );
          details.set(id, { status: got.run.status, steps: got.steps ?? [] });
          if (got.run.finishedAt) {
            finishedAt.set(id, Date.parse(got.run.finishedAt));
          }
        }),
      );
      if (
        [...details.values()].every(d => TERMINAL.includes(d.status)) &&
        details.size === runs.size
      ) {
        break;
      }
      await sleep(500);
    }
    // Let resends that were under way land before counting.
    await sleep(500);

    // What the target received, by run and step.
    const byStep = new Map<string, Received[]>();
    for (const r of target.received) {
      const key = `${r.runId}/${r.stepId}`;
      byStep.set(key, [...(byStep.get(key) ?? []), r]);
    }
    const unexpected = target.received.filter(
      r => !runs.has(r.runId) || !STEPS.some(s => s.id === r.stepId),
    );
    let lost = 0;
    let doubled = 0;
    let resent = 0;
    /** Resent after the killed replica went down mid-request. */
    let resentInFlight = 0;
    /** Resent although answered before the kill: the answer was never recorded. */
    let resentAnswered = 0;
    let overAttempts = 0;
    let stepsNotSuccess = 0;
    const problems: string[] = [];
    for (const runId of runs.keys()) {
      const run = details.get(runId);
      for (const { id } of STEPS) {
        const got = byStep.get(`${runId}/${id}`) ?? [];
        if (got.length === 0) {
          lost += 1;
        }
        if (new Set(got.map(r => r.webhookId)).size > 1) {
          doubled += 1;
        }
        if (got.length > 1) {
          resent += got.length - 1;
          const first = got[0];
          if (
            first.at < killedAt &&
            (first.dropped || (first.answeredAt ?? Infinity) >= killedAt)
          ) {
            // In flight when A was killed: dropped, or answered while it
            // was going down (its sockets outlive the kill by a little).
            resentInFlight += 1;
          } else if (first.answeredAt && first.answeredAt < killedAt) {
            resentAnswered += 1;
          } else {
            log(
              `resent ${runId}/${id}: ${got
                .map(
                  r =>
                    `received ${r.at - killedAt} ms after the kill, ${
                      r.dropped
                        ? 'dropped'
                        : `answered ${(r.answeredAt ?? NaN) - killedAt} ms`
                    }`,
                )
                .join('; ')}`,
            );
          }
        }
        if (got.length > maxAttempts) {
          overAttempts += 1;
        }
        if (run?.steps.find(s => s.stepId === id)?.status !== 'success') {
          stepsNotSuccess += 1;
        }
      }
    }
    const statuses = new Map<string, number>();
    for (const id of runs.keys()) {
      const status = details.get(id)?.status ?? 'unknown';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const success = statuses.get('success') ?? 0;
    const lastEnd = Math.max(killedAt, ...finishedAt.values());
    const finishSeconds = (lastEnd - killedAt) / 1000;
    const dropped = target.received.filter(r => r.dropped).length;

    console.log(
      `workflow of ${STEPS.length} steps (a -> b, c -> d -> e -> f), delivery.maxAttempts ${maxAttempts}`,
    );
    console.log(
      `runs: ${runs.size} (${
        [...runs.values()].filter(on => on === 'a').length
      } triggered on the killed replica), ${runs.size * STEPS.length} steps`,
    );
    console.log(
      `at the kill: ${receivedAtKill} step requests received, ${inFlightAtKill} in flight on both replicas (${dropped} connections dropped by the killed replica)`,
    );
    console.log(
      `run statuses: ${[...statuses]
        .map(([status, n]) => `${status} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `step requests received: ${target.received.length} (${
        runs.size * STEPS.length
      } steps; ${resent} resends of the same delivery with the same webhook-id)`,
    );
    console.log(
      `  resends: ${resentInFlight} of requests in flight on the killed replica, ${resentAnswered} of requests answered before the kill but not recorded, ${
        resent - resentInFlight - resentAnswered
      } other`,
    );
    console.log(`lost (a step never received): ${lost}`);
    console.log(
      `doubled (a step received under two different webhook-ids): ${doubled}`,
    );
    console.log(
      `steps received more often than maxAttempts (${maxAttempts}): ${overAttempts}`,
    );
    console.log(`steps not success: ${stepsNotSuccess}`);
    console.log(
      `time to finish after the kill (kill to the last run ending): ${finishSeconds.toFixed(
        1,
      )} s`,
    );

    if (success !== runs.size) {
      problems.push(`${runs.size - success} runs did not succeed`);
    }
    if (stepsNotSuccess > 0) {
      problems.push(`${stepsNotSuccess} steps did not succeed`);
    }
    if (lost > 0) problems.push(`${lost} steps lost`);
    if (doubled > 0) problems.push(`${doubled} steps doubled`);
    if (overAttempts > 0) {
      problems.push(`${overAttempts} steps sent more than maxAttempts times`);
    }
    if (unexpected.length > 0) {
      problems.push(`${unexpected.length} requests of no run or step`);
    }
    if (resentInFlight === 0) {
      problems.push('no step was in flight on the killed replica');
    }
    if (finishSeconds > RECOVERY_LIMIT_MS / 1000) {
      problems.push(`finishing took ${finishSeconds.toFixed(1)} s`);
    }
    if (problems.length > 0) {
      console.log(`FAILED: ${problems.join('; ')}`);
      log(`replica logs: ${replicas.a.logFile} ${replicas.b.logFile}`);
    } else {
      console.log('OK');
      exitCode = 0;
    }
  } finally {
    Object.values(replicas).forEach(stopAppBackend);
    await target.close();
    await sleep(500);
    await dropDatabases(prefix).catch(error =>
      log(`could not drop databases: ${error}`),
    );
  }
  process.exit(exitCode);
}

// A hard bound on the whole script, whatever hangs.
setTimeout(() => {
  console.error('chaos-steps: gave up after 10 minutes');
  Object.values(replicas).forEach(stopAppBackend);
  dropDatabases(prefix)
    .catch(() => undefined)
    .finally(() => process.exit(1));
}, 10 * 60_000).unref();

main().catch(error => {
  console.error(error);
  process.exit(1);
});

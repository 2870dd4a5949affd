/*
 * What a user meets: the app's real backend (packages/backend, with auth,
 * the app's permission policy, the catalog and the Scaffolder) started as
 * its own process, and, interleaved in one run on the same machine:
 *
 * - Self-Service: trigger a run (POST /workflows/{id}/runs) until its
 *   request reaches a local target;
 * - Scaffolder: create a task (POST /api/scaffolder/v2/tasks) of a template
 *   whose first step fetches the same target, until that request arrives;
 * - an authenticated GET /workflows/{id}: the floor of any call through
 *   auth and permissions;
 * - a raw fetch of the target: the floor of the network round trip.
 *
 * Loopback only; a fixed number of iterations. Usage (scripts/bench.sh):
 *   benchInApp.ts [--iterations 200] [--pg]
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
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

const PORT = 7201;
const WARMUP = 20;
const iterations = Number(argument('--iterations') ?? '200');
const usePg = process.argv.includes('--pg');
const PG = LOCAL_POSTGRES;
const prefix = `bench_${process.pid}_`;

/** A target that notes when each request arrives, by the first path segment. */
async function startTarget() {
  const waiting = new Map<string, (at: number) => void>();
  const server = http.createServer((req, res) => {
    const at = performance.now();
    const kind = (req.url ?? '/').split('/')[1];
    waiting.get(kind)?.(at);
    waiting.delete(kind);
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** When the next request of this kind arrives (10 s at most). */
    next(kind: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${kind} request within 10 s`)),
          10_000,
        );
        waiting.set(kind, at => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function templateFile(targetPort: number): string {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'self-service-bench-')),
    'template.yaml',
  );
  fs.writeFileSync(
    file,
    `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: bench-fetch
  title: Benchmark fetch
spec:
  owner: group:default/platform-team
  type: benchmark
  parameters:
    - properties:
        n:
          type: string
  steps:
    - id: fetch
      name: Fetch
      action: fetch:plain:file
      input:
        url: http://127.0.0.1:${targetPort}/scaffolder/\${{ parameters.n }}
        targetPath: out.txt
`,
  );
  return file;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95) };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main() {
  const target = await startTarget();
  let backend: AppBackend | undefined;
  try {
    backend = startAppBackend({
      name: 'bench',
      port: PORT,
      overrides: {
        backend: {
          reading: { allow: [{ host: `127.0.0.1:${target.port}` }] },
          ...(usePg
            ? { database: { client: 'pg', connection: PG, prefix } }
            : {}),
        },
        catalog: {
          locations: [
            {
              type: 'file',
              target: '../../examples/org.yaml',
              rules: [{ allow: ['User', 'Group'] }],
            },
            {
              type: 'file',
              target: templateFile(target.port),
              rules: [{ allow: ['Template'] }],
            },
          ],
        },
        selfService: {
          workflows: [],
          request: { allowedHosts: [`127.0.0.1:${target.port}`] },
        },
      },
    });
    await waitForHealth(backend);
    const token = await signIn(PORT, 'ada');
    const call = (method: string, route: string, body?: unknown) =>
      callApi(PORT, token, method, route, body);

    await call('POST', '/api/self-service/workflows', {
      identifier: 'bench-trigger',
      name: 'Benchmark trigger',
      scope: { type: 'global' },
      execution: { type: 'simple' },
      access: { type: 'everyone' },
      parameters: [],
      request: {
        method: 'POST',
        url: `http://127.0.0.1:${target.port}/self-service/{{run.id}}`,
        headers: { 'content-type': 'application/json' },
        body: '{"run": "{{run.id}}"}',
      },
    });
    // The template is ingested by the catalog a little after start-up.
    const deadline = Date.now() + 90_000;
    while (
      !(await call(
        'GET',
        '/api/catalog/entities/by-name/template/default/bench-fetch',
      ).catch(() => undefined))
    ) {
      if (Date.now() > deadline) {
        throw new Error('the benchmark template never reached the catalog');
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }

    const measures = {
      selfService: async (n: number) => {
        const arrived = target.next('self-service');
        const start = performance.now();
        await call('POST', '/api/self-service/workflows/bench-trigger/runs', {
          inputs: {},
        });
        return (await arrived) - start;
      },
      scaffolder: async (n: number) => {
        const arrived = target.next('scaffolder');
        const start = performance.now();
        await call('POST', '/api/scaffolder/v2/tasks', {
          templateRef: 'template:default/bench-fetch',
          values: { n: String(n) },
        });
        return (await arrived) - start;
      },
      authenticatedGet: async () => {
        const start = performance.now();
        await call('GET', '/api/self-service/workflows/bench-trigger');
        return performance.now() - start;
      },
      rawFetch: async () => {
        const arrived = target.next('raw');
        const start = performance.now();
        const res = await fetch(`http://127.0.0.1:${target.port}/raw`);
        await res.text();
        return (await arrived) - start;
      },
    };
    type Kind = keyof typeof measures;
    const kinds = Object.keys(measures) as Kind[];
    const results: Record<Kind, number[]> = {
      selfService: [],
      scaffolder: [],
      authenticatedGet: [],
      rawFetch: [],
    };
    for (let i = 0; i < WARMUP + iterations; i++) {
      // Interleaved, the order rotating, so drift hits every kind alike.
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length];
        const value = await measures[kind](i);
        if (i >= WARMUP) {
          results[kind].push(value);
        }
        // Let the run or task finish its bookkeeping before the next.
        await new Promise(resolve => setTimeout(resolve, 30));
      }
    }

    const s = Object.fromEntries(
      kinds.map(kind => [kind, stats(results[kind])]),
    ) as Record<Kind, { median: number; p95: number }>;
    const perGet = stats(
      results.selfService.map((v, i) => v / results.authenticatedGet[i]),
    );
    const scaffolderPer = stats(
      results.scaffolder.map((v, i) => v / results.selfService[i]),
    );
    console.log(
      `In the app's real backend (auth, permission policy, catalog, Scaffolder; ${
        usePg ? 'PostgreSQL' : 'SQLite in memory'
      }), ${iterations} interleaved iterations:`,
    );
    console.log(
      `  Self-Service trigger -> request at the target: median ${ms(
        s.selfService.median,
      )}, p95 ${ms(s.selfService.p95)}`,
    );
    console.log(
      `  Scaffolder task -> its first step's request:  median ${ms(
        s.scaffolder.median,
      )}, p95 ${ms(s.scaffolder.p95)}`,
    );
    console.log(
      `  authenticated GET /workflows/{id}:            median ${ms(
        s.authenticatedGet.median,
      )}, p95 ${ms(s.authenticatedGet.p95)}`,
    );
    console.log(
      `  raw fetch of the target:                      median ${ms(
        s.rawFetch.median,
      )}, p95 ${ms(s.rawFetch.p95)}`,
    );
    console.log(
      `  paired: Self-Service / authenticated GET median ${perGet.median.toFixed(
        2,
      )}x; Scaffolder / Self-Service median ${scaffolderPer.median.toFixed(
        1,
      )}x`,
    );
    const checks = [
      [
        'Self-Service median at most 2x the authenticated GET',
        s.selfService.median <= 2 * s.authenticatedGet.median,
      ],
      [
        'Self-Service at least 3x faster than the Scaffolder (medians)',
        s.scaffolder.median >= 3 * s.selfService.median,
      ],
      [
        "Self-Service p95 below the Scaffolder's median",
        s.selfService.p95 < s.scaffolder.median,
      ],
    ] as const;
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'met' : 'NOT MET'}: ${what}`);
    }
  } finally {
    stopAppBackend(backend);
    await target.close();
    if (usePg) {
      await new Promise(resolve => setTimeout(resolve, 500));
      await dropDatabases(prefix).catch(() => undefined);
    }
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);

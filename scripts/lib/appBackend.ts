/*
 * Starts the app's real backend (packages/backend: auth, the app's
 * permission policy, catalog, Scaffolder, Self-Service) as a child process
 * on loopback, and signs in as its example users. Shared by the chaos
 * script and the in-app benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const REPO = path.resolve(__dirname, '../..');

export interface AppBackend {
  port: number;
  process: ChildProcess;
  logFile: string;
}

/**
 * Starts a backend with `app-config.yaml` and `overrides` on top (config
 * arrays replace each other, they do not merge).
 */
export function startAppBackend(options: {
  name: string;
  port: number;
  overrides: Record<string, unknown>;
}): AppBackend {
  const { name, port } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `self-service-${name}-`));
  const configFile = path.join(dir, 'app-config.local.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      deepMerge(
        {
          backend: {
            baseUrl: `http://127.0.0.1:${port}`,
            listen: { port, host: '127.0.0.1' },
          },
        },
        options.overrides,
      ),
    ),
  );
  const logFile = path.join(dir, 'backend.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      configFile,
    ],
    {
      cwd: path.join(REPO, 'packages/backend'),
      stdio: ['ignore', out, out],
      env: { ...process.env, NODE_ENV: 'development' },
    },
  );
  return { port, process: child, logFile };
}

/** Resolves once the backend answers its health check (3 minutes at most). */
export async function waitForHealth(backend: AppBackend): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (backend.process.exitCode !== null) {
      throw new Error(
        `backend on ${backend.port} exited with ${backend.process.exitCode}; see ${backend.logFile}`,
      );
    }
    try {
      const res = await fetch(
        `http://127.0.0.1:${backend.port}/api/self-service/health`,
      );
      if (res.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  throw new Error(
    `backend on ${backend.port} did not come up; see ${backend.logFile}`,
  );
}

/**
 * A user's Backstage token from the development sign-in, retried while the
 * catalog has not ingested the example users yet (90 s at most).
 */
export async function signIn(port: number, user: string): Promise<string> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await fetch(
      `http://127.0.0.1:${port}/api/auth/dev-users/refresh?optional&env=development`,
      { headers: { 'x-dev-user': user, 'x-requested-with': 'XMLHttpRequest' } },
    );
    if (res.ok) {
      const body = (await res.json()) as {
        backstageIdentity: { token: string };
      };
      return body.backstageIdentity.token;
    }
    if (Date.now() > deadline) {
      throw new Error(`sign-in as ${user}: ${res.status} ${await res.text()}`);
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/** A JSON call to the backend with a user's token; throws on non-2xx. */
export async function callApi(
  port: number,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${route}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

export function stopAppBackend(backend: AppBackend | undefined): void {
  if (backend && backend.process.exitCode === null) {
    backend.process.kill('SIGKILL');
  }
}

function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] =
      isPlainObject(existing) && isPlainObject(value)
        ? deepMerge(existing, value)
        : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The local PostgreSQL the scripts use (trust authentication). */
export const LOCAL_POSTGRES = {
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
};

/** Drops the databases a script's backends created, by their name prefix. */
export async function dropDatabases(prefix: string): Promise<void> {
  const client = new Client({ ...LOCAL_POSTGRES, database: 'postgres' });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/** The value after `name` on the command line (`--runs 1000`), if given. */
export function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * A client of the Self-Service plugin's database, among those a backend
 * started with this `prefix` created on the local PostgreSQL.
 */
export async function pluginDatabase(prefix: string): Promise<Client> {
  const admin = new Client({ ...LOCAL_POSTGRES, database: 'postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname LIKE '%self-service%'",
      [`${prefix}%`],
    );
    if (rows.length !== 1) {
      throw new Error(
        `expected one self-service database, found ${rows.length}`,
      );
    }
    const client = new Client({ ...LOCAL_POSTGRES, database: rows[0].datname });
    await client.connect();
    return client;
  } finally {
    await admin.end();
  }
}

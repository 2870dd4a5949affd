/*
 * Lists at the scale of a large organisation, in the app's real backend
 * (auth, the app's permission policy, catalog) on a fresh PostgreSQL
 * database: publishes 2,000 workflows through the API, seeds 1,000,000 runs
 * straight into the plugin's database, then times the first page of each
 * list through HTTP with a signed-in user's token (median of a few calls,
 * after one warm-up). Loopback only. Usage (scripts/bench-lists.sh):
 *   runListsAtScale.ts [--workflows 2000] [--runs 1000000] [--calls 7]
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import {
  type AppBackend,
  argument,
  callApi,
  dropDatabases,
  LOCAL_POSTGRES,
  pluginDatabase,
  signIn,
  startAppBackend,
  stopAppBackend,
  waitForHealth,
} from '../lib/appBackend';
import { publishWorkflows, seedRuns } from '../lib/seedLargeOrganisation';

const PORT = 7202;
const workflowCount = Number(argument('--workflows') ?? '2000');
const runCount = Number(argument('--runs') ?? '1000000');
const calls = Number(argument('--calls') ?? '7');
const prefix = `lists_${process.pid}_`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  let backend: AppBackend | undefined;
  let db: Client | undefined;
  try {
    backend = startAppBackend({
      name: 'lists',
      port: PORT,
      overrides: {
        backend: {
          database: { client: 'pg', connection: LOCAL_POSTGRES, prefix },
        },
        catalog: {
          locations: [
            {
              type: 'file',
              target: '../../examples/org.yaml',
              rules: [{ allow: ['User', 'Group'] }],
            },
            { type: 'file', target: '../../examples/entities.yaml' },
          ],
        },
        selfService: { workflows: [] },
      },
    });
    await waitForHealth(backend);
    const ada = await signIn(PORT, 'ada');
    const grace = await signIn(PORT, 'grace');
    const get = (token: string, route: string) =>
      callApi(PORT, token, 'GET', `/api/self-service${route}`);
    // The entity lists look entities up in the catalog, which ingests the
    // example entities a little after start-up.
    const deadline = Date.now() + 90_000;
    while (
      !(await callApi(
        PORT,
        ada,
        'GET',
        '/api/catalog/entities/by-name/component/default/payments-api',
      ).catch(() => undefined))
    ) {
      if (Date.now() > deadline) {
        throw new Error('the example entities never reached the catalog');
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }

    let start = performance.now();
    const identifiers = await publishWorkflows(
      definition =>
        callApi(PORT, ada, 'POST', '/api/self-service/workflows', definition),
      workflowCount,
      'http://localhost:7008/bench',
    );
    console.log(
      `published ${identifiers.length} workflows through the API in ${seconds(
        performance.now() - start,
      )}`,
    );

    db = await pluginDatabase(prefix);
    start = performance.now();
    await seedRuns(db, { workflowIdentifiers: identifiers, count: runCount });
    console.log(
      `seeded ${runCount} runs (with events, approvers, entity owners) in ${seconds(
        performance.now() - start,
      )}`,
    );

    const cases: Array<[string, string, string]> = [
      ['GET /workflows (first page, as ada)', ada, '/workflows'],
      ['GET /workflows?search=deploy 00', ada, '/workflows?search=deploy%2000'],
      [
        'GET /workflows?entityRef=component:default/payments-api',
        ada,
        `/workflows?entityRef=${encodeURIComponent(
          'component:default/payments-api',
        )}`,
      ],
      [
        'GET /workflows?approval=true&scope=entity (as grace)',
        grace,
        '/workflows?approval=true&scope=entity',
      ],
      ['GET /runs?mine=true (as ada)', ada, '/runs?mine=true'],
      ['GET /runs?approvable=true (as ada)', ada, '/runs?approvable=true'],
      ['GET /runs (all, as ada)', ada, '/runs'],
      [
        'GET /runs?entityRef=component:default/payments-api (as ada)',
        ada,
        `/runs?entityRef=${encodeURIComponent(
          'component:default/payments-api',
        )}`,
      ],
      ['GET /runs (visible to grace)', grace, '/runs'],
      ['GET /runs?approvable=true (as grace)', grace, '/runs?approvable=true'],
      [
        'GET /runs?status=pending_approval (as ada)',
        ada,
        '/runs?status=pending_approval',
      ],
      ['GET /runs?workflow=wf-00003 (as ada)', ada, '/runs?workflow=wf-00003'],
    ];
    console.log(
      `first pages at ${runCount} runs and ${workflowCount} workflows, PostgreSQL, through HTTP with auth (median of ${calls} after a warm-up):`,
    );
    for (const [label, token, route] of cases) {
      const first = await get(token, route);
      const times: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await get(token, route);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      const size = first.items.length;
      const total =
        first.totalCount === undefined
          ? ''
          : `, totalCount ${first.totalCount}`;
      console.log(
        `  ${label.padEnd(62)} ${median
          .toFixed(1)
          .padStart(7)} ms  (${size} items${total})`,
      );
    }
  } finally {
    await db?.end().catch(() => undefined);
    stopAppBackend(backend);
    await new Promise(resolve => setTimeout(resolve, 500));
    await dropDatabases(prefix).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);

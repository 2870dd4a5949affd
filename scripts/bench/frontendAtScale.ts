/*
 * The frontend at the scale of a large organisation: the app's real backend
 * (packages/backend, which also serves the built legacy frontend from
 * packages/app/dist) on a fresh PostgreSQL database, 2,000 workflows (all
 * but a few published through the API, the rest managed in app-config) and
 * 1,000,000 runs seeded; then headless Chromium, the app loaded once and
 * signed in, navigates client-side (history.pushState + popstate, as a link
 * click does) and times, in the page, navigation → first card or first row
 * visible, and a search keystroke → the list showing only what matches. Every
 * /api/ request and response is recorded with its size and checked against
 * the body limit of the backend's routers. Any request to a host that is not
 * loopback is aborted. The database is dropped at the end.
 * Usage (scripts/bench-frontend.sh):
 *   frontendAtScale.ts [--workflows 2000] [--runs 1000000] [--iterations 10]
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
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
import {
  largeOrganisationWorkflow,
  publishWorkflows,
  seedRuns,
} from '../lib/seedLargeOrganisation';

const PORT = 7301;
const BASE = `http://127.0.0.1:${PORT}`;
const workflowCount = Number(argument('--workflows') ?? '2000');
const runCount = Number(argument('--runs') ?? '1000000');
const iterations = Number(argument('--iterations') ?? '10');
/** Workflows defined in app-config (managed), the last ones of the set. */
const managedCount = Math.min(20, Math.floor(workflowCount / 100));
const prefix = `benchfe_${process.pid}_`;

/**
 * The body limit of the backend's JSON routers: Backstage's OpenAPI router
 * (this plugin's) and the permission backend parse bodies with express's
 * json() at its default limit, 100 KB, and answer 413 above it.
 */
const REQUEST_BODY_LIMIT = 100 * 1024;

const TARGET_NAVIGATION_MS = 1000;
const TARGET_KEYSTROKE_MS = 150;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface ApiExchange {
  method: string;
  url: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
}

const exchanges: ApiExchange[] = [];
const blocked: string[] = [];

/** A signed-in page of the app, loaded once, recording its /api/ calls. */
async function signedInPage(browser: Browser, user: RegExp): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  await context.route('**/*', route => {
    const { hostname } = new URL(route.request().url());
    if (['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
      return route.continue();
    }
    blocked.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('response', async response => {
    const url = response.url();
    if (!url.startsWith(`${BASE}/api/`)) {
      return;
    }
    const request = response.request();
    const requestBytes = request.postDataBuffer()?.length ?? 0;
    let responseBytes = 0;
    try {
      responseBytes = (await response.body()).length;
    } catch {
      // An event stream, or the page navigated on: no body to measure.
      responseBytes = Number(response.headers()['content-length'] ?? 0);
    }
    exchanges.push({
      method: request.method(),
      url: url.slice(BASE.length),
      status: response.status(),
      requestBytes,
      responseBytes,
    });
  });
  await page.goto(`${BASE}/self-service`);
  await page.getByRole('radio', { name: user }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .locator('article[aria-labelledby]')
    .first()
    .waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

/** A route the app does not have (its not-found page), to start from. */
const AWAY = '/bench-away';

/**
 * Navigates client-side to `to` (pushState + popstate, what a link does)
 * and resolves to the milliseconds until an element matching `selector` is
 * visible, measured in the page.
 */
async function navigationTime(
  page: Page,
  to: string,
  selector: string,
): Promise<number> {
  await clientNavigate(page, AWAY);
  await page.waitForTimeout(150);
  return page.evaluate(
    ({ to: url, selector: sel }) =>
      new Promise<number>((resolve, reject) => {
        const start = performance.now();
        const found = () => {
          const el = document.querySelector(sel);
          return el !== null && el.getClientRects().length > 0;
        };
        const observer = new MutationObserver(() => {
          if (found()) {
            observer.disconnect();
            clearTimeout(timer);
            resolve(performance.now() - start);
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(
            new Error(`${sel} not visible 30 s after navigating to ${url}`),
          );
        }, 30_000);
        observer.observe(document.body, {
          childList: true,
          subtree: true,
          attributes: true,
        });
        window.history.pushState({}, '', url);
        window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
      }),
    { to, selector },
  );
}

async function clientNavigate(page: Page, to: string) {
  await page.evaluate(url => {
    window.history.pushState({}, '', url);
    window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
  }, to);
}

/**
 * With `base` in the search box and its results shown, the milliseconds
 * from the keydown of `last` until every card shown matches `base + last`
 * and the target card is among them (`shown`: the page narrows the cards it
 * has at once), and until the response to the search the server was sent
 * once typing paused had arrived (`answered`: debounce and round trip).
 */
async function keystrokeTime(
  page: Page,
  base: string,
  last: string,
  target: string,
): Promise<{ shown: number; answered: number }> {
  const box = page.getByRole('searchbox', { name: 'Search workflows' });
  await box.fill(base);
  // The base query's results: every card matches it, and more than the target.
  await page
    .waitForFunction(
      query => {
        const cards = [
          ...document.querySelectorAll('article[aria-labelledby]'),
        ];
        return (
          cards.length > 1 &&
          cards.every(card =>
            (card.textContent ?? '').toLowerCase().includes(query),
          ) &&
          document.querySelector('[aria-busy="true"]') === null
        );
      },
      base.toLowerCase(),
      { timeout: 30_000 },
    )
    .catch(async error => {
      const state = await page.evaluate(() => ({
        url: window.location.href,
        cards: [...document.querySelectorAll('article[aria-labelledby]')].map(
          a => (a.textContent ?? '').slice(0, 80),
        ),
        text: document
          .querySelector('[role="tabpanel"]')
          ?.textContent?.slice(0, 400),
        busy: [...document.querySelectorAll('[aria-busy="true"]')].map(e =>
          e.outerHTML.slice(0, 120),
        ),
      }));
      throw new Error(`${error}\n${JSON.stringify(state, null, 2)}`);
    });
  await page.evaluate(
    ({ query, name }) => {
      const w = window as any;
      let start: number | undefined;
      // Same origin, so resource timing has the response's end.
      const answered = new Promise<number>((resolve, reject) => {
        const observer = new PerformanceObserver(list => {
          for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
            const url = new URL(entry.name);
            if (
              start !== undefined &&
              url.pathname.endsWith('/api/self-service/workflows') &&
              url.searchParams.get('search')?.toLowerCase() === query &&
              entry.responseEnd > start
            ) {
              observer.disconnect();
              clearTimeout(timer);
              resolve(entry.responseEnd - start);
            }
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`the search for '${query}' was never answered`));
        }, 30_000);
        observer.observe({ type: 'resource' });
      });
      const shown = new Promise<number>((resolve, reject) => {
        const input = document.querySelector(
          'input[type="search"]',
        ) as HTMLInputElement;
        input.addEventListener(
          'keydown',
          event => {
            start = event.timeStamp;
          },
          { once: true },
        );
        const matches = () => {
          const cards = [
            ...document.querySelectorAll('article[aria-labelledby]'),
          ];
          return (
            cards.length > 0 &&
            cards.every(card =>
              (card.textContent ?? '').toLowerCase().includes(query),
            ) &&
            cards.some(
              card => card.querySelector('h2,h3,h4')?.textContent === name,
            )
          );
        };
        const observer = new MutationObserver(() => {
          if (start !== undefined && matches()) {
            observer.disconnect();
            clearTimeout(timer);
            resolve(performance.now() - start);
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`the list never showed only '${query}'`));
        }, 30_000);
        observer.observe(document.body, {
          childList: true,
          subtree: true,
          characterData: true,
        });
      });
      w.__keystroke = Promise.all([shown, answered]).then(
        ([shownMs, answeredMs]) => ({ shown: shownMs, answered: answeredMs }),
      );
    },
    { query: (base + last).toLowerCase(), name: target },
  );
  await box.press(last);
  return page.evaluate(
    () =>
      (window as any).__keystroke as Promise<{
        shown: number;
        answered: number;
      }>,
  );
}

interface Row {
  label: string;
  /** The most a row may take, in ms; none for a row shown for information. */
  target?: number;
  times: number[];
}

function stats(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

function printTable(rows: Row[]): boolean {
  let ok = true;
  const head = `  ${'measured (ms)'.padEnd(58)} ${'median'.padStart(
    7,
  )} ${'p95'.padStart(7)} ${'max'.padStart(7)}  target`;
  console.log(head);
  for (const { label, target, times } of rows) {
    const { median, p95, max } = stats(times);
    const pass = target === undefined || max <= target;
    ok &&= pass;
    const verdict =
      target === undefined
        ? '(no target)'
        : `≤ ${target} ms ${pass ? 'PASS' : 'FAIL'}`;
    console.log(
      `  ${label.padEnd(58)} ${median.toFixed(0).padStart(7)} ${p95
        .toFixed(0)
        .padStart(7)} ${max.toFixed(0).padStart(7)}  ${verdict}`,
    );
  }
  return ok;
}

/** The workflow definitions app-config holds in this benchmark. */
function managedWorkflows() {
  return Array.from({ length: managedCount }, (_, k) => {
    const definition = largeOrganisationWorkflow(
      workflowCount - managedCount + k,
      'http://localhost:7008/bench',
    );
    return definition;
  });
}

async function main() {
  const dist = path.resolve(__dirname, '../../packages/app/dist/index.html');
  if (!fs.existsSync(dist)) {
    throw new Error(
      'packages/app/dist is missing; build the frontend first: yarn --cwd packages/app build',
    );
  }
  let backend: AppBackend | undefined;
  let db: Client | undefined;
  let browser: Browser | undefined;
  let ok = true;
  try {
    backend = startAppBackend({
      name: 'bench-frontend',
      port: PORT,
      overrides: {
        app: { baseUrl: BASE },
        backend: {
          baseUrl: BASE,
          cors: { origin: BASE },
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
        selfService: { workflows: managedWorkflows() },
      },
    });
    let start = performance.now();
    await waitForHealth(backend);
    const ada = await signIn(PORT, 'ada');
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
    console.log(`backend up in ${seconds(performance.now() - start)}`);

    start = performance.now();
    const identifiers = await publishWorkflows(
      definition =>
        callApi(PORT, ada, 'POST', '/api/self-service/workflows', definition),
      workflowCount - managedCount,
      'http://localhost:7008/bench',
    );
    identifiers.push(...managedWorkflows().map(w => w.identifier));
    console.log(
      `published ${
        identifiers.length - managedCount
      } workflows through the API (+${managedCount} managed in app-config) in ${seconds(
        performance.now() - start,
      )}`,
    );

    db = await pluginDatabase(prefix);
    start = performance.now();
    await seedRuns(db, { workflowIdentifiers: identifiers, count: runCount });
    console.log(
      `seeded ${runCount} runs in ${seconds(performance.now() - start)}`,
    );

    const probe = await callApi(
      PORT,
      ada,
      'GET',
      `/api/self-service/workflows?search=${encodeURIComponent('Scale 0012')}`,
    );
    console.log(
      `search 'Scale 0012' through the API: ${probe.items
        .map((w: { name: string }) => w.name)
        .join(', ')}`,
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const gracePage = await signedInPage(browser, /Grace Hopper/);
    const adaPage = await signedInPage(browser, /Ada Lovelace/);

    const firstCard = 'article[aria-labelledby]';
    const firstRow = 'table tbody tr';
    const entityTab = '/catalog/default/component/payments-api/workflows';
    const measurements: Array<[string, number, () => Promise<number>]> = [
      [
        'Self-Service page → first card (grace)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(gracePage, '/self-service', firstCard),
      ],
      [
        'Self-Service page → first card (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, '/self-service', firstCard),
      ],
      [
        'entity Workflows tab, payments-api → first card (grace)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(gracePage, entityTab, firstCard),
      ],
      [
        'entity Workflows tab, payments-api → first card (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, entityTab, firstCard),
      ],
      [
        'entity tab, payments-api → first recent run (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, entityTab, firstRow),
      ],
      [
        'My runs → first row (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, '/self-service?tab=mine', firstRow),
      ],
      [
        'Pending my approval → first row (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, '/self-service?tab=approvals', firstRow),
      ],
      [
        'All runs → first row (ada)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(adaPage, '/self-service?tab=all', firstRow),
      ],
      [
        'My runs → first row (grace)',
        TARGET_NAVIGATION_MS,
        () => navigationTime(gracePage, '/self-service?tab=mine', firstRow),
      ],
    ];
    const rows: Row[] = [];
    // The keystroke: "Scale 0012" lists Scale 00122 and Scale 00128; the
    // next digit leaves one. A different workflow every iteration.
    const keystrokes: Row = {
      label: 'search keystroke → list shows only matches (ada)',
      target: TARGET_KEYSTROKE_MS,
      times: [],
    };
    const searchAnswers: Row = {
      label: "search keystroke → server's answer received (ada)",
      times: [],
    };
    await clientNavigate(adaPage, '/self-service');
    await adaPage
      .locator('article[aria-labelledby]')
      .first()
      .waitFor({ state: 'visible' });
    for (let i = 0; i <= iterations; i++) {
      // Workflows 10·k + 2 and 10·k + 8 share a word when 10·k + 2 ≡ 2 (mod 6).
      const k = 12 + 3 * i;
      const n = 10 * k + 8;
      const name = largeOrganisationWorkflow(n, '').name;
      const time = await keystrokeTime(
        adaPage,
        name.slice(0, -1),
        name.slice(-1),
        name,
      );
      if (i > 0) {
        keystrokes.times.push(time.shown);
        searchAnswers.times.push(time.answered);
      }
    }
    rows.push(keystrokes, searchAnswers);
    for (const [label, target, measure] of measurements) {
      await measure(); // a warm-up
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        times.push(await measure());
      }
      rows.push({ label, target, times });
    }

    console.log(
      `\nfrontend at ${workflowCount} workflows (${managedCount} managed in app-config) and ${runCount} runs, PostgreSQL 15, headless Chromium;`,
    );
    console.log(
      `the app loaded once and signed in, then client-side navigation (history.pushState + popstate) from ${AWAY}; ${iterations} times each after a warm-up:`,
    );
    ok = printTable(rows) && ok;

    // Sizes of every /api/ exchange the pages made.
    if (exchanges.length === 0) {
      throw new Error('no /api/ exchange was recorded');
    }
    const largest = (key: 'requestBytes' | 'responseBytes') =>
      exchanges.reduce((a, b) => (b[key] > a[key] ? b : a), exchanges[0]);
    const biggestRequest = largest('requestBytes');
    const biggestResponse = largest('responseBytes');
    const tooLarge = exchanges.filter(
      e => e.status === 413 || e.requestBytes > REQUEST_BODY_LIMIT,
    );
    const failed = exchanges.filter(e => e.status >= 400);
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    console.log(
      `\n/api/ exchanges recorded: ${exchanges.length} (${failed.length} with status ≥ 400)`,
    );
    console.log(
      `  largest request body:  ${kb(biggestRequest.requestBytes)}  ${
        biggestRequest.method
      } ${biggestRequest.url.slice(0, 90)}  (limit ${kb(REQUEST_BODY_LIMIT)}: ${
        biggestRequest.requestBytes <= REQUEST_BODY_LIMIT ? 'PASS' : 'FAIL'
      })`,
    );
    console.log(
      `  largest response body: ${kb(biggestResponse.responseBytes)}  ${
        biggestResponse.method
      } ${biggestResponse.url.slice(0, 90)}`,
    );
    for (const e of failed.slice(0, 10)) {
      console.log(`  ${e.status} ${e.method} ${e.url.slice(0, 120)}`);
    }
    console.log(
      `  requests answered 413 or above the limit: ${tooLarge.length} ${
        tooLarge.length === 0 ? 'PASS' : 'FAIL'
      }`,
    );
    console.log(
      `  requests to other hosts (aborted): ${blocked.length}${
        blocked.length
          ? ` (${[...new Set(blocked)].slice(0, 3).join(', ')})`
          : ''
      }`,
    );
    ok = ok && tooLarge.length === 0;
    console.log(`\nbench-frontend: ${ok ? 'PASS' : 'FAIL'}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    stopAppBackend(backend);
    await new Promise(resolve => setTimeout(resolve, 500));
    await dropDatabases(prefix).catch(() => undefined);
  }
  return ok;
}

main().then(
  ok => process.exit(ok ? 0 : 1),
  error => {
    console.error(error);
    process.exit(1);
  },
);

/*
 * End-to-end tests of workflows of several steps in real headless Chromium,
 * against the app that scripts/e2e.sh starts: the demo workflow "Provision
 * environment" of app-config.yaml (network, then database and cluster at
 * once, then the API and worker services, then the Production approval
 * gate of the Platform Team, then the storefront), its steps answered by
 * the example external system. Each test starts runs of its own, so it may
 * run alongside the other suites.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { APP } from './session';
import { type E2eTest, runSuite } from './suite';

const WORKFLOW = 'Provision environment';
const GATE = 'Production approval';
/** The steps in workflow order, by the names the run page shows. */
const STEPS = [
  'Network',
  'Database',
  'Cluster',
  'API service',
  'Worker service',
  GATE,
  'Storefront (production)',
];
/** The signal channel of run changes (RUN_SIGNAL_CHANNEL of the plugin). */
const RUN_CHANNEL = 'self-service:runs';
const RUN_URL = /\/self-service\/runs\/[0-9a-f-]{36}$/;

/**
 * Resolves once the page's signal connection is open and subscribed to the
 * run changes, which the Self-Service page asks for.
 */
function subscribedToRunSignals(page: Page) {
  return new Promise<void>(resolve => {
    page.on('websocket', socket => {
      socket.on('framesent', frame => {
        const sent = String(frame.payload);
        if (sent.includes('"subscribe"') && sent.includes(RUN_CHANNEL)) {
          resolve();
        }
      });
    });
  });
}

/**
 * Signs in on the Self-Service page and waits until its signal connection
 * is up. The run page is live by signals (and catches up by polling only
 * every 30 s): the first connection to a backend just started can miss the
 * signals client's 1 s connect timeout, and it reconnects 5 s later, so a
 * run started sooner would change unseen for a while.
 */
async function signedIn(browser: Browser, userTitle: RegExp): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  const page = await context.newPage();
  const subscribed = subscribedToRunSignals(page);
  await page.goto(`${APP}/self-service`);
  await page.getByRole('radio', { name: userTitle }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('heading', { name: 'Self-Service', level: 1 })
    .waitFor({ state: 'visible', timeout: 30_000 });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    subscribed,
    new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the Self-Service page did not subscribe to ${RUN_CHANNEL} signals in 15 s`,
            ),
          ),
        15_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return page;
}

/**
 * Goes to a path of the signed-in app the way its own links do, without
 * loading it again (as in selfService.e2e.ts).
 */
async function navigate(page: Page, to: string) {
  await page.evaluate(path => {
    const idx = (window.history.state?.idx ?? 0) + 1;
    const key = Math.random().toString(36).slice(2, 10);
    window.history.pushState({ usr: null, key, idx }, '', path);
    window.dispatchEvent(new PopStateEvent('popstate', { state: null }));
  }, to);
}

/** Counts the page's full loads from now on, to tell live updates from reloads. */
function countLoads(page: Page) {
  const loads = { count: 0 };
  page.on('load', () => {
    loads.count += 1;
  });
  return loads;
}

/** A step of the run page's Steps card, by its name. */
function step(page: Page, name: string) {
  return page.getByRole('listitem', { name, exact: true });
}

/**
 * Waits until the step shows the status; when it does not, fails with what
 * the step shows instead.
 */
async function stepShows(
  page: Page,
  name: string,
  status: string,
  timeout = 30_000,
) {
  const item = step(page, name);
  try {
    await item
      .getByText(status, { exact: true })
      .waitFor({ state: 'visible', timeout });
  } catch {
    const shown = await item
      .innerText({ timeout: 1_000 })
      .catch(() => '(no such step on the page)');
    throw new Error(
      `step '${name}' did not show '${status}' in ${timeout} ms; it shows: ${shown.replace(
        /\s+/g,
        ' ',
      )}`,
    );
  }
}

/** Waits until the run page says the run has the status. */
async function runShows(page: Page, status: string, timeout = 30_000) {
  try {
    await page
      .getByText(`Run status: ${status}`, { exact: true })
      .waitFor({ state: 'attached', timeout });
  } catch {
    const shown = await page
      .getByText(/^Run status: /)
      .textContent({ timeout: 1_000 })
      .catch(() => '(no run status on the page)');
    throw new Error(`the run did not become ${status}: ${shown}`);
  }
}

/** Runs Provision environment from the Self-Service page; resolves on its run page. */
async function startProvisioning(
  page: Page,
  environment: string,
  failCluster: boolean,
) {
  // The search keeps the card on the first page whatever else is published.
  await page
    .getByRole('searchbox', { name: 'Search workflows' })
    .fill(WORKFLOW);
  const card = page.getByRole('article', { name: WORKFLOW, exact: true });
  await card.getByRole('button', { name: 'Run' }).click();
  const dialog = page.getByRole('dialog');
  await dialog
    .getByRole('textbox', { name: /Environment name/ })
    .fill(environment);
  const fail = dialog.getByRole('checkbox', {
    name: /Simulate a cluster failure/,
  });
  assert.equal(await fail.isChecked(), false, 'failCluster is off by default');
  if (failCluster) {
    await fail.check();
  }
  await dialog.getByRole('button', { name: 'Run' }).click();
  await page.waitForURL(RUN_URL);
  await page
    .getByRole('heading', { name: `Steps (${STEPS.length})` })
    .waitFor({ state: 'visible', timeout: 30_000 });
  return page.url();
}

const tests: E2eTest[] = [
  [
    'a failed step of a run of steps is retried from the run page, and a platform engineer approves its gate from another session',
    async browser => {
      // Grace is in the payments team, not among the gate's approvers.
      const requester = await signedIn(browser, /Grace Hopper/);
      const loads = countLoads(requester);
      const runUrl = await startProvisioning(
        requester,
        `e2e-steps-${Date.now()}`,
        true,
      );
      // The database's pipeline reports for a few seconds: the run is in
      // progress while the page is open, so all that follows comes live.
      await runShows(requester, 'In progress', 5_000);

      // The cluster fails at once; nothing after it starts, while the
      // database (already running) finishes on its own.
      await stepShows(requester, 'Network', 'Succeeded');
      await stepShows(requester, 'Cluster', 'Failed');
      for (const name of STEPS.slice(3)) {
        await stepShows(requester, name, 'Skipped');
      }
      await stepShows(requester, 'Database', 'Succeeded');
      await runShows(requester, 'Failed');
      assert.equal(
        await requester.getByRole('button', { name: 'Cancel run' }).count(),
        0,
        'Cancel run on a failed run',
      );

      await requester
        .getByRole('button', { name: 'Retry from failed step' })
        .click();
      await stepShows(requester, 'Cluster', 'Succeeded');
      await stepShows(requester, 'API service', 'Succeeded');
      await stepShows(requester, 'Worker service', 'Succeeded');
      await stepShows(requester, GATE, 'Waiting for approval');
      await stepShows(requester, 'Storefront (production)', 'Pending');
      await runShows(requester, 'In progress');
      // The requester may not decide the gate: no Approve for them.
      await step(requester, GATE)
        .getByText(`Only the approvers of step '${GATE}' can decide it`)
        .waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(
        await requester
          .getByRole('button', { name: `Approve ${GATE}` })
          .count(),
        0,
        'the requester is offered to approve the gate',
      );

      // Alan, of the Platform Team, in a session of his own, finds the gate
      // among his notifications (this run's, by its link), which opens the run.
      const approver = await signedIn(browser, /Alan Turing/);
      await navigate(approver, '/notifications');
      await approver
        .getByRole('link', {
          name: `Approval requested: ${WORKFLOW}, ${GATE}`,
        })
        .and(approver.locator(`[href$="${new URL(runUrl).pathname}"]`))
        .click();
      await approver.waitForURL(runUrl);
      await approver.getByRole('button', { name: `Approve ${GATE}` }).click();
      await stepShows(approver, GATE, 'Succeeded');

      // The requester's page follows without a reload, to the end.
      for (const name of STEPS) {
        await stepShows(requester, name, 'Succeeded');
      }
      await runShows(requester, 'Succeeded');
      assert.equal(requester.url(), runUrl);
      assert.equal(loads.count, 0, 'the run page was loaded again');
      await requester
        .getByRole('button', { name: 'Re-run with the same inputs' })
        .waitFor({ state: 'visible', timeout: 10_000 });
    },
  ],
  [
    'a run of steps canceled while it waits at its gate cancels the steps not started',
    async browser => {
      const requester = await signedIn(browser, /Grace Hopper/);
      const loads = countLoads(requester);
      const runUrl = await startProvisioning(
        requester,
        `e2e-cancel-${Date.now()}`,
        false,
      );
      await stepShows(requester, GATE, 'Waiting for approval');
      await requester.getByRole('button', { name: 'Cancel run' }).click();

      await runShows(requester, 'Canceled');
      for (const name of STEPS.slice(0, 5)) {
        await stepShows(requester, name, 'Succeeded');
      }
      await stepShows(requester, GATE, 'Canceled');
      await stepShows(requester, 'Storefront (production)', 'Canceled');
      // A canceled gate offers no decision, and a canceled run no cancel or
      // retry; it may be run again.
      await requester
        .getByRole('button', { name: 'Re-run with the same inputs' })
        .waitFor({ state: 'visible', timeout: 10_000 });
      for (const button of [
        'Cancel run',
        'Retry from failed step',
        `Approve ${GATE}`,
        `Reject ${GATE}`,
      ]) {
        assert.equal(
          await requester.getByRole('button', { name: button }).count(),
          0,
          `${button} on a canceled run`,
        );
      }
      assert.equal(requester.url(), runUrl);
      assert.equal(loads.count, 0, 'the run page was loaded again');
    },
  ],
];

runSuite('steps', tests);

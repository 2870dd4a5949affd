/*
 * End-to-end test of runs that write to the catalog and expire, in real
 * headless Chromium against the app scripts/e2e.sh starts: the demo's
 * "Provision preview environment" (app-config.yaml) with a two-minute
 * lifetime; the example external system registers the environment as a
 * catalog entity with the run's token; the catalog module publishes it;
 * the run is extended once, expires, and its teardown workflow runs, after
 * which the entity leaves the catalog. Most of it is waiting for the
 * expiry, so scripts/e2e.sh runs it alongside the other suites; it starts
 * a run of its own and finds its workflow by searching for it.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signedInWithToken } from './session';
import { type E2eTest, runSuite } from './suite';

const WORKFLOW = 'Provision preview environment';
const RUN_URL = /\/self-service\/runs\/([0-9a-f-]{36})$/;
const CATALOG = `${
  process.env.E2E_BACKEND_URL ?? 'http://localhost:7007'
}/api/catalog`;

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

/** The catalog's answer for an entity: its status code. */
async function catalogStatus(authorization: string, name: string) {
  const res = await fetch(
    `${CATALOG}/entities/by-name/resource/default/${name}`,
    { headers: { authorization } },
  );
  return res.status;
}

/** Polls `check` every second until it holds, `timeout` ms at most. */
async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeout: number,
) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 1_000));
  }
}

const tests: E2eTest[] = [
  [
    'a preview environment with a two-minute lifetime appears in the catalog linked to its run, is extended once, expires and is torn down',
    async browser => {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 900 },
      });
      const { page, authorization } = await signedInWithToken(
        context,
        /Grace Hopper/,
      );
      await page
        .getByRole('heading', { name: 'Self-Service', level: 1 })
        .waitFor({ state: 'visible', timeout: 30_000 });

      // Run it with a lifetime of two minutes.
      await page
        .getByRole('searchbox', { name: 'Search workflows' })
        .fill(WORKFLOW);
      const card = page.getByRole('article', { name: WORKFLOW, exact: true });
      await card.getByRole('button', { name: 'Run' }).click();
      const dialog = page.getByRole('dialog');
      const branch = `e2e/expiry-${Date.now()}`;
      await dialog.getByRole('textbox', { name: /Branch/ }).fill(branch);
      await dialog.getByRole('textbox', { name: /Lifetime/ }).fill('PT2M');
      await dialog.getByRole('button', { name: 'Run' }).click();
      await page.waitForURL(RUN_URL, { timeout: 30_000 });
      const runUrl = page.url();
      const runId = RUN_URL.exec(runUrl)![1];
      const entityName = `preview-${runId}`;
      await runShows(page, 'Succeeded', 60_000);
      await page
        .getByText(/^Expires in (1|2) minutes?/)
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });

      // Its entity, in the catalog, links back to the run.
      await eventually(
        `${entityName} in the catalog`,
        async () => (await catalogStatus(authorization, entityName)) === 200,
        30_000,
      );
      // The run page lists it; its link leads to the catalog's page of it.
      const entityLink = page
        .getByRole('table', { name: 'Entities' })
        .locator(`a[href$="/catalog/default/resource/${entityName}"]`);
      await entityLink.waitFor({ state: 'visible', timeout: 30_000 });
      await entityLink.click();
      await page.waitForURL(/\/catalog\/default\/resource\//, {
        timeout: 30_000,
      });
      await page
        .getByRole('tab', { name: 'Workflows' })
        .click({ timeout: 30_000 });
      const createdBy = page.getByText(/^Created by run/).first();
      await createdBy.waitFor({ state: 'visible', timeout: 30_000 });
      const runLink = createdBy.getByRole('link').first();
      assert.match(
        (await runLink.getAttribute('href')) ?? '',
        new RegExp(`/self-service/runs/${runId}$`),
        'the entity links to the run that created it',
      );

      // Extended once, by half a minute.
      await runLink.click();
      await page.waitForURL(RUN_URL, { timeout: 30_000 });
      await page.getByRole('button', { name: 'Extend' }).click();
      const extend = page.getByRole('dialog', { name: /Extend this run/ });
      await extend.getByRole('radio', { name: 'Another duration' }).check();
      await extend.getByRole('textbox', { name: /Duration/ }).fill('PT30S');
      await extend.getByRole('button', { name: 'Extend' }).click();
      await page
        .getByText('You extended this run by 30 seconds.')
        .waitFor({ state: 'visible', timeout: 15_000 });
      await page
        .getByText(/^Expiry extended by 30 seconds/)
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });

      // At expiry (two and a half minutes after the run's end, and the
      // sweep's ten seconds), the teardown starts; the page follows live.
      const tornDown = page.getByText(/^Torn down by run/).first();
      await tornDown.waitFor({ state: 'visible', timeout: 240_000 });
      assert.equal(
        await catalogStatus(authorization, entityName),
        200,
        'the entity stands until its teardown succeeds',
      );
      await tornDown.getByRole('link').first().click();
      await page.waitForURL(RUN_URL, { timeout: 30_000 });
      assert.notEqual(page.url(), runUrl);
      await page
        .getByText(/^Tears down run/)
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });
      await runShows(page, 'Succeeded', 60_000);

      // And the entity leaves the catalog.
      await eventually(
        `${entityName} to leave the catalog`,
        async () => (await catalogStatus(authorization, entityName)) === 404,
        30_000,
      );
    },
  ],
];

runSuite('runs that write to the catalog and expire', tests);

/*
 * End-to-end test at the size of a large organisation, against the app that
 * scripts/e2e.sh starts: 600 workflows published through the API (a few at
 * a time), on top of the ones app-config manages. Ada, a platform engineer,
 * sees Edit on the workflows she may edit and the managed notice on the
 * managed ones; Grace sees neither. Runs after the other suites and deletes
 * what it published.
 */
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { largeOrganisationWorkflow } from '../scripts/lib/seedLargeOrganisation';
import { API, APP, post, sendDelete, signedInWithToken } from './session';
import { type E2eTest, runSuite } from './suite';

const COUNT = 600;
const CONCURRENCY = 12;
const TAG = `scale${Date.now().toString(36)}`;
/** A workflow app-config defines (app-config.yaml), so managed. */
const MANAGED = 'Provision preview environment';
const MANAGED_NOTE = 'Managed in app-config; edit it there';

/** The i-th of this test's workflows: a large organisation's, renamed. */
function definition(i: number) {
  const base = largeOrganisationWorkflow(i, 'http://localhost:7008/at-scale');
  return {
    ...base,
    identifier: `${TAG}-${base.identifier}`,
    name: `${base.name} ${TAG}`,
  };
}

/** Runs `task` on 0..count-1, `CONCURRENCY` at a time. */
async function eachBounded(
  count: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        await task(next++);
      }
    }),
  );
}

async function visible(locator: Locator, timeout = 30_000) {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** Searches the Self-Service page and returns the card named `name`. */
async function searchFor(page: Page, name: string) {
  await page.getByRole('searchbox', { name: 'Search workflows' }).fill(name);
  const card = page.getByRole('article', { name, exact: true });
  await visible(card);
  // The search is debounced; wait until only what matches is left.
  await page.waitForFunction(
    query =>
      [...document.querySelectorAll('article[aria-labelledby]')].every(a =>
        (a.textContent ?? '').toLowerCase().includes(query),
      ),
    name.toLowerCase(),
    { timeout: 30_000 },
  );
  return card;
}

async function signedIn(browser: Browser, user: RegExp) {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  return signedInWithToken(context, user);
}

async function editAndManagedOnTheFirstPage(page: Page) {
  await page.goto(`${APP}/self-service`);
  await visible(page.locator('article[aria-labelledby]'));
  const cards = page.locator('article[aria-labelledby]');
  const shown = await cards.count();
  const withEdit = await page.locator('[aria-label^="Edit: "]').count();
  const withNote = await page.getByText(MANAGED_NOTE).count();
  return { shown, withEdit, withNote };
}

let published = 0;

const tests: E2eTest[] = [
  [
    `at ${COUNT} workflows Ada sees Edit on hers and the managed notice on managed ones; Grace sees neither`,
    async browser => {
      const { page: adaPage, authorization } = await signedIn(
        browser,
        /Ada Lovelace/,
      );
      try {
        const started = Date.now();
        await eachBounded(COUNT, async i => {
          const { status, text } = await post(
            `${API}/workflows`,
            authorization,
            definition(i),
          );
          assert.equal(status, 201, `publishing workflow ${i}: ${text}`);
          published = Math.max(published, i + 1);
        });
        console.log(
          `    published ${COUNT} workflows in ${Date.now() - started} ms`,
        );
        const listed = await fetch(`${API}/workflows?limit=1`, {
          headers: { authorization },
        }).then(r => r.json());
        assert.ok(
          listed.totalCount >= COUNT + 5,
          `expected at least ${COUNT + 5} workflows, the list says ${
            listed.totalCount
          }`,
        );

        const ours = definition(7).name;
        const ada = await editAndManagedOnTheFirstPage(adaPage);
        assert.ok(ada.shown >= 24, `Ada's first page shows ${ada.shown}`);
        assert.equal(
          ada.withEdit + ada.withNote,
          ada.shown,
          'every card of Ada’s first page has Edit or the managed notice',
        );

        let card = await searchFor(adaPage, ours);
        await visible(card.getByLabel(`Edit: ${ours}`, { exact: true }));
        assert.equal(await card.getByText(MANAGED_NOTE).count(), 0);

        card = await searchFor(adaPage, MANAGED);
        await visible(card.getByText(MANAGED_NOTE));
        assert.equal(
          await card.locator('[aria-label^="Edit: "]').count(),
          0,
          'a managed workflow has no Edit link',
        );

        const { page: gracePage } = await signedIn(browser, /Grace Hopper/);
        const grace = await editAndManagedOnTheFirstPage(gracePage);
        assert.ok(grace.shown >= 24, `Grace's first page shows ${grace.shown}`);
        assert.deepEqual(
          [grace.withEdit, grace.withNote],
          [0, 0],
          'Grace sees no Edit link and no managed notice',
        );
        for (const name of [ours, MANAGED]) {
          card = await searchFor(gracePage, name);
          await visible(card.getByRole('button', { name: /Run/ }));
          assert.equal(
            await card.locator('[aria-label^="Edit: "]').count(),
            0,
            `Grace sees no Edit on ${name}`,
          );
          assert.equal(
            await card.getByText(MANAGED_NOTE).count(),
            0,
            `Grace sees no managed notice on ${name}`,
          );
        }
      } finally {
        // What this test published goes, so nothing after it sees 600 more.
        const failures: string[] = [];
        await eachBounded(published, async i => {
          const status = await sendDelete(
            `${API}/workflows/${definition(i).identifier}`,
            authorization,
          );
          if (status !== 204 && status !== 404) {
            failures.push(`${definition(i).identifier}: ${status}`);
          }
        });
        assert.deepEqual(failures, [], 'deleting the published workflows');
      }
    },
  ],
];

runSuite('at scale', tests);

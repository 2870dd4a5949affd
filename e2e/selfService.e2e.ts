/*
 * End-to-end tests of Backstage Self-Service in real headless Chromium,
 * against the app that scripts/e2e.sh starts (scripts/start.sh: frontend on
 * :3000, backend on :7007, the example external system on :7008). Each test
 * signs in as example users in browser contexts of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { assertEveryControlLabelled } from './accessibility';
import { APP } from './session';
import { type E2eTest, runSuite } from './suite';

const SCREENSHOTS = process.env.E2E_SCREENSHOTS_DIR;

/**
 * The workflow the editor journey publishes. Both apps run against the same
 * backend (scripts/e2e.sh), so against another app than the legacy one on
 * :3000 it carries that app's port: `Purge CDN cache 3001`.
 */
const NEW_WORKFLOW = `Purge CDN cache${
  new URL(APP).port === '3000' ? '' : ` ${new URL(APP).port}`
}`;
const NEW_WORKFLOW_ID = NEW_WORKFLOW.toLowerCase().replace(/\W+/g, '-');

/** Waits until the element is visible (30 s unless told otherwise). */
async function visible(locator: Locator, timeout = 30_000) {
  await locator.first().waitFor({ state: 'visible', timeout });
}

async function signedIn(browser: Browser, userTitle: RegExp): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  const page = await context.newPage();
  await page.goto(`${APP}/self-service`);
  await page.getByRole('radio', { name: userTitle }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await visible(page.getByRole('heading', { name: 'Self-Service', level: 1 }));
  return page;
}

/**
 * Goes to a path of the signed-in app the way its own links do, without
 * loading it again: each full load of the development bundle costs seconds.
 * (Signing in loads the app at a deep link already.)
 */
async function navigate(page: Page, path: string) {
  await page.evaluate(to => {
    const idx = (window.history.state?.idx ?? 0) + 1;
    const key = Math.random().toString(36).slice(2, 10);
    window.history.pushState({ usr: null, key, idx }, '', to);
    window.dispatchEvent(new PopStateEvent('popstate', { state: null }));
  }, path);
}

async function screenshot(page: Page, name: string) {
  if (SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    // Let dialogs finish fading in; a half-drawn dialog is no picture.
    await page.waitForTimeout(800);
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${name}.png`),
      animations: 'disabled',
    });
  }
}

/** The card of a workflow, found by its heading. */
function workflowCard(page: Page, name: string) {
  // Exact: the other app's journey publishes `Purge CDN cache 3001` meanwhile.
  return page.getByRole('article', { name, exact: true });
}

/**
 * Presses Tab until the focused element is the one given, as a keyboard user
 * would reach it; fails if it takes more than `limit` presses.
 */
async function tabTo(page: Page, target: Locator, limit = 60) {
  const handle = await target.elementHandle();
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate(el => el === document.activeElement, handle)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${target} by keyboard in ${limit} presses`);
}

const tests: E2eTest[] = [
  [
    'an owner runs an owner-only event-driven workflow from the entity tab and watches it succeed live',
    async browser => {
      const page = await signedIn(browser, /Grace Hopper/);
      await navigate(page, '/catalog/default/component/payments-api/workflows');
      const card = workflowCard(page, 'Restart service');
      await visible(card);
      await screenshot(page, 'entity-workflows-tab');
      await assertEveryControlLabelled(page, 'the entity Workflows tab');

      await card.getByRole('button', { name: 'Run' }).click();
      const dialog = page.getByRole('dialog');
      await visible(dialog);
      await assertEveryControlLabelled(page, 'the run dialog');
      await dialog
        .getByRole('textbox', { name: /Reason/ })
        .fill('e2e: memory leak');
      await dialog.getByRole('button', { name: 'Run' }).click();

      await page.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);
      // The example external system reports a link, three steps and success;
      // the page shows them without a reload.
      await visible(page.getByText('Step 3/3:'), 60_000);
      await visible(page.getByText(/Pipeline #\d+/));
      await visible(
        page.getByText(/Status changed from In progress to Succeeded/),
        60_000,
      );
      await screenshot(page, 'run-page');
      await assertEveryControlLabelled(page, 'the run page');

      await page.getByRole('button', { name: 'View' }).first().click();
      const request = page.getByRole('dialog');
      await visible(request.getByText('[REDACTED]'));
      assert.equal(
        await request.getByText('example-ci-token-for-local-use').count(),
        0,
      );
      await screenshot(page, 'run-request-dialog');
    },
  ],
  [
    'a non-owner sees the owner-only workflow disabled, with the reason',
    async browser => {
      const page = await signedIn(browser, /Linus Torvalds/);
      await navigate(page, '/catalog/default/component/payments-api/workflows');
      const card = workflowCard(page, 'Restart service');
      await visible(
        card.getByText('Only owners of this entity can run this workflow'),
      );
      assert.equal(
        await card.getByRole('button', { name: 'Run' }).isDisabled(),
        true,
      );
    },
  ],
  [
    'one user requests an approval workflow, another approves it, and it is dispatched',
    async browser => {
      const requester = await signedIn(browser, /Margaret Hamilton/);
      await navigate(
        requester,
        '/catalog/default/resource/payments-db/workflows',
      );
      await workflowCard(requester, 'Rotate database credentials')
        .getByRole('button', { name: 'Request run' })
        .click();
      const dialog = requester.getByRole('dialog');
      assert.equal(
        await dialog
          .getByRole('textbox', { name: /Revoke old credentials after/ })
          .inputValue(),
        '15',
      );
      await dialog.getByRole('button', { name: 'Request run' }).click();
      await requester.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);
      const runUrl = requester.url();
      await visible(requester.getByText('Pending approval'));
      assert.equal(
        await requester.getByRole('button', { name: 'Approve' }).count(),
        0,
      );

      // The approver finds the request among their notifications, which
      // opens the run page.
      const approver = await signedIn(browser, /Alan Turing/);
      // This run's: the other app's journey asks for the same approval.
      await navigate(approver, '/notifications');
      await approver
        .getByRole('link', {
          name: 'Approval requested: Rotate database credentials',
        })
        .and(approver.locator(`[href$="${new URL(runUrl).pathname}"]`))
        .click();
      await approver.waitForURL(runUrl);
      await approver.getByRole('button', { name: 'Approve' }).click();
      const confirm = approver.getByRole('dialog');
      await visible(confirm);
      await assertEveryControlLabelled(approver, 'the approval dialog');
      await confirm.getByRole('textbox', { name: /Comment/ }).fill('Go ahead');
      await confirm.getByRole('button', { name: 'Approve' }).click();
      await visible(approver.getByText(/Approved by/));

      // The requester's page follows live: dispatched, then success.
      await visible(requester.getByText(/Sent HTTP request/), 60_000);
      await visible(
        requester.getByText(/Status changed from In progress to Succeeded/),
        60_000,
      );
    },
  ],
  [
    'a platform engineer publishes a workflow in the editor, and it runs',
    async browser => {
      const page = await signedIn(browser, /Ada Lovelace/);
      await visible(workflowCard(page, 'Provision preview environment'));
      await screenshot(page, 'self-service-page');
      await assertEveryControlLabelled(page, 'the Self-Service page');

      // The example workflows are managed in app-config: read-only here.
      await navigate(page, '/self-service/workflows/restart-service/edit');
      await visible(
        page.getByText('This workflow is managed in app-config; edit it there'),
      );

      await navigate(page, '/self-service/workflows/new');
      const name = page.getByRole('textbox', { name: 'Name', exact: true });
      await visible(name);
      await name.first().fill(NEW_WORKFLOW);
      await page
        .getByRole('textbox', { name: 'Description' })
        .fill('Empties the CDN cache of the storefront.');
      await page.getByRole('textbox', { name: 'Icon' }).fill('delete');
      await page
        .getByRole('textbox', { name: /^URL/ })
        .fill('http://localhost:7008/cdn/purge');
      await page.getByRole('button', { name: 'Add header' }).click();
      const header = page.getByRole('group', { name: 'Header 1' });
      await header.getByRole('textbox', { name: 'Name' }).fill('authorization');
      await header
        .getByRole('textbox', { name: 'Value' })
        .fill('Bearer {{secrets.EXAMPLE_CI_TOKEN}}');
      await page
        .getByRole('textbox', { name: /^Body/ })
        .fill('{"run": "{{run.id}}", "requestedBy": "{{user.ref}}"}');
      await assertEveryControlLabelled(page, 'the workflow editor');
      await page.getByRole('button', { name: 'Create workflow' }).click();

      const card = workflowCard(page, NEW_WORKFLOW);
      await visible(card);
      await navigate(page, `/self-service/workflows/${NEW_WORKFLOW_ID}/edit`);
      await visible(
        page.getByRole('heading', { name: `Edit ${NEW_WORKFLOW}` }),
      );
      assert.equal(
        await page
          .getByRole('textbox', { name: 'Name', exact: true })
          .first()
          .inputValue(),
        NEW_WORKFLOW,
      );
      await screenshot(page, 'workflow-editor');

      await navigate(page, '/self-service');
      await workflowCard(page, NEW_WORKFLOW)
        .getByRole('button', { name: 'Run' })
        .click();
      await page
        .getByRole('dialog')
        .getByRole('button', { name: 'Run' })
        .click();
      await page.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);
      await visible(page.getByText(/200 OK/), 60_000);
      await visible(page.getByText(/to Succeeded/), 60_000);
    },
  ],
  [
    'a keyboard user finds a workflow, fills its form and runs it without a mouse',
    async browser => {
      const page = await signedIn(browser, /Ada Lovelace/);
      const search = page.getByRole('searchbox', { name: 'Search workflows' });
      await visible(search);
      await tabTo(page, search);
      await page.keyboard.type('preview');
      const card = workflowCard(page, 'Provision preview environment');
      await visible(card);
      // The search is answered by the backend after a short debounce, so the
      // cards that do not match leave a moment after the match is shown.
      await workflowCard(page, 'Restart service').waitFor({
        state: 'detached',
        timeout: 10_000,
      });

      await tabTo(page, card.getByRole('button', { name: 'Run' }));
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await visible(dialog);

      await tabTo(page, dialog.getByRole('textbox', { name: 'Branch' }));
      await page.keyboard.type('feature/keyboard');
      // The select opens with the arrow key; the next option is us-east-1.
      await tabTo(page, dialog.getByRole('combobox', { name: 'Region' }));
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await tabTo(page, dialog.getByRole('textbox', { name: 'Lifetime' }));
      await page.keyboard.press('Control+A');
      await page.keyboard.type('PT4H');
      await tabTo(page, dialog.getByRole('checkbox', { name: /Seed/ }));
      await page.keyboard.press('Space');
      assert.equal(
        await dialog.getByRole('checkbox', { name: /Seed/ }).isChecked(),
        false,
      );
      await tabTo(page, dialog.getByRole('button', { name: 'Run' }));
      await page.keyboard.press('Enter');

      await page.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);
      await visible(page.getByText('feature/keyboard'));
      await visible(page.getByText('us-east-1'));
    },
  ],
];

runSuite('self-service', tests);

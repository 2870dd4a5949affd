/*
 * Runs one end-to-end suite in headless Chromium: its tests one after the
 * other, each in browser contexts it opens and this closes, with a
 * screenshot of every open page when a test fails. Exits 1 if any failed.
 * E2E_GREP (a regular expression) runs only the tests whose names match it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const FAILURES = process.env.E2E_FAILURES_DIR ?? '/tmp/self-service-e2e';

/** A test: its name, and what it does with the browser. */
export type E2eTest = [string, (browser: Browser) => Promise<void>];

async function screenshotPages(browser: Browser, testName: string) {
  fs.mkdirSync(FAILURES, { recursive: true });
  for (const [i, context] of browser.contexts().entries()) {
    for (const [j, page] of context.pages().entries()) {
      const file = path.join(
        FAILURES,
        `${testName.replace(/\W+/g, '-').slice(0, 60)}-${i}-${j}.png`,
      );
      await page.screenshot({ path: file }).catch(() => undefined);
      console.log(`    screenshot: ${file}`);
    }
  }
}

async function runTests(label: string, tests: E2eTest[]) {
  const browser = await chromium.launch({
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
  let passed = 0;
  let failed = 0;
  for (const [name, test] of tests) {
    const started = Date.now();
    try {
      await test(browser);
      passed += 1;
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      console.log(
        `  ✕ ${name}\n    ${String(error).split('\n').join('\n    ')}`,
      );
      await screenshotPages(browser, name);
    } finally {
      for (const context of browser.contexts()) {
        await context.close();
      }
    }
  }
  await browser.close();
  console.log(`e2e (${label}): ${passed} passed, ${failed} failed`);
  return failed === 0;
}

/** The tests whose names match E2E_GREP, or all of them without it. */
function selected(tests: E2eTest[]): E2eTest[] {
  const grep = process.env.E2E_GREP;
  if (!grep) {
    return tests;
  }
  const pattern = new RegExp(grep);
  const matching = tests.filter(([name]) => pattern.test(name));
  if (matching.length === 0) {
    throw new Error(`E2E_GREP=${grep} matches none of the tests`);
  }
  return matching;
}

/** Runs the suite (the tests E2E_GREP selects) and exits with its outcome. */
export function runSuite(label: string, tests: E2eTest[]): void {
  Promise.resolve()
    .then(() => runTests(label, selected(tests)))
    .then(
      ok => process.exit(ok ? 0 : 1),
      error => {
        console.error(error);
        process.exit(1);
      },
    );
}

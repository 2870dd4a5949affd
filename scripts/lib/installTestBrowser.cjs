/*
 * The browser part of scripts/install-test.sh: in headless Chromium, against
 * the created app its backend serves at APP_URL, signs in as guest and finds
 * the Self-Service page, its nav item and an example entity's "Workflows"
 * tab, none of which the app has code for (feature discovery). Requests
 * outside loopback are aborted.
 */
const { chromium } = require('playwright-core');

const APP = process.env.APP_URL ?? 'http://localhost:7420';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const TIMEOUT = 60_000;

async function main() {
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
  const blocked = new Set();
  const errors = [];
  const step = async (what, check) => {
    const started = Date.now();
    await check();
    console.log(`  ✓ ${what} (${Date.now() - started} ms)`);
  };
  let page;
  try {
    const context = await browser.newContext();
    context.setDefaultTimeout(TIMEOUT);
    await context.route('**/*', route => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname) || url.protocol === 'data:') {
        return route.continue();
      }
      blocked.add(url.origin);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('pageerror', error => errors.push(String(error)));

    await step('guest sign-in', async () => {
      await page.goto(`${APP}/self-service`);
      // The created app's sign-in page offers the guest provider; an app
      // without a sign-in page goes straight on.
      const heading = page.getByRole('heading', { name: 'Self-Service' });
      const enter = page.getByRole('button', { name: /^(enter|sign in)$/i });
      await heading.or(enter).first().waitFor();
      if (await enter.isVisible()) {
        await enter.click();
      }
    });
    await step('the Self-Service page at /self-service', async () => {
      await page
        .getByRole('heading', { name: 'Self-Service', level: 1 })
        .waitFor();
      const response = await page
        .waitForResponse(r => r.url().startsWith(`${APP}/api/self-service/`), {
          timeout: 5_000,
        })
        .catch(() => undefined);
      if (response && response.status() >= 400) {
        throw new Error(
          `the page's API call ${response.url()} answered ${response.status()}`,
        );
      }
    });
    await step('its nav item, a link to /self-service', async () => {
      await page
        .getByRole('navigation')
        .getByRole('link', { name: 'Self-Service' })
        .first()
        .waitFor();
    });
    await step('the "Workflows" tab of an example entity', async () => {
      await page.goto(`${APP}/catalog/default/component/example-website`);
      await page
        .getByRole('heading', { name: /example-website/ })
        .first()
        .waitFor();
      // The entity layout's tabs are links to their routes.
      const tab = page
        .getByRole('tab', { name: 'Workflows', exact: true })
        .or(page.getByRole('link', { name: 'Workflows', exact: true }))
        .first();
      await tab.waitFor();
      await tab.click();
      await page.waitForURL(
        /\/catalog\/default\/component\/example-website\/workflows$/,
      );
    });
  } catch (error) {
    console.error(`  ✕ ${String(error).split('\n').join('\n    ')}`);
    if (errors.length)
      console.error(`  page errors:\n    ${errors.join('\n    ')}`);
    if (page) {
      const text = await page
        .locator('body')
        .innerText()
        .catch(() => '');
      console.error(
        `  page ${page.url()} shows:\n    ${text
          .slice(0, 1500)
          .split('\n')
          .join('\n    ')}`,
      );
    }
    process.exitCode = 1;
  } finally {
    if (blocked.size) {
      console.log(`  blocked (outside loopback): ${[...blocked].join(', ')}`);
    }
    await browser.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});

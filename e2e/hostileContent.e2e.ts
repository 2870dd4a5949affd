/*
 * End-to-end test of what an external system may post to a run: hostile
 * markdown, links and images through the callback API, and hostile text in
 * a workflow's name and description. Runs in real headless Chromium against
 * the app that scripts/e2e.sh starts, after e2e/selfService.e2e.ts.
 *
 * The test plays the external system itself: a workflow it publishes sends
 * its request to a receiver on loopback here, which keeps the run's token.
 * The browser may talk to loopback only; anything else is aborted and
 * recorded, so no hostile host is ever contacted.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  API,
  APP,
  post,
  sendDelete,
  signedInWithToken,
  until,
} from './session';
import { startStandInReceiver } from './standInReceiver';
import { runSuite } from './suite';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Hosts the payloads name; not one request may go to them. */
const HOSTILE_HOSTS = ['example.invalid', '203.0.113.5'];

/** Each callback message, led by its marker so the timeline can be checked. */
const HOSTILE_MESSAGES: Array<[string, string]> = [
  ['H01', 'H01 [x](javascript:alert(1))'],
  ['H02', 'H02 [x](  javascript:alert(1))'],
  ['H03', 'H03 [x](JaVaScRiPt:alert(1))'],
  ['H04', 'H04 [x](java&#x09;script:alert(1))'],
  ['H05', 'H05 [x](&#106;avascript:alert(1)) [y](javascript&colon;alert(1))'],
  ['H06', 'H06 <javascript:alert(1)> <JAVASCRIPT:alert(1)>'],
  ['H07', 'H07 [x][r]\n\n[r]: javascript:alert(1)'],
  ['H08', 'H08 [x](data:text/html,<script>alert(1)</script>)'],
  [
    'H09',
    'H09 [x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  ],
  ['H10', 'H10 [x](vbscript:msgbox(1)) <vbscript:msgbox(1)>'],
  ['H11', 'H11 ![img](http://example.invalid/x.png)'],
  ['H12', 'H12 ![img](https://203.0.113.5/track.png)'],
  ['H13', '<img src=x onerror=alert(1)>\n\nH13'],
  ['H14', 'H14 <a href="javascript:alert(1)">raw link</a>'],
  ['H15', 'H15 <svg onload=alert(1)></svg> <iframe src="javascript:alert(1)">'],
  ['H16', 'H16 [x](javascript\\:alert(1)) [y](<java script:alert(1)>)'],
  ['H17', 'H17 [x](\njavascript:alert(1)) [y](javascript:alert(1) "title")'],
  ['H18', 'H18 ![img][i]\n\n[i]: https://203.0.113.5/ref.png'],
  ['H19', 'H19 ![svg](data:image/svg+xml,<svg onload=alert(1)>)'],
  ['H20', 'H20 [![img](https://203.0.113.5/nested.png)](javascript:alert(1))'],
  ['H21', 'H21 [x](//203.0.113.5/x) [y](%6Aavascript:alert(1))'],
  ['H22', 'H22 [safe](https://example.com/safe) <mailto:oncall@example.com>'],
];
const HOSTILE_TEXT = '[x](javascript:alert(1)) <img src=x onerror=alert(1)>';

interface Dispatch {
  token: string;
  callback: string;
}

/** What the browser tried to reach outside loopback, each aborted. */
async function loopbackOnly(context: BrowserContext) {
  const blocked: Array<{ url: string; type: string }> = [];
  await context.route('**/*', route => {
    const request = route.request();
    if (LOOPBACK.has(new URL(request.url()).hostname)) {
      return route.continue();
    }
    blocked.push({ url: request.url(), type: request.resourceType() });
    return route.abort('blockedbyclient');
  });
  return blocked;
}

/**
 * URLs in the page the browser would run or render as a document: every
 * URL-bearing attribute and the resolved `href` of links, compared without
 * case, whitespace or control characters.
 */
async function dangerousUrls(page: Page): Promise<string[]> {
  const urls = await page.evaluate(() => {
    const found: string[] = [];
    const names = ['href', 'src', 'action', 'formaction', 'xlink:href'];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      for (const name of names) {
        const value = element.getAttribute(name);
        if (value !== null) {
          found.push(value);
        }
      }
      if (element instanceof HTMLAnchorElement) {
        found.push(element.href);
      }
    }
    return found;
  });
  return urls.filter(url =>
    // eslint-disable-next-line no-control-regex
    /^(javascript|data|vbscript):/i.test(url.replace(/[\u0000-\u0020]/g, '')),
  );
}

/** Elements with inline event handlers, which no rendered text may create. */
async function inlineHandlers(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('*')).flatMap(element =>
      element
        .getAttributeNames()
        .filter(name => name.toLowerCase().startsWith('on'))
        .map(name => `${element.tagName.toLowerCase()}[${name}]`),
    ),
  );
}

/** The whole timeline is there, and nothing in the page is dangerous. */
async function assertRunPageIntact(page: Page, where: string) {
  const timeline = page.getByRole('list', { name: 'Timeline' });
  await timeline
    .getByText(/Status changed from In progress to Succeeded/)
    .waitFor({ timeout: 60_000 });
  const entries = timeline.getByRole('listitem');
  // Triggered, the request, every message, the link, the status change.
  assert.equal(
    await entries.count(),
    HOSTILE_MESSAGES.length + 4,
    `the timeline's events on ${where}`,
  );
  for (const [marker] of HOSTILE_MESSAGES) {
    assert.equal(
      await entries.filter({ hasText: marker }).count(),
      1,
      `the event of message ${marker} on ${where}`,
    );
  }
  await timeline.getByText('Link: H-link').waitFor();
  await timeline.getByText('H-status').waitFor();
  for (const text of [
    'Something Went Wrong',
    'This event could not be shown',
  ]) {
    assert.equal(
      await page.getByText(text).count(),
      0,
      `"${text}" on ${where}`,
    );
  }
  assert.deepEqual(await dangerousUrls(page), [], `dangerous URLs on ${where}`);
  assert.deepEqual(await inlineHandlers(page), [], `handlers on ${where}`);
  assert.equal(await timeline.locator('img, svg image, iframe').count(), 0);

  // What is safe still works: web and mail links, images as links.
  const safe = timeline.getByRole('link', { name: /^safe/ });
  assert.equal(await safe.getAttribute('href'), 'https://example.com/safe');
  assert.equal(await safe.getAttribute('target'), '_blank');
  assert.equal(await safe.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(
    await timeline
      .getByRole('link', { name: /oncall@example\.com/ })
      .getAttribute('href'),
    'mailto:oncall@example.com',
  );
  assert.equal(
    await entries
      .filter({ hasText: 'H12' })
      .getByRole('link', { name: /^Image: img/ })
      .getAttribute('href'),
    'https://203.0.113.5/track.png',
  );
}

async function hostileContentTest(browser: Browser) {
  const receiver = await startStandInReceiver();
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  const blocked = await loopbackOnly(context);
  const dialogs: string[] = [];
  context.on('page', page =>
    page.on('dialog', dialog => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    }),
  );
  try {
    const { page, authorization } = await signedInWithToken(
      context,
      /Ada Lovelace/,
    );
    const identifier = `hostile-content-${Date.now().toString(36)}`;
    const name = `Hostile ${identifier} <b onmouseover=alert(1)>x</b>`;
    const created = await post(`${API}/workflows`, authorization, {
      identifier,
      name,
      description: `Reports hostile content. ${HOSTILE_TEXT}`,
      scope: { type: 'global' },
      execution: { type: 'event-driven', timeoutSeconds: 600 },
      access: { type: 'everyone' },
      parameters: [
        {
          identifier: 'note',
          name: 'Note',
          description: HOSTILE_TEXT,
          type: 'string',
          required: false,
        },
      ],
      request: {
        method: 'POST',
        url: receiver.url,
        headers: { 'content-type': 'application/json' },
        body: '{"token": "{{run.token}}", "callback": "{{run.callbackUrl}}"}',
      },
    });
    assert.equal(created.status, 201, created.text);

    // The card and the run dialog show the workflow's text as text.
    await page.goto(`${APP}/self-service`);
    await page
      .getByRole('searchbox', { name: 'Search workflows' })
      .fill(identifier);
    const card = page.getByRole('article', { name });
    await card.getByText(`Reports hostile content. ${HOSTILE_TEXT}`).waitFor();
    await card.getByRole('button', { name: 'Run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText(`Reports hostile content. ${HOSTILE_TEXT}`)
      .waitFor();
    assert.deepEqual(await dangerousUrls(page), [], 'on the run dialog');
    assert.deepEqual(await inlineHandlers(page), [], 'on the run dialog');
    await dialog.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);

    const { token, callback } = JSON.parse(
      (await until('the dispatch', () => receiver.received[0])).body,
    ) as Dispatch;
    const runToken = `Bearer ${token}`;
    for (const [marker, markdown] of HOSTILE_MESSAGES) {
      const posted = await post(`${callback}/messages`, runToken, { markdown });
      assert.equal(posted.status, 201, `${marker}: ${posted.text}`);
    }
    // The backend takes http and https links only; the page must not care.
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,x',
    ]) {
      const refused = await post(`${callback}/links`, runToken, {
        label: 'x',
        url,
      });
      assert.equal(refused.status, 400, `link to ${url}: ${refused.text}`);
    }
    const link = await post(`${callback}/links`, runToken, {
      label: `H-link ${HOSTILE_TEXT}`,
      url: 'https://example.com/pipeline',
    });
    assert.equal(link.status, 201, link.text);
    const status = await post(`${callback}/status`, runToken, {
      status: 'success',
      message: `H-status ${HOSTILE_TEXT}`,
    });
    assert.equal(status.status, 200, status.text);

    // As the events arrived live, and as anyone opening the run sees them.
    await assertRunPageIntact(page, 'the live run page');
    await page.reload();
    await assertRunPageIntact(page, 'the reloaded run page');

    assert.deepEqual(dialogs, [], 'dialogs opened');
    assert.deepEqual(
      blocked.filter(request => request.type === 'image'),
      [],
      'image requests outside loopback',
    );
    assert.deepEqual(
      blocked.filter(request =>
        HOSTILE_HOSTS.some(host => request.url.includes(host)),
      ),
      [],
      'requests to the hosts of the payloads',
    );

    assert.equal(
      await sendDelete(`${API}/workflows/${identifier}`, authorization),
      204,
    );
  } finally {
    await receiver.close();
  }
}

runSuite('hostile content', [
  [
    'hostile callback content and workflow text never break the run page, link anywhere dangerous or load remote images',
    hostileContentTest,
  ],
]);

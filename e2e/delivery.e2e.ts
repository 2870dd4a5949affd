/*
 * End-to-end test of resending a run's request, in real headless Chromium
 * against the app that scripts/e2e.sh starts, after the other suites.
 *
 * The test plays the receiver itself, on the loopback port the app allows:
 * down (503) for the first request, up (200) for the rest. A workflow of one
 * attempt fails on the first; resending it from the run page succeeds, and
 * the receiver sees the same webhook-id both times, which is how it would
 * tell a resend from a new request.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertEveryControlLabelled } from './accessibility';
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

/** 503 for the first request, as a receiver in the middle of a deploy; 200 after. */
function downOnce(index: number) {
  return index === 0
    ? { status: 503, body: 'deploying, try again later' }
    : {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"ok":true}',
      };
}

async function resendTest(browser: Browser) {
  const receiver = await startStandInReceiver(downOnce);
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
  });
  const { page, authorization } = await signedInWithToken(
    context,
    /Ada Lovelace/,
  );
  const identifier = `resend-e2e-${Date.now().toString(36)}`;
  const name = `Resend e2e ${identifier}`;
  let created = false;
  try {
    const published = await post(`${API}/workflows`, authorization, {
      identifier,
      name,
      description: 'Notifies a receiver that is down at first.',
      scope: { type: 'global' },
      execution: { type: 'simple' },
      access: { type: 'everyone' },
      parameters: [],
      request: {
        method: 'POST',
        url: receiver.url,
        headers: { 'content-type': 'application/json' },
        body: '{"run": "{{run.id}}"}',
      },
      delivery: { maxAttempts: 1 },
    });
    assert.equal(published.status, 201, published.text);
    created = true;

    await page.goto(`${APP}/self-service`);
    await page
      .getByRole('searchbox', { name: 'Search workflows' })
      .fill(identifier);
    await page
      .getByRole('article', { name })
      .getByRole('button', { name: 'Run' })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/self-service\/runs\/[0-9a-f-]{36}$/);

    // One attempt, and the receiver was down: the run fails.
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline
      .getByText(/Status changed from In progress to Failed/)
      .waitFor({ timeout: 60_000 });
    await timeline
      .getByText(
        `Sent HTTP request POST ${receiver.url} — 503 Service Unavailable`,
        { exact: false },
      )
      .waitFor();
    assert.equal(receiver.received.length, 1);

    const resend = page.getByRole('button', { name: 'Resend request' });
    await assertEveryControlLabelled(page, 'the failed run page');
    await resend.click();
    const confirm = page.getByRole('dialog', { name: 'Resend the request?' });
    await confirm
      .getByText('Send the request again with the same inputs and webhook-id?')
      .waitFor();
    await assertEveryControlLabelled(page, 'the resend dialog');
    await confirm.getByRole('button', { name: 'Resend request' }).click();

    // The second attempt finds the receiver up: the run succeeds.
    await page.getByText('The request is being sent again.').waitFor();
    await timeline
      .getByText(/Status changed from Failed to In progress/)
      .waitFor();
    const second = timeline.getByRole('listitem').filter({
      hasText: `Attempt 2 of 2: sent HTTP request POST ${receiver.url} — 200 OK`,
    });
    await second.waitFor({ timeout: 60_000 });
    await timeline
      .getByText(/Status changed from In progress to Succeeded/)
      .waitFor({ timeout: 60_000 });
    assert.equal(await resend.count(), 0, 'Resend request on a succeeded run');

    // The same delivery, sent twice: the receiver can tell.
    await until('the second request', () => receiver.received[1]);
    assert.equal(receiver.received.length, 2);
    const [first, again] = receiver.received.map(r => r.headers['webhook-id']);
    assert.match(String(first), /^\S+$/, 'the webhook-id of the first request');
    assert.equal(again, first, 'the webhook-id of the resent request');
    assert.equal(receiver.received[1].body, receiver.received[0].body);

    // Its operator finds the id on the run page, to search their logs for.
    await second.getByRole('button', { name: 'View' }).click();
    const request = page.getByRole('dialog', { name: 'HTTP request' });
    const summary = request.getByRole('table', { name: 'Summary' });
    const row = (header: string) =>
      summary.getByRole('row').filter({
        has: page.getByRole('rowheader', { name: header, exact: true }),
      });
    assert.equal(
      (await row('webhook-id').getByRole('cell').innerText()).trim(),
      first,
    );
    assert.equal(
      (await row('Attempt').getByRole('cell').innerText()).trim(),
      '2 of 2',
    );
  } finally {
    if (created) {
      await sendDelete(`${API}/workflows/${identifier}`, authorization);
    }
    await receiver.close();
  }
}

runSuite('delivery', [
  [
    'a failed run of one attempt is resent from the run page and succeeds, with the same webhook-id',
    resendTest,
  ],
]);

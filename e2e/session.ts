/*
 * Signing in and talking to the app's API in the end-to-end tests, against
 * the app scripts/e2e.sh starts.
 */
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';

/**
 * The frontend under test: the legacy app (packages/app) unless E2E_APP_URL
 * names another, such as the new-frontend-system app on :3001 or a backend
 * that serves the built frontend itself (then E2E_BACKEND_URL names it too).
 */
export const APP = process.env.E2E_APP_URL ?? 'http://localhost:3000';
export const API = `${
  process.env.E2E_BACKEND_URL ?? 'http://localhost:7007'
}/api/self-service`;

/**
 * Signs in as the example user whose option matches `user`, and returns the
 * page with the Backstage token its API calls carry, for calls of the test's
 * own.
 */
export async function signedInWithToken(context: BrowserContext, user: RegExp) {
  const page = await context.newPage();
  await page.goto(`${APP}/self-service`);
  const apiCall = page.waitForRequest(request =>
    request.url().startsWith(`${API}/`),
  );
  await page.getByRole('radio', { name: user }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  const authorization = (await (await apiCall).allHeaders()).authorization;
  assert.match(authorization ?? '', /^Bearer \S+$/);
  return { page, authorization: authorization! };
}

/** POSTs JSON with a token; resolves to the status and the body's text. */
export async function post(url: string, authorization: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** DELETEs with a token; resolves to the status. */
export async function sendDelete(url: string, authorization: string) {
  const response = await fetch(url, {
    method: 'DELETE',
    headers: { authorization },
  });
  return response.status;
}

/** Waits until `find` finds something (30 s at most) and returns it. */
export async function until<T>(what: string, find: () => T | undefined) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = find();
    if (found !== undefined) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/*
 * Accessibility checks the end-to-end suites share.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Roles of the controls a person operates; each needs an accessible name. */
const CONTROL_ROLES = [
  'button',
  'checkbox',
  'combobox',
  'link',
  'listbox',
  'radio',
  'searchbox',
  'slider',
  'spinbutton',
  'switch',
  'tab',
  'textbox',
];
const UNNAMED_CONTROL = new RegExp(
  `^\\s*- (${CONTROL_ROLES.join('|')})(?: \\[[^\\]]*\\])*(?::.*)?$`,
);

/**
 * Fails when a control on the page (or in its open dialog) has no accessible
 * name, the way a screen reader would meet it: Chromium's accessibility tree
 * through Playwright's ARIA snapshot.
 */
export async function assertEveryControlLabelled(page: Page, where: string) {
  const snapshot = await page.locator('body').ariaSnapshot();
  const unnamed = snapshot
    .split('\n')
    .filter(line => UNNAMED_CONTROL.test(line));
  assert.deepEqual(unnamed, [], `controls without a label on ${where}`);
}

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../electron/server/server.ts';
import { repoRoot, tempDir } from '../helpers.ts';

export { chromiumArgs, chromiumPath, hasChromium } from './browserConfig.ts';
import { hasChromium as hasChromiumHere } from './browserConfig.ts';
export const screenshotDir = path.join(repoRoot, 'test-output/screenshots');

/**
 * How long a browser test waits for what it expects to appear: a condition it waits for, never
 * a window it must be met in, so a busy machine only makes the test slower.
 */
export const WAIT_MS = 60_000;

/** Connects to the run's one Chromium (test/e2e/globalSetup.ts, which also built the UI). */
export async function launch(): Promise<Browser> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  return chromium.connect(inject('chromiumWs'));
}

/** Connects the test file to the shared Chromium for its tests (where there is one); the getter gives the browser. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (hasChromiumHere) browser = await launch();
  }, 120_000);
  afterAll(() => browser?.close());
  return () => browser!;
}

/** A fresh `callsim serve` on a temporary database, and a 1440×900 page on it that records console errors. */
export async function openUi(browser: Browser): Promise<{ server: RunningServer; page: Page; errors: string[]; close: () => Promise<void> }> {
  const server = await startServer({ dbPath: path.join(tempDir('callsim-e2e-'), 'e2e.db') });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('[data-state="active.conversation.listening"]');
  return {
    server,
    page,
    errors,
    close: async () => {
      await page.close();
      await server.close();
    },
  };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });

/** Moves a range input the way a user's drag does (React listens to its input events). */
export async function scrubTo(page: Page, atMs: number): Promise<void> {
  await page.locator('[data-testid=scrubber]').evaluate((el, v) => {
    const input = el as HTMLInputElement;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, atMs);
}

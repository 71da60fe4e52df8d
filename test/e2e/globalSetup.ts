import fs from 'node:fs';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { buildRenderer, rendererIsStale } from '../../electron/server/uiBuild.ts';
import { chromiumArgs, chromiumPath } from './browserConfig.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The WebSocket of the one Chromium the browser test files share ('' where there is none). */
    chromiumWs: string;
  }
}

/**
 * Once per test run: builds the UI if it is missing or stale (once, before any file that serves
 * it), and starts one headless Chromium that every browser test file connects to, instead of a
 * build check and a browser per file.
 */
export default async function shareOneBrowser(project: TestProject): Promise<() => Promise<void>> {
  if (rendererIsStale()) await buildRenderer();
  let server: BrowserServer | null = null;
  if (fs.existsSync(chromiumPath)) server = await chromium.launchServer({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  project.provide('chromiumWs', server?.wsEndpoint() ?? '');
  return async () => {
    await server?.close();
  };
}

// `npx tsx test/bench/pageReady.ts [--runs 7] [label=dir ...]`: the bench's "UI: page ready" row
// alone, for one or more builds of the UI side by side. Each build is served by its own server
// (a temporary database each) and the page loads alternate between them, so every build is
// measured under the same load. Without a dir, dist/renderer (built if stale).
// A tool for the project, run from the sources through tsx; not part of the `callsim` command.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer, type RunningServer } from '../../electron/server/server.ts';
import { buildRenderer, rendererIsStale } from '../../electron/server/uiBuild.ts';
import { defaultRendererDir } from '../../electron/server/static.ts';
import { chromiumArgs, chromiumPath } from '../e2e/browserConfig.ts';
import { pageReadyOnce, timing } from './ui.ts';

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string', default: '7' } }, allowPositionals: true, strict: true });
const runs = Number(values.runs);
const builds = positionals.length ? positionals.map((p) => (p.includes('=') ? p.split('=', 2) : [p, p]) as [string, string]) : [['dist/renderer', defaultRendererDir] as [string, string]];
if (!positionals.length && rendererIsStale()) await buildRenderer();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-pageready-'));
const servers: RunningServer[] = [];
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
try {
  for (const [label, dir] of builds) servers.push(await startServer({ dbPath: path.join(tmp, `${servers.length}.db`), rendererDir: dir, log: (l) => process.stderr.write(`${label}: ${l}\n`) }));
  // one load each first, not counted: Chromium's own start-up costs
  for (const s of servers) await pageReadyOnce(browser, s.url);
  const times = builds.map(() => [] as { drawnMs: number; seenMs: number }[]);
  for (let i = 0; i < runs; i++) for (const [j, s] of servers.entries()) times[j].push(await pageReadyOnce(browser, s.url));
  for (const [j, [label]] of builds.entries()) {
    const line = (what: string, xs: number[]) => {
      const t = timing(xs);
      return `${label}: ${what} p50 ${t.p50Ms.toFixed(0)} ms, max ${t.maxMs.toFixed(0)} ms over ${t.n} fresh tabs (${xs.map((x) => x.toFixed(0)).join(', ')})\n`;
    };
    process.stdout.write(
      line(
        'page ready (painted)',
        times[j].map((t) => t.drawnMs),
      ) +
        line(
          '  read by the bench',
          times[j].map((t) => t.seenMs),
        ),
    );
  }
  process.stdout.write(
    `load average: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

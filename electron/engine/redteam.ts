import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { ExpectationFailure } from '../../shared/expect.ts';
import type { RunTrace } from '../../shared/graph.ts';
import { InputError } from '../../shared/validate.ts';

/** What one scenario of a suite did. */
export interface SuiteCaseResult {
  file: string;
  name: string;
  outcome: string;
  handoffReason: string | null;
  handoffAtMs: number | null;
  durationMs: number;
  sessionId: string | null;
  failures: ExpectationFailure[];
  error: string | null;
  /** Wall time this case took to run, in ms. */
  wallMs: number;
  trace: RunTrace | null;
}

export const passed = (r: SuiteCaseResult) => r.failures.length === 0 && r.error === null;

/** `--shard 2/4` → the files whose index (in sorted order) falls in slice 2 of 4. Pure. */
export function shardOf<T>(items: readonly T[], spec: string | undefined): T[] {
  if (!spec) return [...items];
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new InputError('callsim redteam', '--shard', `"${spec}" is not i/n with 1 ≤ i ≤ n (e.g. 1/4)`);
  return items.filter((_, k) => k % n === i - 1);
}

export interface SuiteOptions {
  /** Worker threads; defaults to the machine's cores, never more than the cases. */
  jobs?: number;
  coverage?: boolean;
  /** Save each call as a session in this database. */
  db?: string;
  onResult?: (r: SuiteCaseResult, done: number, total: number) => void;
}

const repo = path.resolve(import.meta.dirname, '../..');

/**
 * The worker's code as one plain-JavaScript file, bundled from today's sources on every suite
 * (about 50 ms, once, in this thread) instead of each worker loading ~40 TypeScript files through
 * tsx (about 0.5 s wall and 0.8 s of CPU a worker, paid again by every worker). The JavaScript
 * packages (xstate, zod, jsonc-parser) are bundled in too: loaded from node_modules, each worker
 * resolved, lexed and compiled a few hundred of their files (zod alone ~90 ms); the native ones
 * stay outside. `mainFields` takes a package's ES module build where it has one (jsonc-parser's
 * default is a UMD file that requires its parts at run time). The file sits two folders below the
 * project, as the sources do, so what the engine resolves relative to itself still resolves.
 * Named by its content: concurrent suites share one file, and an edited engine never runs a
 * stale bundle. Effects: writes dist/redteam.
 */
export async function workerBundle(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(repo, 'electron/engine/redteamWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'onnxruntime-node'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.contents;
  const dir = path.join(repo, 'dist/redteam');
  const file = path.join(dir, `worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * A worker's young generation: calls allocate mostly short-lived objects (events, journal rows,
 * snapshots), and a larger nursery scavenges less often and promotes less of them. In paired
 * runs of `npm run bench -- --only red-team` 64 MB took the 2-worker side from 1.37× to about
 * 1.55× the 1-core time; the host's noise was larger than that difference in later runs.
 */
const WORKER_YOUNG_GENERATION_MB = 64;

/**
 * Runs scenario files in parallel on worker threads, each scenario on its own virtual clock.
 * Results come back in file order whatever order they finish in.
 */
export async function runSuite(files: readonly string[], o: SuiteOptions = {}): Promise<SuiteCaseResult[]> {
  if (files.length === 0) return [];
  const jobs = Math.max(1, Math.min(o.jobs ?? os.availableParallelism(), files.length));
  const results: SuiteCaseResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const entry = await workerBundle();
  const workers = Array.from(
    { length: jobs },
    () => new Worker(entry, { workerData: { coverage: !!o.coverage, db: o.db ?? null }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const feed = () => {
              if (next >= files.length) return;
              const index = next++;
              inFlight++;
              w.postMessage({ index, file: files[index] });
            };
            w.on('message', (msg: { index: number; result: SuiteCaseResult }) => {
              results[msg.index] = msg.result;
              inFlight--;
              o.onResult?.(msg.result, ++done, files.length);
              feed();
              if (inFlight === 0 && next >= files.length) resolve();
            });
            w.on('error', reject);
            w.on('exit', (code) => (next < files.length || done < files.length ? code !== 0 && reject(new Error(`a red-team worker exited with code ${code}`)) : undefined));
            // two cases in flight per worker, so it never waits on a round trip to this thread
            feed();
            feed();
            if (inFlight === 0) resolve(); // more workers than cases: this one has nothing to do
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A JUnit XML report of a suite (one testcase per scenario), with coverage as properties. Pure. */
export function junitReport(results: readonly SuiteCaseResult[], coverage?: { states: { total: number; entered: number; never: string[] }; transitions: { total: number; taken: number; never: string[] } }): string {
  const failures = results.filter((r) => !passed(r)).length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="callsim redteam" tests="${results.length}" failures="${failures}">`];
  lines.push(`  <testsuite name="callsim redteam" tests="${results.length}" failures="${failures}" time="${time(results.reduce((a, r) => a + r.wallMs, 0))}">`);
  if (coverage) {
    lines.push('    <properties>');
    lines.push(`      <property name="coverage.states" value="${coverage.states.entered}/${coverage.states.total}"/>`);
    lines.push(`      <property name="coverage.transitions" value="${coverage.transitions.taken}/${coverage.transitions.total}"/>`);
    for (const s of coverage.states.never) lines.push(`      <property name="coverage.state.never" value="${xml(s)}"/>`);
    for (const t of coverage.transitions.never) lines.push(`      <property name="coverage.transition.never" value="${xml(t)}"/>`);
    lines.push('    </properties>');
  }
  for (const r of results) {
    lines.push(`    <testcase classname="redteam" name="${xml(r.name)}" file="${xml(r.file)}" time="${time(r.wallMs)}">`);
    if (r.error) lines.push(`      <error message="${xml(r.error)}"/>`);
    for (const f of r.failures) lines.push(`      <failure message="${xml(`expect.${f.key}: expected ${f.expected}, got ${f.actual}`)}"/>`);
    lines.push(`      <system-out>${xml(`${r.outcome}${r.handoffReason ? ` ${r.handoffReason} at ${r.handoffAtMs} ms` : ''}${r.sessionId ? ` session ${r.sessionId}` : ''}`)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

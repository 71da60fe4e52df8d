import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ExpectationFailure } from '../../shared/expect.ts';
import type { RunTrace } from '../../shared/graph.ts';
import { InputError } from '../../shared/validate.ts';

/** What one scenario of a suite did. */
export interface SuiteCaseResult {
  file: string;
  /** The scenario's name; with `--repeat`, and its repetition and seed: `name #2 (seed 8)`. */
  name: string;
  /** The seed the call ran with (the scenario's, or with `--repeat` the scenario's plus the repetition's index). */
  seed: number | null;
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
  /**
   * Worker threads, all started at once, never more than the cases. Without it the pool
   * starts one and adds more, up to the machine's cores, while the work left is worth one.
   */
  jobs?: number;
  coverage?: boolean;
  /** Save each call as a session in this database. */
  db?: string;
  onResult?: (r: SuiteCaseResult, done: number, total: number) => void;
  /** Called as the pool starts each worker, with how many it now has. */
  onWorkers?: (workers: number) => void;
  /** The environment variables the scenarios' models and tools may read (--allow-env; world/secrets.ts). */
  allowEnv?: readonly string[];
  /** Run each scenario this many times, the i-th (from 0) with its seed + i (`--repeat N`; default 1). */
  repeat?: number;
}

/** One call of a suite: a scenario file, and which of its repetitions (`repeats` in all). */
export interface SuiteCase {
  file: string;
  repetition: number;
  repeats: number;
}

/** The seed and name of a repetition: the scenario's own for one run; seed + i and `name #i+1 (seed s)` when repeated. Pure. */
export function repetitionOf(scenario: { name: string; seed?: number }, c: Pick<SuiteCase, 'repetition' | 'repeats'>, defaultSeed: number): { seed: number; name: string } {
  const seed = (scenario.seed ?? defaultSeed) + c.repetition;
  return c.repeats > 1 ? { seed, name: `${scenario.name} #${c.repetition + 1} (seed ${seed})` } : { seed, name: scenario.name };
}

const repo = path.resolve(import.meta.dirname, '../..');

/**
 * Set by the build (electron/cli/build.mjs) to the file name of the worker it bundled beside
 * the CLI; not defined when the engine runs from its sources.
 */
declare const CALLSIM_PREBUILT_WORKER: string | undefined;

/**
 * The worker's code as one plain-JavaScript file. Running from the build (dist/cli), the worker
 * the build made with it. Running from sources, bundled from today's sources on every suite
 * (about 50 ms, once, in this thread; build.mjs's bundleWorker, the same bundle the build makes)
 * instead of each worker loading ~40 TypeScript files through tsx (about 0.5 s wall and 0.8 s of
 * CPU a worker, paid again by every worker). The JavaScript packages (xstate, zod, jsonc-parser)
 * are bundled in too: loaded from node_modules, each worker resolved, lexed and compiled a few
 * hundred of their files (zod alone ~90 ms); the native ones stay outside. The file sits two
 * folders below the project, as the sources do, so what the engine resolves relative to itself
 * still resolves. Named by its content: concurrent suites share one file, and an edited engine
 * never runs a stale bundle. Effects: from sources, writes dist/redteam.
 */
export async function workerBundle(): Promise<string> {
  if (typeof CALLSIM_PREBUILT_WORKER === 'string') return path.join(import.meta.dirname, CALLSIM_PREBUILT_WORKER);
  // build.mjs is the project's bundler more than a part of the command: from sources the engine
  // has it make the very bundle the build makes, rather than a second way to bundle the worker.
  // eslint-disable-next-line no-restricted-syntax
  const { bundleWorker } = await import('../cli/build.mjs');
  return (await bundleWorker(path.join(repo, 'dist/redteam'))).file;
}

/**
 * A worker's young generation: calls allocate mostly short-lived objects (events, journal rows,
 * snapshots), and a larger nursery scavenges less often and promotes less of them. In paired
 * runs of `npm run bench -- --only red-team` 64 MB took the 2-worker side from 1.37× to about
 * 1.55× the 1-core time; the host's noise was larger than that difference in later runs.
 */
const WORKER_YOUNG_GENERATION_MB = 64;

/**
 * When the pool chooses its size (no `jobs`), another worker starts only while the work left
 * would keep the pool busy longer than this. A new worker starts, loads and JIT-compiles the
 * engine for itself before it is any help, on the cores the others use. Measured on this 2-core
 * machine, one worker against two: the 21-scenario library 0.46–0.70 s against 0.60–0.76 s,
 * 420 calls 1.3–1.8 s against 1.8–2.0 s, 1,050 calls about even, 2,100 calls 4.0–4.9 s against
 * 3.4–4.1 s. The rate the pool reads early comes from cold code and overstates the work left
 * about threefold (4–5 ms a call at 128 results, ~1 ms once warm), hence the margin.
 */
const WORKER_PAYS_OFF_MS = 2500;

/**
 * The pool's rate is read over its latest RATE_WINDOW results, or fewer if they span
 * RATE_SPAN_MS (a voiced scenario takes about a second a case); it looks again every
 * POOL_CHECK_MS between results.
 */
const RATE_WINDOW = 128;
const RATE_SPAN_MS = 1000;
const POOL_CHECK_MS = 100;

/**
 * Whether a pool choosing its own size should start another worker now: `left` cases not yet
 * finished, `recent` when the latest results came (oldest first), at `now` (ms). The rate
 * counts the wait since the last result, so a slow case raises it while it runs. Pure.
 */
export function worthAnotherWorker(left: number, recent: readonly number[], now: number): boolean {
  if (recent.length === 0) return false;
  const span = now - recent[0]!;
  if (recent.length < RATE_WINDOW && span < RATE_SPAN_MS) return false; // too little seen to judge
  return left * (span / recent.length) > WORKER_PAYS_OFF_MS;
}

/**
 * Runs scenario files in parallel on worker threads, each scenario on its own virtual clock.
 * Results come back in file order whatever order they finish in. With `jobs`, that many
 * workers start at once. Without it, the pool starts one and adds another (up to the machine's
 * cores) while the cases left would keep it busy longer than WORKER_PAYS_OFF_MS at the rate
 * results have been coming (worthAnotherWorker): a suite of a few hundred text scenarios runs
 * on one worker that gets warm, one of thousands on every core.
 */
export async function runSuite(scenarioFiles: readonly string[], o: SuiteOptions = {}): Promise<SuiteCaseResult[]> {
  const repeats = o.repeat ?? 1;
  const files: SuiteCase[] = scenarioFiles.flatMap((file) => Array.from({ length: repeats }, (_, repetition) => ({ file, repetition, repeats })));
  if (files.length === 0) return [];
  const most = Math.max(1, Math.min(o.jobs ?? os.availableParallelism(), files.length));
  const results: SuiteCaseResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const entry = await workerBundle();
  const workers: Worker[] = [];
  // when the latest results came: the pool's rate
  const recent: number[] = [];
  let settle!: (err?: Error) => void;
  const finished = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
  const start = () => {
    const w = new Worker(entry, { workerData: { coverage: !!o.coverage, db: o.db ?? null, allowEnv: o.allowEnv ?? [] }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    workers.push(w);
    o.onWorkers?.(workers.length);
    const feed = () => {
      if (next >= files.length) return;
      const index = next++;
      w.postMessage({ index, case: files[index] });
    };
    w.on('message', (msg: { index: number; result: SuiteCaseResult }) => {
      results[msg.index] = msg.result;
      recent.push(performance.now());
      if (recent.length > RATE_WINDOW) recent.shift();
      done++; // (not inside onResult?.(…): an absent callback would skip the count)
      o.onResult?.(msg.result, done, files.length);
      feed();
      if (done === files.length) settle();
      else grow();
    });
    w.on('error', (err) => settle(err));
    w.on('exit', (code) => {
      if (done < files.length) settle(new Error(`a red-team worker exited with code ${code}`));
    });
    // two cases in flight per worker, so it never waits on a round trip to this thread
    feed();
    feed();
  };
  /** Starts another worker if the pool may, and (choosing its own size) the work left is worth one. */
  const grow = () => {
    if (workers.length >= most || next >= files.length) return;
    if (o.jobs === undefined && !worthAnotherWorker(files.length - done, recent, performance.now())) return;
    start();
  };
  start();
  while (o.jobs !== undefined && workers.length < most) start();
  const check = setInterval(grow, POOL_CHECK_MS);
  try {
    await finished;
  } finally {
    clearInterval(check);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A JUnit XML report of a suite (one testcase per scenario), with coverage as properties. Pure. */
export function junitReport(
  results: readonly SuiteCaseResult[],
  coverage?: { states: { total: number; entered: number; never: string[] }; transitions: { total: number; taken: number; never: string[]; legacy: string[]; liveOnly: string[] } },
): string {
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
    for (const t of coverage.transitions.legacy) lines.push(`      <property name="coverage.transition.legacy" value="${xml(t)}"/>`);
    for (const t of coverage.transitions.liveOnly) lines.push(`      <property name="coverage.transition.liveOnly" value="${xml(t)}"/>`);
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

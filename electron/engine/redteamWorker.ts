import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { readScenario } from '../input/files.ts';
import { traceCollector } from '../../shared/graph.ts';
import { SessionStore } from '../store/sessions.ts';
import { runScenario } from './session.ts';
import { callEnv } from '../world/secrets.ts';
import { repetitionOf, type SuiteCase, type SuiteCaseResult } from './redteam.ts';
import { defaultSeed } from './setup.ts';

const { coverage, db, allowEnv } = workerData as { coverage: boolean; db: string | null; allowEnv: string[] };
const store = db ? new SessionStore(db) : null;
const env = callEnv(allowEnv);

parentPort!.on('message', async ({ index, case: c }: { index: number; case: SuiteCase }) => {
  const { file } = c;
  const t0 = performance.now();
  let result: SuiteCaseResult;
  try {
    const scenario = readScenario(file);
    const { seed, name } = repetitionOf(scenario, c, defaultSeed);
    const tracer = coverage ? traceCollector() : null;
    const run = await runScenario(scenario, store ? { store } : null, { env, seed, inspect: tracer ? (e) => tracer.observe(e as never) : undefined });
    result = {
      file,
      name,
      seed,
      outcome: run.result.outcome,
      handoffReason: run.result.handoff?.reason ?? null,
      handoffAtMs: run.result.handoff?.atMs ?? null,
      durationMs: run.result.durationMs,
      sessionId: store ? run.sessionId : null,
      failures: run.failures,
      error: run.error ? run.error.message : null,
      wallMs: performance.now() - t0,
      trace: tracer ? { entered: tracer.trace.entered, taken: tracer.trace.taken } : null,
    };
  } catch (err) {
    result = {
      file,
      name: c.repeats > 1 ? `${file} #${c.repetition + 1}` : file,
      seed: null,
      outcome: 'error',
      handoffReason: null,
      handoffAtMs: null,
      durationMs: 0,
      sessionId: null,
      failures: [],
      error: (err as Error).message,
      wallMs: performance.now() - t0,
      trace: null,
    };
  }
  parentPort!.postMessage({ index, result });
});

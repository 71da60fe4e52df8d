import type { Scenario } from '../../shared/scenario.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { buildRunResult, type RunResult } from '../../shared/result.ts';
import { checkExpectations, type ExpectationFailure } from '../../shared/expect.ts';
import type { SessionStore } from '../store/sessions.ts';
import { CallRunner, type CallSetup, type RunOptions } from './runner.ts';
import { setupFor, type SetupOverrides } from './setup.ts';

export interface SessionRun {
  sessionId: string;
  result: RunResult;
  entries: JournalEntry[];
  failures: ExpectationFailure[];
  error: Error | null;
}

export interface StoreTarget {
  store: SessionStore;
  parentId?: string;
  relation?: 'whatif' | 'fork';
  forkAtMs?: number;
}

/**
 * Runs one call and saves it as a session: creates the session row, journals as the call
 * goes (every 512 rows, and at each realtime tick), stores the result.
 * Effects: writes to the store.
 */
export async function runSession(
  setup: CallSetup,
  target: StoreTarget | null,
  opts: Omit<RunOptions, 'sink'> & { expect?: Scenario['expect']; onStart?: (runner: CallRunner, sessionId: string) => void },
): Promise<SessionRun> {
  const seedMaterial = { source: setup.source, policy: setup.policy, faults: setup.faults, seed: setup.seed, strict: setup.strict, parent: target?.parentId, at: target?.forkAtMs };
  const sessionId = target
    ? target.store.createSession({ source: setup.source, seedMaterial, strict: setup.strict, parentId: target.parentId, relation: target.relation, forkAtMs: target.forkAtMs })
    : 'unsaved';
  // The runner flushes after every tick, so a tick's rows (an input and the transitions it caused) commit together.
  const sink = target?.store.journalWriter(sessionId, 512);
  const runner = new CallRunner(setup, { ...opts, sink });
  opts.onStart?.(runner, sessionId);
  await runner.run();
  const result = buildRunResult(sessionId, runner.entries);
  if (runner.error) result.outcome = 'error';
  target?.store.complete(sessionId, result);
  return { sessionId, result, entries: runner.entries, failures: checkExpectations(result, runner.entries, opts.expect), error: runner.error };
}

/** Runs a scenario headless on the virtual clock (or paced, with `realtime`) and saves it. */
export async function runScenario(
  scenario: Scenario,
  target: StoreTarget | null,
  o: SetupOverrides & Pick<RunOptions, 'onEntry' | 'inspect'> & { pacing?: 'virtual' | 'realtime'; onStart?: (runner: CallRunner, sessionId: string) => void } = {},
): Promise<SessionRun> {
  const setup = await setupFor({ kind: 'scenario', scenario }, o);
  return runSession(setup, target, { pacing: o.pacing ?? 'virtual', expect: scenario.expect, onStart: o.onStart, onEntry: o.onEntry, inspect: o.inspect });
}

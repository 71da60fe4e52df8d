import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenarioSchema, type Scenario } from '../shared/scenario.ts';
import { scenarioFiles } from '../electron/input/files.ts';
import { runScenario, type SessionRun } from '../electron/engine/session.ts';
import type { SetupOverrides } from '../electron/engine/setup.ts';

/** A scenario from a partial one (name, callsim: 1 and an empty caller filled in), validated. */
export function scenario(partial: Partial<Scenario> & { caller: Scenario['caller'] }): Scenario {
  return scenarioSchema.parse({ callsim: 1, name: 'test', ...partial });
}

/** Runs a scenario on the virtual clock without a store. */
export function run(partial: Partial<Scenario> & { caller: Scenario['caller'] }, o: SetupOverrides = {}): Promise<SessionRun> {
  return runScenario(scenario(partial), null, o);
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'callsim-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Times (ms) at which the machine entered a conversation state. */
export function enteredAt(r: SessionRun, state: string): number[] {
  return r.result.transitions.filter((t) => t.state === `active.conversation.${state}` || t.state.startsWith(`active.conversation.${state}.`)).map((t) => t.atMs);
}

/** The conversation's state sequence, without sub-states, collapsing repeats. */
export function conversationStates(r: SessionRun): string[] {
  const out: string[] = [];
  for (const t of r.result.transitions) {
    const m = /^active\.conversation\.(\w+)/.exec(t.state);
    const name = m ? m[1] : /^active\./.test(t.state) ? null : t.state;
    if (name && out[out.length - 1] !== name) out.push(name);
  }
  return out;
}

export const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * The compiled `callsim` (package.json's "bin"), which tests spawn as a user runs it. The test
 * run builds it from the current sources first (test/globalSetup.ts).
 */
export const cliBin = path.join(repoRoot, 'dist/cli/callsim.mjs');

/** The scenario library's folder. */
export const libraryDir = path.join(repoRoot, 'recordings/scenarios');

/** The library's scenario file names, sorted, as `callsim redteam recordings/scenarios` lists them. */
export const libraryNames = (): string[] => scenarioFiles([libraryDir]).map((f) => path.basename(f));

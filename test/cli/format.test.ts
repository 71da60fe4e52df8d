import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { formatRunSummary } from '../../electron/cli/format.ts';
import { libraryDir } from '../helpers.ts';

/** The rows of `callsim run`'s summary from `from` seconds to `to`, without their times' padding. */
async function rows(file: string, from: number, to: number): Promise<string[]> {
  const s = readScenario(path.join(libraryDir, file));
  const run = await runScenario(s, null);
  return formatRunSummary(s.name, run.result, run.failures, run.entries)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+\.\d\ds /.test(l) && parseFloat(l) >= from && parseFloat(l) <= to);
}

describe("callsim run's summary", () => {
  it('shows speech over the agent: the backchannel, the pause, the resume, and no barge-in', async () => {
    expect(await rows('backchannel-resume.json', 5.5, 6.6)).toEqual(['5.61s  caller "uh-huh, yeah"  [backchannel]', '5.91s  agent  paused (caller speech)', '6.51s  agent  resumed (backchannel)']);
  });

  it('shows a barge-in as a pause, then the interrupted line and the caller', async () => {
    const r = await rows('barge-in.json', 0, 60);
    const paused = r.findIndex((l) => l.endsWith('agent  paused (caller speech)'));
    expect(paused).toBeGreaterThan(0);
    expect(r.some((l) => l.endsWith('[interrupted]'))).toBe(true);
    expect(r.some((l) => l.includes('resumed'))).toBe(false);
  });
});

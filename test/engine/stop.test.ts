import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runSession } from '../../electron/engine/session.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import { readScenario } from '../../electron/input/files.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { main } from '../../electron/cli/main.ts';
import type { CallRunner } from '../../electron/engine/runner.ts';
import { libraryDir, tempDir } from '../helpers.ts';

const cli = async (args: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
};

// The user's stop (stop button, the API's call.stop, Ctrl-C on a live call) is a journaled
// control: the session says 'stopped' and where, not 'error', and reads like any other.
describe('a call the user stops', () => {
  it('is stored as stopped where it was stopped, and replays, exports and imports like any session', async () => {
    const db = path.join(tempDir(), 'stop.db');
    const store = new SessionStore(db);
    let runner: CallRunner | null = null;
    let lines = 0;
    const run = await runSession(
      scenarioSetup(readScenario(path.join(libraryDir, 'happy-path.json'))),
      { store },
      {
        pacing: 'virtual',
        onStart: (r) => (runner = r),
        // stopped as the agent starts its second line, mid-call
        onEntry: (e) => {
          if (e.kind === 'command' && e.command.type === 'agent.speak' && ++lines === 2) runner!.stop();
        },
      },
    );
    expect(run.error).toBeNull();
    const journal = store.journal(run.sessionId);
    const stop = journal.find((e) => e.kind === 'input' && e.event.type === 'control.stop')!;
    expect(stop).toBeDefined();
    expect(journal.some((e) => e.kind === 'command' && e.command.type === 'call.end')).toBe(false);
    expect(run.result).toMatchObject({ outcome: 'stopped', durationMs: stop.atMs, handoff: null });
    // the line being said is cut off there
    const agentTurns = run.result.turns.filter((t) => t.speaker === 'agent');
    expect(agentTurns).toHaveLength(2);
    expect(agentTurns[1]).toMatchObject({ endMs: stop.atMs, interrupted: true });
    expect(store.get(run.sessionId)).toMatchObject({ status: 'complete', outcome: 'stopped' });
    store.close();

    const list = await cli(['sessions', 'list', '--json', '--db', db]);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ sessionId: run.sessionId, outcome: 'stopped' })]);
    const replay = await cli(['replay', run.sessionId, '--json', '--db', db]);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ identical: true });
    // the export passes the import's journal schema and comes back the same
    const file = path.join(tempDir(), 'stopped.json');
    expect((await cli(['sessions', 'export', run.sessionId, '-o', file, '--db', db])).code).toBe(0);
    const other = path.join(tempDir(), 'other.db');
    const imported = await cli(['sessions', 'import', file, '--db', other]);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    const again = new SessionStore(other);
    try {
      expect(again.result(run.sessionId)).toEqual(run.result);
    } finally {
      again.close();
    }
    expect(fs.existsSync(file)).toBe(true);
  });

  it('a call that has ended is not stopped again: nothing is journaled', async () => {
    let runner: CallRunner | null = null;
    const run = await runSession(scenarioSetup(readScenario(path.join(libraryDir, 'happy-path.json'))), null, { pacing: 'virtual', onStart: (r) => (runner = r) });
    const before = run.entries.length;
    runner!.stop();
    expect(run.entries.length).toBe(before);
    expect(run.result.outcome).toBe('completed');
  });
});

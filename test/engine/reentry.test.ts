import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { replayJournal } from '../../shared/replay.ts';
import { repoRoot } from '../helpers.ts';

describe('a state the machine leaves and enters again', () => {
  it('is a transition: each failed model answer restarts thinking, and replay checks it', async () => {
    // model-outage: the model answers HTTP 500 three times in a row, 150 ms apart; the first two
    // re-enter thinking (its filler and budget timers start again), the third opens the breaker.
    const run = await runScenario(readScenario(path.join(repoRoot, 'recordings/scenarios/model-outage.json')), null);
    const failedAt = run.entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'agent.failed' ? [e.atMs] : []));
    expect(failedAt).toEqual([3370, 3520, 3670]);
    const thinking = run.result.transitions.filter((t) => t.state.startsWith('active.conversation.thinking')).map((t) => `${t.atMs} ${t.state}`);
    expect(thinking).toEqual(['3220 active.conversation.thinking.waiting', '3370 active.conversation.thinking.waiting', '3520 active.conversation.thinking.waiting']);
    expect(run.result.handoff).toMatchObject({ reason: 'backend_failure', atMs: 3670 });

    const replay = replayJournal(run.entries);
    expect(replay.identical).toBe(true);
    // a journal that lost one re-entry no longer matches the machine
    const i = run.entries.findIndex((e) => e.kind === 'transition' && e.atMs === 3370);
    const tampered = run.entries.filter((_, k) => k !== i);
    expect(replayJournal(tampered).divergence).toEqual({
      index: 6,
      atMs: 3370,
      expected: 'active.conversation.thinking.waiting at 3520 ms',
      actual: 'active.conversation.thinking.waiting at 3370 ms',
    });
  });
});

import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { JournalEntry } from '../../shared/events.ts';
import { replayJournal } from '../../shared/replay.ts';
import { callMachine } from '../../shared/machine.ts';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { libraryDir, libraryNames, repoRoot } from '../helpers.ts';

const goldenDir = path.join(repoRoot, 'test/fixtures/golden');
const golden = fs
  .readdirSync(goldenDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(goldenDir, f), 'utf8')).journal as JournalEntry[];

describe('golden sessions recorded by an earlier version replay identically', () => {
  it('there are golden sessions to replay', () => expect(golden.length).toBeGreaterThanOrEqual(6));
  for (const f of golden) {
    it(f, () => {
      const journal = load(f);
      const r = replayJournal(journal);
      expect(r.divergence).toBeNull();
      expect(r.transitions.length).toBe(journal.filter((e) => e.kind === 'transition').length);
    });
  }
});

describe('a tampered journal is caught at the first differing transition', () => {
  it('a tool result changed from error to ok', () => {
    const journal = load('crm-blackout.json');
    const i = journal.findIndex((e) => e.kind === 'input' && e.event.type === 'tool.result' && e.event.outcome === 'error');
    const tampered = structuredClone(journal);
    const ev = (tampered[i] as Extract<JournalEntry, { kind: 'input' }>).event as { outcome: string; data: unknown };
    ev.outcome = 'ok';
    ev.data = { customerId: 'C-1', name: 'X', tier: 'gold' };
    const r = replayJournal(tampered);
    expect(r.identical).toBe(false);
    // the first transition after the tampered event is where it shows
    const expectedIndex = journal.slice(0, i).filter((e) => e.kind === 'transition').length;
    expect(r.divergence).toMatchObject({ index: expectedIndex, atMs: journal[i].atMs });
    expect(r.divergence!.expected).toMatch(/toolFailed|toolBackoff/);
    expect(r.divergence!.actual).toMatch(/thinking/);
  });

  it('an input moved later in time', () => {
    const journal = load('barge-in.json');
    const i = journal.findIndex((e) => e.kind === 'input' && e.event.type === 'caller.speech.started');
    const tampered = structuredClone(journal);
    tampered[i].atMs += 7;
    const r = replayJournal(tampered);
    expect(r.divergence).toMatchObject({ atMs: journal[i].atMs + 7 });
  });

  it('a timer that the machine never set is reported, not thrown', () => {
    const journal = load('slow-model.json');
    const tampered = structuredClone(journal);
    const t = tampered.find((e) => e.kind === 'input' && e.event.type === 'timer.fired') as Extract<JournalEntry, { kind: 'input' }>;
    (t.event as { timerId: number }).timerId = 999;
    const r = replayJournal(tampered);
    expect(r.identical).toBe(false);
    expect(r.divergence!.actual).toBe('the machine has no such timer');
  });
});

describe('replay against a changed machine', () => {
  it('reports the first differing transition instead of crashing', () => {
    const changed = callMachine.provide({ delays: { fillerAfterMs: 100 } });
    const r = replayJournal(load('slow-model.json'), { machine: changed });
    expect(r.identical).toBe(false);
    expect(r.divergence!.actual).toMatch(/fillerPlayed/);
  });

  it('a machine that throws is a divergence at that place', () => {
    const broken = callMachine.provide({
      guards: {
        circuitBreakerFailures: () => {
          throw new Error('guard exploded');
        },
      },
    });
    const r = replayJournal(load('crm-blackout.json'), { machine: broken });
    expect(r.identical).toBe(false);
    expect(r.divergence!.actual).toMatch(/guard exploded/);
  });
});

describe('every scenario of the library replays identically', () => {
  const dir = libraryDir;
  for (const f of libraryNames()) {
    it(f, async () => {
      const run = await runScenario(readScenario(path.join(dir, f)), null);
      const r = replayJournal(run.entries);
      expect(r.divergence).toBeNull();
      expect(r.events).toBe(run.entries.filter((e) => e.kind === 'input').length);
    });
  }
});

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { SessionStore } from '../../electron/store/sessions.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { scenario, tempDir } from '../helpers.ts';
import { InputError } from '../../shared/validate.ts';
import { replayJournal } from '../../shared/replay.ts';
import type { JournalEntry } from '../../shared/events.ts';

const call = scenario({ name: 'store-test', caller: { turns: [{ at: 1000, say: 'My card is 4111 1111 1111 1111, what is my balance?' }, { say: 'Thanks, bye' }] } });

describe('session store', () => {
  it('saves a run with every journal row and gives the same result back', async () => {
    const store = new SessionStore(path.join(tempDir(), 's.db'));
    const run = await runScenario(call, { store });
    const [row] = store.list();
    expect(row).toMatchObject({ sessionId: run.sessionId, status: 'complete', outcome: 'completed', events: run.entries.length, source: 'scenario:store-test' });
    expect(store.journal(run.sessionId)).toEqual(run.entries);
    expect(store.result(run.sessionId)).toEqual(run.result);
  });

  it('ids derive from the inputs: the same call in a fresh store has the same id, a repeat gets a suffix', async () => {
    const a = new SessionStore(path.join(tempDir(), 'a.db'));
    const b = new SessionStore(path.join(tempDir(), 'b.db'));
    const r1 = await runScenario(call, { store: a });
    const r2 = await runScenario(call, { store: b });
    const r3 = await runScenario(call, { store: a });
    expect(r1.sessionId).toBe(r2.sessionId);
    expect(r3.sessionId).toBe(`${r1.sessionId}-2`);
    expect(a.list().map((s) => s.sessionId)).toEqual([r3.sessionId, r1.sessionId]);
  });

  it('export masks PII; import restores the session in another store', async () => {
    const store = new SessionStore(path.join(tempDir(), 'x.db'));
    const run = await runScenario(call, { store });
    const doc = store.export(run.sessionId);
    const text = JSON.stringify(doc);
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).toContain('••••1111');
    const other = new SessionStore(path.join(tempDir(), 'y.db'));
    expect(other.import('export.json', text)).toBe(run.sessionId);
    expect(other.get(run.sessionId)).toMatchObject({ status: 'complete', outcome: 'completed' });
    expect(() => other.import('export.json', text)).toThrow(/already exists/);
  });

  it("export masks a live caller's partial results like its other words", async () => {
    const store = new SessionStore(path.join(tempDir(), 'p.db'));
    const run = await runScenario(call, { store });
    const seq = run.entries.at(-1)!.seq;
    const writer = store.journalWriter(run.sessionId);
    writer.append({ seq: seq + 1, atMs: 9000, kind: 'input', event: { type: 'caller.partial', atMs: 9000, text: 'my card is 4111 1111 1111 1111' } });
    writer.append({ seq: seq + 2, atMs: 9000, kind: 'input', event: { type: 'caller.speech.turn' } });
    writer.flush();
    const journal = store.export(run.sessionId).journal as unknown as JournalEntry[];
    const partial = journal.find((e) => e.kind === 'input' && e.event.type === 'caller.partial');
    expect(partial).toMatchObject({ event: { type: 'caller.partial', atMs: 9000 } });
    expect(JSON.stringify(partial)).not.toContain('4111 1111 1111 1111');
    expect(JSON.stringify(partial)).toContain('••••1111');
    expect(journal.find((e) => e.kind === 'input' && e.event.type === 'caller.speech.turn')).toEqual({ seq: seq + 2, atMs: 9000, kind: 'input', event: { type: 'caller.speech.turn' } });
  });

  it('export masks only the words: ids that end in digits or say "account"/"phone" are kept, and the export imports back and replays', async () => {
    const dir = tempDir();
    const store = new SessionStore(path.join(dir, 'ids.db'));
    const named = { ...call, name: 'account 58921767 phone 5551234567' };
    const parent = await runScenario(named, { store });
    const repeat = await runScenario(named, { store }); // same inputs: the id gets a "-2" suffix
    const child = await runScenario(named, { store, parentId: repeat.sessionId, relation: 'whatif' });
    expect(repeat.sessionId).toBe(`${parent.sessionId}-2`);
    expect(repeat.sessionId).toMatch(/^account-58921767-phone-5551234567-[0-9a-f]{8}-2$/);

    for (const r of [repeat, child]) {
      const doc = store.export(r.sessionId);
      expect(doc.session).toMatchObject({ sessionId: r.sessionId, source: 'scenario:account 58921767 phone 5551234567', parentId: r === child ? repeat.sessionId : null });
      // the caller's card number is the only thing that changes, wherever it was written
      const expected = JSON.stringify(r.entries).replaceAll('4111 1111 1111 1111', '[card ••••1111]');
      expect(JSON.stringify(doc.journal)).toBe(expected);
      expect(JSON.stringify(doc)).not.toContain('4111 1111 1111 1111');

      const other = new SessionStore(path.join(dir, `${r.sessionId}.db`));
      expect(other.import('export.json', JSON.stringify(doc))).toBe(r.sessionId);
      expect(other.get(r.sessionId)).toMatchObject({ sessionId: r.sessionId, parentId: doc.session.parentId, status: 'complete', outcome: 'completed' });
      expect(replayJournal(other.journal(r.sessionId))).toMatchObject({ identical: true, divergence: null });
    }
  });

  it('the audited id "happy-path-58921767-2" survives export and import exactly', async () => {
    const dir = tempDir();
    const store = new SessionStore(path.join(dir, 'audit.db'));
    const run = await runScenario(call, { store });
    const doc = store.export(run.sessionId);
    const audited = { ...doc, session: { ...doc.session, sessionId: 'happy-path-58921767-2', parentId: 'happy-path-58921767', relation: 'whatif' } };
    const a = new SessionStore(path.join(dir, 'audit-a.db'));
    expect(a.import('audit.json', JSON.stringify(audited))).toBe('happy-path-58921767-2');
    const again = a.export('happy-path-58921767-2');
    expect(again.session).toMatchObject({ sessionId: 'happy-path-58921767-2', parentId: 'happy-path-58921767', relation: 'whatif' });
    const b = new SessionStore(path.join(dir, 'audit-b.db'));
    expect(b.import('again.json', JSON.stringify(again))).toBe('happy-path-58921767-2');
  });

  it('export keeps caller audio byte for byte even when its base64 holds a phone-like digit run', () => {
    const store = new SessionStore(path.join(tempDir(), 'audio.db'));
    const pcm16 = Buffer.from('+123456789/A', 'base64').toString('base64');
    expect(pcm16).toBe('+123456789/A'); // a real encoding of 9 bytes of samples
    const id = store.createSession({ source: { kind: 'mic' }, seedMaterial: 'audio', strict: false });
    const entries: JournalEntry[] = [
      { seq: 0, atMs: 0, kind: 'input', event: { type: 'session.started', policy: {} as never, faults: [], seed: 1, appVersion: 'test', source: { kind: 'mic' }, strict: false } },
      { seq: 1, atMs: 20, kind: 'input', event: { type: 'caller.audio', startMs: 0, endMs: 20, sampleRate: 16000, pcm16 } },
      { seq: 2, atMs: 900, kind: 'input', event: { type: 'asr.result', text: 'call me on 555-123-4567', confidence: 0.9 } },
    ];
    const sink = store.journalWriter(id);
    for (const e of entries) sink.append(e);
    sink.flush();
    const journal = store.export(id).journal as unknown as JournalEntry[];
    expect(journal[1]).toEqual(entries[1]);
    expect(journal[2]).toMatchObject({ event: { text: 'call me on [phone]' } });
  });

  it('a bad import file is refused and stores nothing', () => {
    const store = new SessionStore(path.join(tempDir(), 'z.db'));
    expect(() => store.import('bad.json', '{"callsimExport": 1, "session": {}')).toThrow(InputError);
    expect(() => store.import('bad.json', '{"callsimExport": 1, "session": {"sessionId": "x"}, "journal": []}')).toThrow(/bad\.json: \$\.session\./);
    expect(store.list()).toEqual([]);
  });

  it('a strict session stores caller text with PII masked', async () => {
    const store = new SessionStore(path.join(tempDir(), 'strict.db'));
    const run = await runScenario(call, { store }, { strict: true });
    const stored = JSON.stringify(store.journal(run.sessionId));
    expect(stored).not.toContain('4111 1111 1111 1111');
    expect(run.result.turns[1].text).toContain('[card ••••1111]');
  });

  it('resolves unique id prefixes and refuses unknown ones', async () => {
    const store = new SessionStore(path.join(tempDir(), 'p.db'));
    const run = await runScenario(call, { store });
    expect(store.resolve(run.sessionId.slice(0, 12)).sessionId).toBe(run.sessionId);
    expect(() => store.resolve('nope')).toThrow(/session "nope": no such session/);
  });
});

describe('an exported session decides as the original did', () => {
  it('a frustrated caller who reads out a card number: the masked export imports and replays identically', async () => {
    const angry = scenario({
      name: 'angry-card',
      caller: {
        turns: [{ at: 1000, say: 'This is annoying, my card is 4111 1111 1111 1111, what is my balance?' }, { say: 'Ugh. Account 12345678, and get me a representative if you cannot do it.' }],
      },
    });
    const store = new SessionStore(path.join(tempDir(), 'angry.db'));
    const run = await runScenario(angry, { store });
    const doc = store.export(run.sessionId);
    expect(JSON.stringify(doc)).not.toContain('4111 1111 1111 1111');
    const other = new SessionStore(path.join(tempDir(), 'angry-import.db'));
    other.import('angry.json', JSON.stringify(doc));
    const replay = replayJournal(other.journal(run.sessionId));
    expect(replay.divergence).toBeNull();
    expect(replay.transitions).toEqual(run.result.transitions.map((t) => expect.objectContaining(t)));
  });
});

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { SessionStore } from '../../electron/store/sessions.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { scenario, tempDir } from '../helpers.ts';
import { InputError } from '../../shared/validate.ts';

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

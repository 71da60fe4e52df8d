import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { SessionStore } from '../../electron/store/sessions.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { replaySession, whatIf } from '../../electron/engine/investigate.ts';
import { sessionToScenario } from '../../electron/engine/toScenario.ts';
import { readScenario } from '../../electron/input/files.ts';
import { InputError } from '../../shared/validate.ts';
import { libraryDir, libraryNames, tempDir } from '../helpers.ts';

// sessions import takes a file from anywhere (a colleague's incident, a CI artifact, a hand
// edit). What it stores, every command must read; what it refuses, it refuses with the file and
// the JSON path, storing nothing.

type Doc = { callsimExport: 1; session: Record<string, unknown>; journal: Record<string, unknown>[] };

/** Exports of the library's scenarios, made in a store of their own. */
async function libraryExports(names: readonly string[]): Promise<Doc[]> {
  const store = new SessionStore(path.join(tempDir(), 'source.db'));
  const docs: Doc[] = [];
  for (const name of names) {
    const run = await runScenario(readScenario(path.join(libraryDir, name)), { store });
    docs.push(JSON.parse(JSON.stringify(store.export(run.sessionId))) as Doc);
  }
  store.close();
  return docs;
}

/** Every command that reads a stored session, run on it: throws if any cannot. */
async function readEveryWay(store: SessionStore, id: string): Promise<void> {
  store.export(id);
  const replay = replaySession(store, id);
  const s = store.resolve(id);
  // (one that did not complete was cut where its process died, and may replay on past the cut)
  if (!replay.identical && s.status === 'complete') throw new Error(`${id}: stored, but its replay diverges`);
  if (s.status === 'complete' && s.events > 0) {
    sessionToScenario(id, store.journal(id), store.result(id));
    await whatIf(store, id, { deadAirMs: 4000 });
  }
}

function importInto(doc: unknown): { store: SessionStore; id: string | null; error: unknown } {
  const store = new SessionStore(path.join(tempDir('callsim-import-'), 'i.db'));
  try {
    return { store, id: store.import('probe.json', JSON.stringify(doc)), error: null };
  } catch (error) {
    return { store, id: null, error };
  }
}

describe('sessions import', () => {
  it('every library session exports, imports into a fresh store, and reads every way there', async () => {
    const docs = await libraryExports(libraryNames());
    for (const doc of docs) {
      const { store, id, error } = importInto(doc);
      expect(error).toBeNull();
      await readEveryWay(store, id!);
      store.close();
    }
  }, 120_000);

  const cases: [string, (d: Doc) => void, RegExp][] = [
    ['an input entry without its event', (d) => delete d.journal.find((e, i) => i > 0 && e.kind === 'input')!.event, /^probe\.json: \$\.journal\[\d+\]\.event: /],
    ['a duplicate seq', (d) => (d.journal[5].seq = 4), /^probe\.json: \$\.journal\[5\]\.seq: is 4, expected 5/],
    [
      'an unknown handoff reason',
      (d) => ((d.journal.find((e) => (e.command as { type?: string })?.type === 'handoff.start')!.command as { reason: string }).reason = 'bored'),
      /^probe\.json: \$\.journal\[\d+\]\.command\.reason: /,
    ],
    ['faults: null', (d) => ((d.journal[0].event as { faults: unknown }).faults = null), /^probe\.json: \$\.journal\[0\]\.event\.faults: /],
    ['a policy key missing', (d) => delete (d.journal[0].event as { policy: Record<string, unknown> }).policy.deadAirMs, /^probe\.json: \$\.journal\[0\]\.event\.policy\.deadAirMs: /],
    ['an unknown key in an entry', (d) => (d.journal[2].extra = 1), /^probe\.json: \$\.journal\[2\]: unknown key "extra"/],
    ['a journal entry of no kind', (d) => (d.journal[2].kind = 'thought'), /^probe\.json: \$\.journal\[2\]\.kind: /],
    ['time going backwards', (d) => (d.journal[d.journal.length - 1].atMs = 0), /^probe\.json: \$\.journal\[\d+\]\.atMs: is 0, before the entry above it/],
    [
      'a recorded transition the machine does not take',
      (d) => (d.journal.find((e, i) => i > 3 && e.kind === 'transition')!.state = 'active.nowhere'),
      /^probe\.json: \$\.journal\[\d+\]: does not replay: transition \d+ at \d+ ms, recorded active\.nowhere/,
    ],
    ['no session.started first', (d) => d.journal.shift(), /^probe\.json: \$\.journal\[0\]\.seq: is 1, expected 0/],
    ['an empty journal', (d) => (d.journal = []), /^probe\.json: \$\.journal: is empty/],
    ['a complete session cut short', (d) => (d.journal = d.journal.slice(0, 20)), /^probe\.json: \$\.journal: does not replay: transition \d+ at \d+ ms, recorded no transition/],
  ];
  it('the golden sessions (exports of earlier builds) import and read every way', async () => {
    const dir = path.join(import.meta.dirname, '../fixtures/golden');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const { store, id, error } = importInto(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
      expect(error, f).toBeNull();
      await readEveryWay(store, id!);
      store.close();
    }
  }, 60_000);

  it('a session cut where its process died (interrupted) imports at any entry', async () => {
    const [doc] = await libraryExports(['crm-blackout.json']);
    for (let n = 1; n < doc.journal.length; n += 3) {
      const d = structuredClone(doc);
      d.journal = d.journal.slice(0, n);
      Object.assign(d.session, { status: 'interrupted', outcome: null });
      const { store, id, error } = importInto(d);
      expect(error).toBeNull();
      expect(store.journal(id!)).toHaveLength(n);
      store.close();
    }
  });

  it('refuses each class of broken journal with the file and the JSON path, storing nothing', async () => {
    const [doc] = await libraryExports(['crm-blackout.json']);
    for (const [what, mutate, message] of cases) {
      const d = structuredClone(doc);
      mutate(d);
      const { store, id, error } = importInto(d);
      expect(id, what).toBeNull();
      expect(error, what).toBeInstanceOf(InputError);
      expect((error as Error).message, what).toMatch(message);
      expect((error as Error).message.split('\n'), what).toHaveLength(1);
      expect(store.list(), what).toEqual([]);
      store.close();
    }
  }, 60_000);

  it('fuzz: a mutated export is refused as bad input, or stored and readable by every command', async () => {
    const docs = await libraryExports(['crm-blackout.json', 'happy-path.json', 'barge-in.json']);
    const stats = { refused: 0, stored: 0 };
    // CALLSIM_FUZZ_RUNS=10000 for the README's figure; the suite runs 300
    const runs = Number(process.env.CALLSIM_FUZZ_RUNS ?? 300);
    // one change somewhere in the document: a value replaced, a key deleted, an entry duplicated or dropped
    const mutation = fc.record({ doc: fc.nat(docs.length - 1), pick: fc.nat(), how: fc.nat(3), value: fc.jsonValue({ maxDepth: 2 }) });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ doc, pick, how, value }) => {
        const d = structuredClone(docs[doc]);
        const paths: (string | number)[][] = [];
        const walk = (v: unknown, at: (string | number)[]) => {
          paths.push(at);
          if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]);
        };
        walk(d, []);
        const at = paths[1 + (pick % (paths.length - 1))];
        const parent = at.slice(0, -1).reduce<any>((o, k) => o[k], d);
        const key: any = at[at.length - 1];
        if (how === 0) parent[key] = value;
        else if (how === 1) {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        } else if (how === 2 && Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key]));
        else parent[key] = typeof parent[key] === 'number' ? parent[key] + 1 : value;
        const { store, id, error } = importInto(d);
        try {
          if (error) {
            if (!(error instanceof InputError)) throw error; // a crash, not a refusal
            expect(store.list()).toEqual([]);
            stats.refused++;
          } else {
            await readEveryWay(store, id!);
            stats.stored++;
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: runs, seed: 20261207 },
    );
    if (process.env.CALLSIM_FUZZ_RUNS) console.log(`import fuzz: ${runs} mutated exports, ${stats.refused} refused (exit 2), ${stats.stored} stored and read every way`);
    expect(stats.refused + stats.stored).toBe(runs);
    expect(stats.refused).toBeGreaterThan(0);
  }, 240_000);
});

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runSuite } from '../../electron/engine/redteam.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { readScenario } from '../../electron/input/files.ts';
import { replayJournal } from '../../shared/replay.ts';
import { InputError } from '../../shared/validate.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { libraryDir, repoRoot, tempDir } from '../helpers.ts';
import { scenarioFiles } from '../../electron/input/files.ts';

describe('one store, several writers', () => {
  it('red-team workers saving to one new store at once: every call is saved, none fails on a lock', async () => {
    const lib = scenarioFiles([libraryDir]);
    const files = Array.from({ length: 5 }, () => lib).flat();
    const db = path.join(tempDir(), 'shared.db'); // does not exist yet: both workers create and migrate it
    const results = await runSuite(files, { jobs: 2, db });
    expect(results.filter((r) => r.error).map((r) => `${r.file}: ${r.error}`)).toEqual([]);
    const store = new SessionStore(db);
    const saved = store.list();
    expect(saved).toHaveLength(files.length);
    expect(new Set(saved.map((s) => s.sessionId)).size).toBe(files.length);
    expect(saved.every((s) => s.status === 'complete')).toBe(true);
    store.close();
  });

  // Another connection holding the write lock: an open transaction in a sqlite3 shell, say.
  const holdLock = (file: string) => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    return () => {
      other.exec('COMMIT');
      other.close();
    };
  };

  it('a realtime call goes on while another connection holds the lock, and saves every event once it is let go', async () => {
    const db = path.join(tempDir(), 'locked.db');
    const store = new SessionStore(db);
    let release: (() => void) | null = null;
    let tick = 0;
    const call = await runScenario(
      readScenario(path.join(repoRoot, 'recordings/scenarios/caller-hangs-up.json')),
      { store },
      {
        pacing: 'realtime',
        // taken after the call's first entries, let go 1.5 s later: the realtime ticks in between
        // cannot commit (a tick that waited out the 5 s busy timeout would also stop the timer)
        onEntry: () => {
          if (tick++ === 2) {
            release = holdLock(db);
            setTimeout(() => release!(), 1500);
          }
        },
      },
    );
    expect(release).not.toBeNull();
    expect(call.error).toBeNull();
    expect(call.failures).toEqual([]); // the scenario's own expect block
    expect(store.journal(call.sessionId)).toEqual(call.entries);
    expect(store.get(call.sessionId)).toMatchObject({ status: 'complete', events: call.entries.length });
    expect(replayJournal(store.journal(call.sessionId)).identical).toBe(true);
    store.close();
  });

  it('a journal that still cannot be written at the end says which store and how much is not saved', () => {
    const db = path.join(tempDir(), 'held.db');
    const store = new SessionStore(db);
    const sessionId = store.createSession({ source: { kind: 'mic' }, seedMaterial: 1, strict: false });
    const sink = store.journalWriter(sessionId, 2);
    const release = holdLock(db);
    const entries: JournalEntry[] = [0, 1, 2].map((seq) => ({ seq, atMs: seq * 10, kind: 'transition', state: `s${seq}`, cause: 'test' }));
    sink.append(entries[0]!);
    sink.flush({ wait: false }); // does not wait, does not throw: the row stays buffered
    for (const e of entries.slice(1)) sink.append(e); // past the batch size: kept for the next flush, not waited on
    store.db.pragma('busy_timeout = 100'); // (instead of waiting out 5 s here)
    expect(() => sink.flush()).toThrow(InputError);
    expect(() => sink.flush()).toThrow(`${db}: is locked by another process (still after 5 s): 3 journal entries of session ${sessionId} are not saved`);
    release();
    sink.flush();
    expect(store.journal(sessionId)).toEqual(entries);
    store.close();
  });
});

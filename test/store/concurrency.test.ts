import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runSuite } from '../../electron/engine/redteam.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { repoRoot, tempDir } from '../helpers.ts';

describe('one store, several writers', () => {
  it('red-team workers saving to one new store at once: every call is saved, none fails on a lock', async () => {
    const dir = path.join(repoRoot, 'recordings/scenarios');
    const lib = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f));
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
});

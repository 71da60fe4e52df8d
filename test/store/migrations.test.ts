import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, migrations, openDatabase, schemaVersion } from '../../electron/store/db.ts';
import { InputError } from '../../shared/validate.ts';
import { tempDir } from '../helpers.ts';

const columns = (db: Database.Database, table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('migration 2 on a version-1 database keeps its sessions and adds the parent link', () => {
    const db = openDatabase(path.join(tempDir(), 'v1.db'), 1);
    db.prepare(`INSERT INTO sessions (id, created_at, source, status, events) VALUES ('s1', '2026-01-01', 'scenario:x', 'complete', 3)`).run();
    migrate(db, 2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(columns(db, 'sessions')).toEqual(expect.arrayContaining(['parent_id', 'relation', 'fork_at_ms']));
    expect(db.prepare('SELECT id, events FROM sessions').all()).toEqual([{ id: 's1', events: 3 }]);
  });

  it('migration 3 on a version-2 database backfills the handoff reason from stored results', () => {
    const db = openDatabase(path.join(tempDir(), 'v2.db'), 2);
    db.prepare(`INSERT INTO sessions (id, created_at, source, status, result_json) VALUES ('s1', '2026-01-01', 'x', 'complete', '{"handoff":{"reason":"dead_air"}}')`).run();
    db.prepare(`INSERT INTO sessions (id, created_at, source, status, result_json) VALUES ('s2', '2026-01-02', 'x', 'complete', '{"handoff":null}')`).run();
    migrate(db, 3);
    expect(db.prepare('SELECT id, handoff_reason, strict FROM sessions ORDER BY id').all()).toEqual([
      { id: 's1', handoff_reason: 'dead_air', strict: 0 },
      { id: 's2', handoff_reason: null, strict: 0 },
    ]);
    expect(schemaVersion).toBe(3);
  });

  it('a file that is not a database is refused with one clear line', () => {
    const file = path.join(tempDir(), 'junk.db');
    fs.writeFileSync(file, 'this is not sqlite, just text that someone saved with the wrong name\n'.repeat(100));
    expect(() => openDatabase(file)).toThrow(InputError);
    expect(() => openDatabase(file)).toThrow(/junk\.db: not a callsim database/);
    expect(fs.readFileSync(file, 'utf8').startsWith('this is not sqlite')).toBe(true); // nothing lost
  });

  it("another application's SQLite database is refused, untouched", () => {
    const file = path.join(tempDir(), 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE photos (id INTEGER)');
    other.close();
    expect(() => openDatabase(file)).toThrow(/other\.db: not a callsim database \(it has tables but no callsim schema version\)/);
  });

  it('a database from a newer callsim is refused', () => {
    const file = path.join(tempDir(), 'newer.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openDatabase(file)).toThrow(/made by a newer callsim \(schema 99/);
  });
});

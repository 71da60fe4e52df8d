import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../shared/validate.ts';
import { brokenInstallLoading } from '../install.ts';
import { BUSY_TIMEOUT_MS, noteStoreOpened, storeFileProblem } from './faults.ts';

/**
 * Numbered migrations. Each runs once, in order, inside a transaction, and moves
 * `PRAGMA user_version` to its number. Never edit a shipped one: add the next.
 */
export const migrations: { version: number; why: string; sql: string }[] = [
  {
    version: 1,
    why: 'sessions and their append-only journal',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
        outcome TEXT,
        pid INTEGER,
        events INTEGER NOT NULL DEFAULT 0,
        result_json TEXT
      );
      CREATE TABLE journal (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) WITHOUT ROWID;`,
  },
  {
    version: 2,
    why: 'what-if and fork runs are linked to the session they came from',
    sql: `
      ALTER TABLE sessions ADD COLUMN parent_id TEXT;
      ALTER TABLE sessions ADD COLUMN relation TEXT;
      ALTER TABLE sessions ADD COLUMN fork_at_ms INTEGER;
      CREATE INDEX sessions_created ON sessions(created_at);`,
  },
  {
    version: 3,
    why: 'the session browser filters by handoff reason and strict mode without parsing every result',
    sql: `
      ALTER TABLE sessions ADD COLUMN handoff_reason TEXT;
      ALTER TABLE sessions ADD COLUMN strict INTEGER NOT NULL DEFAULT 0;
      UPDATE sessions SET handoff_reason = json_extract(result_json, '$.handoff.reason') WHERE result_json IS NOT NULL;`,
  },
];

export const schemaVersion = migrations[migrations.length - 1].version;

/** The per-user data directory the desktop app uses (Electron's `userData` for "callsim"). */
export function userDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'callsim');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'callsim');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'callsim');
}

/** `--db`, else `CALLSIM_DB`, else the desktop app's database. */
export function defaultDbPath(flag?: string): string {
  return flag ?? process.env.CALLSIM_DB ?? path.join(userDataDir(), 'callsim.db');
}

export { BUSY_TIMEOUT_MS, LOCKED } from './faults.ts';

/**
 * Opens (creating if needed) a callsim database and brings it to the current schema.
 * A file that is not a callsim database, or one from a newer callsim, is an InputError, found
 * by looking at it read-only before anything is written to it; a store SQLite refuses
 * (read-only, full, damaged, locked: faults.ts) is an InputError with its one line;
 * better-sqlite3's binding not loading (not built, built for another Node.js) is a
 * BrokenInstallError.
 * Effects: creates the directory and file; runs pending migrations.
 */
export function openDatabase(file: string, upTo: number = schemaVersion): Database.Database {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    lookBeforeWriting(file);
  }
  let db: Database.Database;
  try {
    // the busy timeout from the first statement on: red-team workers open one store at once
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
  } catch (err) {
    // the first `new Database` of the process loads the binding
    throw brokenInstallLoading('better-sqlite3', err) ?? storeError(file, err);
  }
  noteStoreOpened(file);
  try {
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    refuseForeign(file, db);
    migrate(db, upTo);
  } catch (err) {
    db.close();
    if (err instanceof InputError) throw err;
    throw storeError(file, err);
  }
  return db;
}

/**
 * An existing file is looked at read-only first: one that is not a SQLite database, not a
 * callsim one, or from a newer callsim is refused before a byte of it changes (opening it for
 * writing would switch its journal to WAL). Effects: reads the file.
 */
function lookBeforeWriting(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size === 0) return;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw brokenInstallLoading('better-sqlite3', err) ?? storeError(file, err);
  }
  try {
    refuseForeign(file, db);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw storeError(file, err);
  } finally {
    db.close();
  }
}

/** Refuses a database that is not callsim's, or is a newer callsim's. Effects: reads the schema. */
function refuseForeign(file: string, db: Database.Database): void {
  // version and tables from one snapshot: another process may be migrating the same new store
  const { version, tables } = db.transaction(() => ({
    version: db.pragma('user_version', { simple: true }) as number,
    tables: (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }).n,
  }))();
  if (version > schemaVersion) throw new InputError(file, '', `made by a newer callsim (schema ${version}, this one knows up to ${schemaVersion})`);
  if (version === 0 && tables > 0) throw new InputError(file, '', 'not a callsim database (it has tables but no callsim schema version)');
}

/** Why a store could not be opened, as the one line a user reads. Effects: statfs on an I/O error. */
function storeError(file: string, err: unknown): InputError {
  return new InputError(file, '', storeFileProblem(file, err) ?? `not a callsim database (${(err as Error).message})`);
}

/**
 * Runs the migrations above the database's version, up to `upTo`. Each holds the write lock
 * from its start and reads the version inside it, so two processes opening one new store at
 * once migrate it once. Effects: changes the schema.
 */
export function migrate(db: Database.Database, upTo: number = schemaVersion): void {
  for (const m of migrations) {
    if (m.version > upTo) continue;
    // a store already at this version is only read: a reader (list, show, export, replay) must
    // not wait on another process's write lock, which WAL readers otherwise never do
    if ((db.pragma('user_version', { simple: true }) as number) >= m.version) continue;
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

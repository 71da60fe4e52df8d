// What is wrong with a session store that SQLite refused, as the one line a user reads.
//
// A store that is read-only, on a full disk, damaged, or held by another process is not a bug
// in callsim and not a crash: it is the user's file, and the fix is theirs (free space, fix the
// permissions, close the other program, give another --db). These arrive as SqliteErrors from
// any statement of any command, far from where the store was named, so the store's name comes
// from the stores this process opened.
//
// Only Node's own modules: the CLI's entry reads this without loading better-sqlite3.
import fs from 'node:fs';
import path from 'node:path';

/** The stores this process has opened, most recent last. */
const opened: string[] = [];

/** Notes that `file` was opened (db.ts does, for each store). */
export function noteStoreOpened(file: string): void {
  opened.push(file);
}

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** What a user reads when that wait ran out (after the store's name). */
export const LOCKED = `is locked by another process (still after ${BUSY_TIMEOUT_MS / 1000} s)`;

/**
 * The problem with a store, after its name, for a SQLite error code; null for a code that is
 * not about the store's file (a constraint, a bug of ours). Pure.
 */
export function storeProblem(code: string, message: string): string | null {
  const why = message ? ` (${message})` : '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return `${LOCKED}: close it, or give another --db`;
  if (code.startsWith('SQLITE_READONLY')) return `cannot be written${why}: fix its permissions (and its folder's), or give another --db`;
  if (code === 'SQLITE_FULL') return `cannot grow: the disk is full${why}; free some space, or give another --db`;
  if (code.startsWith('SQLITE_CORRUPT')) return `is damaged${why}: restore it from a copy, or give another --db`;
  if (code === 'SQLITE_NOTADB') return `not a callsim database${why}`;
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return `cannot be opened${why}: check the path and its permissions, or give another --db`;
  if (code.startsWith('SQLITE_IOERR')) return `could not be read or written${why}: check the disk, or give another --db`;
  return null;
}

/**
 * The problem with the store `file` that `err` (from SQLite) shows, or null. A write that found
 * no space in the WAL or the shared memory comes as an I/O error, so an I/O error on a nearly
 * full filesystem is the disk being full. Effects: statfs on an I/O error.
 */
export function storeFileProblem(file: string, err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string') return null;
  const code = e.code.startsWith('SQLITE_IOERR') && diskNearlyFull(file) ? 'SQLITE_FULL' : e.code;
  return storeProblem(code, typeof e.message === 'string' ? e.message : '');
}

/**
 * The one line for an error that reached the top of a command, if it is a store fault:
 * "<store>: <problem>", naming the store the process opened last (a command opens one).
 * Null for anything else. Pure apart from reading the stores opened.
 */
export function storeFaultLine(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string' || !e.code.startsWith('SQLITE_')) return null;
  const file = opened.at(-1);
  const problem = file ? storeFileProblem(file, err) : storeProblem(e.code, typeof e.message === 'string' ? e.message : '');
  return problem ? `${file ?? 'the session store'}: ${problem}` : null;
}

/** Whether the filesystem holding `file` has under 1 MiB left. Effects: statfs. */
function diskNearlyFull(file: string): boolean {
  try {
    const st = fs.statfsSync(path.dirname(path.resolve(file)));
    return st.bavail * st.bsize < 1 << 20;
  } catch {
    return false;
  }
}

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { storeFaultLine, storeProblem } from '../../electron/store/faults.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';

// A store the user's machine will not let callsim use — read-only, full, damaged, someone
// else's, held by another process — is one line naming it and exit 2, never a stack trace, and
// a file that is not callsim's is not changed by a byte.

function callsim(args: string[]) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const scenario = (name: string) => path.join(repoRoot, 'recordings/scenarios', `${name}.json`);
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const oneLine = (r: { stderr: string }) => {
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
};

/** A small filesystem of its own (tmpfs), where root may mount one; null elsewhere. */
const mounts: string[] = [];
function smallDisk(kb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = tempDir('callsim-disk-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
});
const canMount = (() => {
  const d = smallDisk(64);
  return d !== null;
})();

describe('a store callsim may not write', () => {
  it("another application's SQLite file is refused before a byte of it changes (no WAL switch, no -wal file)", () => {
    const file = path.join(tempDir(), 'photos.db');
    const other = new Database(file);
    other.exec('CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1)');
    other.close();
    const before = sha(file);
    const r = callsim(['run', scenario('happy-path'), '--db', file]);
    expect(r.stderr).toBe(`callsim: ${file}: not a callsim database (it has tables but no callsim schema version)\n`);
    expect(r.code).toBe(2);
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const again = new Database(file, { readonly: true });
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete');
    again.close();
  });

  it('garbled pages: one line that says the store is damaged, for readers and writers', () => {
    const file = path.join(tempDir(), 'garbled.db');
    expect(callsim(['run', scenario('happy-path'), '--db', file]).code).toBe(0);
    expect(callsim(['run', scenario('crm-blackout'), '--db', file]).code).toBe(0);
    // every page after the first (which holds the schema) overwritten
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    for (let i = pageSize; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    fs.writeFileSync(file, bytes);
    for (const args of [
      ['sessions', 'list'],
      ['run', scenario('happy-path')],
    ]) {
      const r = callsim([...args, '--db', file]);
      expect(r.stderr).toMatch(
        new RegExp(`^callsim: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is damaged \\(database disk image is malformed\\): restore it from a copy, or give another --db\\n$`),
      );
      oneLine(r);
      expect(r.code).toBe(2);
    }
  });

  it('redteam --save on a store it cannot use: one line, exit 2, no call run', () => {
    const file = path.join(tempDir(), 'junk.db');
    fs.writeFileSync(file, 'not a database\n'.repeat(400));
    const r = callsim(['redteam', scenario('happy-path'), '--save', '--db', file, '--json']);
    expect(r.stderr).toBe(`callsim: ${file}: not a callsim database (file is not a database)\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it.skipIf(!canMount)('a read-only store (its filesystem mounted read-only): one line, exit 2; reading it still works', () => {
    const disk = smallDisk(4096)!;
    const file = path.join(disk, 'calls.db');
    expect(callsim(['run', scenario('happy-path'), '--db', file]).code).toBe(0);
    expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
    const r = callsim(['run', scenario('happy-path'), '--db', file]);
    expect(r.stderr).toMatch(/: cannot be written \(.*\): fix its permissions \(and its folder's\), or give another --db\n$|: cannot be opened \(.*\)/);
    oneLine(r);
    expect(r.code).toBe(2);
  });

  it.skipIf(!canMount)('a full disk: the call says so in one line (exit 2); an export to a full disk leaves no truncated file', () => {
    const disk = smallDisk(512)!;
    const file = path.join(disk, 'calls.db');
    expect(callsim(['run', scenario('happy-path'), '--db', file]).code).toBe(0);
    // fill what is left
    const filler = path.join(disk, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(4 << 20));
    } catch {
      // ENOSPC: the disk is full, as wanted
    }
    let code = 0;
    let r = { code: 0 as number | null, stdout: '', stderr: '' };
    for (let i = 0; i < 5 && code === 0; i++) {
      r = callsim(['run', scenario('crm-blackout'), '--db', file]);
      code = r.code ?? -1;
    }
    expect(r.stderr).toMatch(/: cannot grow: the disk is full \(.*\); free some space, or give another --db\n$/);
    oneLine(r);
    expect(r.code).toBe(2);
    // an export from a store on a roomy disk to a full one
    const roomy = path.join(tempDir(), 'calls.db');
    const saved = JSON.parse(callsim(['run', scenario('crm-blackout'), '--db', roomy, '--json']).stdout);
    const outDisk = smallDisk(64)!;
    try {
      fs.writeFileSync(path.join(outDisk, 'filler'), Buffer.alloc(1 << 20));
    } catch {
      // ENOSPC: full
    }
    const out = path.join(outDisk, 'export.json');
    const e = callsim(['sessions', 'export', saved.sessionId, '-o', out, '--db', roomy]);
    expect(e.stderr).toBe(`callsim: ${out}: the disk is full: nothing was written\n`);
    expect(e.code).toBe(2);
    expect(fs.readdirSync(outDisk).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('readers do not wait on a writer', () => {
  it('list, show, export and replay answer while another process holds the write lock', () => {
    const file = path.join(tempDir(), 'busy.db');
    const run = JSON.parse(callsim(['run', scenario('crm-blackout'), '--db', file, '--json']).stdout);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const list = callsim(['sessions', 'list', '--json', '--db', file]);
      expect(list.stderr).toBe('');
      expect(JSON.parse(list.stdout).map((s: { sessionId: string }) => s.sessionId)).toEqual([run.sessionId]);
      for (const args of [
        ['sessions', 'show', run.sessionId, '--json'],
        ['sessions', 'export', run.sessionId],
        ['replay', run.sessionId, '--json'],
      ]) {
        const r = callsim([...args, '--db', file]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 60_000);
});

describe('faults.ts', () => {
  it('gives each SQLite code about the file its line, and nothing for the rest', () => {
    expect(storeProblem('SQLITE_READONLY_DBMOVED', 'x')).toMatch(/^cannot be written \(x\)/);
    expect(storeProblem('SQLITE_IOERR_WRITE', 'disk I/O error')).toMatch(/^could not be read or written/);
    expect(storeProblem('SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed')).toBeNull();
    const s = new SessionStore(path.join(tempDir(), 'named.db'));
    s.close();
    expect(storeFaultLine(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(
      `${s.file}: cannot grow: the disk is full (database or disk is full); free some space, or give another --db`,
    );
    expect(storeFaultLine(new Error('boom'))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SessionStore } from '../../electron/store/sessions.ts';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';

// A live call killed in its first moments (before its first tick is committed) leaves a session
// row with no journal: the readers say so, instead of calling it "not a callsim session".

function callsim(args: string[], db: string) {
  const r = spawnSync(process.execPath, [cliBin, ...args, '--db', db], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A session row with no journal entries, as a kill before the first commit leaves it; `owner` is the pid holding it. */
function emptySession(db: string, owner: number): string {
  const store = new SessionStore(db);
  try {
    const id = store.createSession({ source: { kind: 'mic' }, seedMaterial: { owner }, strict: false });
    store.db.prepare('UPDATE sessions SET pid = ? WHERE id = ?').run(owner, id);
    return id;
  } finally {
    store.close();
  }
}

describe('a session with no journal entries', () => {
  it('interrupted: replay exits 0 and says there is nothing to replay (words and JSON); show says the same', () => {
    const db = path.join(tempDir(), 'empty.db');
    const gone = spawnSync('true').pid!; // a pid that has just exited: the owner is gone
    const id = emptySession(db, gone);
    expect(JSON.parse(callsim(['sessions', 'list', '--json'], db).stdout)).toEqual([expect.objectContaining({ sessionId: id, status: 'interrupted', events: 0 })]);

    const words = callsim(['replay', id], db);
    expect(words).toEqual({ code: 0, stdout: `${id}: interrupted before anything was journaled — nothing to replay\n`, stderr: '' });
    const r = callsim(['replay', id, '--json'], db);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ sessionId: id, identical: true, events: 0, transitions: 0, divergence: null, nothingToReplay: 'interrupted before anything was journaled' });

    expect(callsim(['sessions', 'show', id], db)).toEqual({ code: 0, stdout: `${id}: mic, interrupted before anything was journaled — nothing to show or replay\n`, stderr: '' });
    // it exports as it is; the commands that go on from a call say why they cannot, as bad input
    expect(callsim(['sessions', 'export', id], db).code).toBe(0);
    const toScenario = callsim(['sessions', 'to-scenario', id], db);
    expect(toScenario.code).toBe(2);
    expect(toScenario.stderr).toBe(`callsim: ${id}: nothing was journaled (the call ended before its first entries were written): there is no call to go on from\n`);
  });

  it('still held by a live process: nothing journaled yet', () => {
    const db = path.join(tempDir(), 'running.db');
    const id = emptySession(db, process.pid);
    expect(callsim(['replay', id], db)).toMatchObject({ code: 0, stdout: `${id}: still running, nothing journaled yet — nothing to replay\n` });
  });
});

describe('a live call killed with -9 as soon as its session exists', () => {
  it('replays (to its cut) or says there is nothing to replay, with exit 0 either way', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'kill.db');
    const child = spawn(process.execPath, [cliBin, 'mic', '--input', path.join(repoRoot, 'recordings/audio/cards-call-8k.wav'), '--mute', '--json', '--db', db], { cwd: repoRoot, stdio: 'ignore' });
    const sessions = (): number => {
      if (!fs.existsSync(db)) return 0;
      try {
        const d = new Database(db, { readonly: true, fileMustExist: true });
        try {
          return (d.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
        } finally {
          d.close();
        }
      } catch {
        return 0; // not created or migrated yet
      }
    };
    const exited = new Promise((r) => child.on('exit', r));
    const deadline = Date.now() + 60_000;
    while (sessions() === 0 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    await exited;
    const [s] = JSON.parse(callsim(['sessions', 'list', '--json'], db).stdout);
    expect(s.status).toBe('interrupted');
    const r = callsim(['replay', s.sessionId], db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(s.events === 0 ? /interrupted before anything was journaled — nothing to replay\n$/ : /: identical — \d+ transitions from \d+ journaled events\n$/);
  }, 90_000);
});

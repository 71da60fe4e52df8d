import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { brokenInstallLoading, brokenInstallMessage, BrokenInstallError } from '../../electron/install.ts';
import { toIpcError } from '../../electron/api/errors.ts';
import { startStore } from '../../electron/app/start.ts';
import { cliBin, libraryDir, repoRoot, tempDir } from '../helpers.ts';

// A broken install is made for real and the compiled CLI run against it: the hooks in
// redirectPackages.hooks.mjs resolve one package from a folder of our choosing, so the CLI
// meets Node's own error for a package that is missing, a better-sqlite3 whose binding was
// never built, and one whose binding is not a shared library.

const hooks = pathToFileURL(path.join(import.meta.dirname, 'redirectPackages.hooks.mjs')).href;
const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hooks)});`;
const modules = path.join(repoRoot, 'node_modules');

/** A folder whose node_modules holds a copy of better-sqlite3 with its build folder as `build` makes it, and its dependencies linked. */
function betterSqliteCopy(build: (release: string) => void): string {
  const root = tempDir('callsim-broken-');
  const pkg = path.join(root, 'node_modules/better-sqlite3');
  fs.mkdirSync(pkg, { recursive: true });
  fs.cpSync(path.join(modules, 'better-sqlite3/lib'), path.join(pkg, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(modules, 'better-sqlite3/package.json'), path.join(pkg, 'package.json'));
  for (const dep of ['bindings', 'file-uri-to-path']) fs.symlinkSync(path.join(modules, dep), path.join(root, 'node_modules', dep));
  build(path.join(pkg, 'build/Release'));
  return root;
}

type Ran = { code: number | null; stdout: string; stderr: string };

function callsim(args: string[], resolveFrom: Record<string, string>, opts: { closeStdout?: boolean } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', register, cliBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, CALLSIM_TEST_RESOLVE_FROM: JSON.stringify(resolveFrom) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const fix = '; run `npm run setup`';

describe('a broken install says so, with the fix', () => {
  it("better-sqlite3's binding not built: one line and exit 3, no store written", async () => {
    const root = betterSqliteCopy(() => {});
    const db = path.join(tempDir(), 'never.db');
    const r = await callsim(['sessions', 'list', '--db', db], { 'better-sqlite3': root });
    expect(r.stderr).toBe(`callsim: broken install: better-sqlite3's native binding is not built${fix}\n`);
    expect(r.code).toBe(3);
    expect(fs.existsSync(db)).toBe(false);
  }, 60_000);

  it('a binding that is not a shared library: names the package and what the loader said', async () => {
    const root = betterSqliteCopy((release) => {
      fs.mkdirSync(release, { recursive: true });
      fs.writeFileSync(path.join(release, 'better_sqlite3.node'), 'not an ELF file\n'.repeat(256));
    });
    const r = await callsim(['run', path.join(libraryDir, 'crm-blackout.json'), '--db', path.join(tempDir(), 's.db')], { 'better-sqlite3': root });
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^callsim: broken install: better-sqlite3's native binding does not load \(.*better_sqlite3\.node: invalid ELF header\); run `npm run setup`\n$/);
    expect(r.stderr).not.toMatch(/not a callsim database|internal error|\n\s+at /);
  }, 60_000);

  it('onnxruntime-node missing: a recorded call says the install is broken', async () => {
    const empty = tempDir('callsim-broken-');
    const r = await callsim(['run', path.join(repoRoot, 'recordings/audio/backchannel-call.wav'), '--db', path.join(tempDir(), 'o.db')], { 'onnxruntime-node': empty });
    expect(r.stderr).toBe(`callsim: broken install: onnxruntime-node is not installed${fix}\n`);
    expect(r.code).toBe(3);
  }, 120_000);

  it('a scenario that needs neither native package runs without them', async () => {
    const empty = tempDir('callsim-broken-');
    const r = await callsim(['run', path.join(libraryDir, 'crm-blackout.json'), '--db', path.join(tempDir(), 'o.db'), '--json'], { 'onnxruntime-node': empty });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('handoff');
  }, 60_000);

  it('classifies the loader errors Node throws, and nothing else', () => {
    expect(brokenInstallLoading('x', new Error('not a database'))).toBeNull();
    expect(brokenInstallLoading('x', Object.assign(new Error("Cannot find module 'x'"), { code: 'MODULE_NOT_FOUND' }))?.message).toBe(`broken install: x is not installed${fix}`);
    expect(brokenInstallLoading('x', Object.assign(new Error("Cannot find package 'y' imported from /a"), { code: 'ERR_MODULE_NOT_FOUND' }))?.message).toBe(
      `broken install: x is not installed completely (it cannot find y)${fix}`,
    );
    const abi = new Error('The module was compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115.');
    expect(brokenInstallLoading('better-sqlite3', abi)?.message).toMatch(/built for another Node\.js \(NODE_MODULE_VERSION 127; Node\.js v[\d.]+ needs 115\)/);
    // across a worker thread only the name and message survive
    const crossed = { name: 'BrokenInstallError', message: new BrokenInstallError('onnxruntime-node', ' is not installed').message };
    expect(brokenInstallMessage(crossed)).toBe(crossed.message);
    expect(brokenInstallMessage(new Error('boom'))).toBeNull();
    expect(toIpcError(new BrokenInstallError('better-sqlite3', "'s native binding is not built"))).toEqual({
      code: 'unavailable',
      message: `broken install: better-sqlite3's native binding is not built${fix}`,
    });
  });
});

describe('output to a reader that has gone', () => {
  it('`callsim … | head -1`: exits with its own code, quietly, and still saves the call', async () => {
    const db = path.join(tempDir(), 'pipe.db');
    // the parent closes its end before the CLI writes a byte: every write meets EPIPE
    const r = await callsim(['run', path.join(libraryDir, 'crm-blackout.json'), '--db', db], {}, { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = await callsim(['sessions', 'list', '--db', db, '--json'], {});
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  }, 60_000);
});

describe('npm start', () => {
  it('takes its store as the CLI does: --db, else $CALLSIM_DB, else the app’s, relative to where npm was run', () => {
    expect(startStore(['--db', 'a.db', '--port', '0'], { INIT_CWD: '/home/u/proj' }, '/repo')).toEqual({ db: '/home/u/proj/a.db', rest: ['--port', '0'] });
    expect(startStore(['--db=/abs/b.db'], { CALLSIM_DB: 'c.db' }, '/repo')).toEqual({ db: '/abs/b.db', rest: [] });
    expect(startStore(['--port', '0'], { CALLSIM_DB: 'c.db', INIT_CWD: '/home/u' }, '/repo')).toEqual({ db: '/home/u/c.db', rest: ['--port', '0'] });
    expect(startStore([], { CALLSIM_DB: 'c.db' }, '/repo').db).toBe('/repo/c.db');
    expect(startStore([], {}, '/repo').db).toMatch(/callsim\.db$/);
  });
});

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCli, type CliManifest } from '../../electron/cli/build.mjs';
import { usage } from '../../electron/cli/main.ts';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { cliBin, libraryDir, libraryNames, repoRoot, tempDir } from '../helpers.ts';

// The compiled CLI as a user runs it: dist/cli/callsim.mjs (package.json's "bin"), built from the
// current sources by test/globalSetup.ts. These tests never look at wall-clock times.

const node = (args: string[], o: SpawnSyncOptions = {}) =>
  spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, ...o }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
const manifestOf = (dir: string): CliManifest => JSON.parse(fs.readFileSync(path.join(dir, 'build.json'), 'utf8'));

describe('the built callsim', () => {
  it('answers --help from the build: the usage on stdout, nothing on stderr (no rebuild, no tsx)', () => {
    const r = node([cliBin, '--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${usage}\n`);
  });

  it('runs a scenario with exactly the SPEC §1 JSON, the same call the sources make', async () => {
    const file = path.join(libraryDir, 'crm-blackout.json');
    const r = node([cliBin, 'run', file, '--json', '--db', path.join(tempDir(), 's.db')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);
    expect(Object.keys(result).sort()).toEqual(['durationMs', 'handoff', 'metrics', 'outcome', 'sessionId', 'toolCalls', 'transitions', 'turns']);
    expect(Object.keys(result.handoff).sort()).toEqual(['atMs', 'packet', 'priority', 'reason']);
    expect(Object.keys(result.metrics).sort()).toEqual(['bargeIns', 'costUsd', 'fillerPlays', 'tokens']);
    expect(result).toMatchObject({ outcome: 'handoff', handoff: { reason: 'backend_failure', priority: 'high' } });
    const fromSources = (await runScenario(readScenario(file), null)).result;
    expect({ ...result, sessionId: null }).toEqual({ ...JSON.parse(JSON.stringify(fromSources)), sessionId: null });
  });

  it('finds what the engine finds relative to itself: redteam with no files runs the library, on the worker built with it', () => {
    const r = node([cliBin, 'redteam', '--jobs', '1', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n')[0]) as { passed: number; failed: number; results: { file: string }[] };
    expect(report.results.map((x) => path.basename(x.file))).toEqual(libraryNames());
    expect(report.failed).toBe(0);
    const dir = path.dirname(cliBin);
    const m = manifestOf(dir);
    expect(fs.existsSync(path.join(dir, m.worker))).toBe(true);
    // the bundle names that worker instead of bundling one at each suite
    expect(fs.readdirSync(dir).some((f) => f.startsWith('chunk-') && fs.readFileSync(path.join(dir, f), 'utf8').includes(`"${m.worker}"`))).toBe(true);
  });
});

describe('a stale build', () => {
  // A build of its own, two folders below the project as dist/cli is, so that nothing here
  // touches the build the other tests run (or any source file's mtime).
  const outDir = path.join(repoRoot, 'dist', `cli-test-${process.pid}`);
  const rel = path.relative(repoRoot, outDir);
  afterAll(() => {
    if (fs.existsSync(outDir)) fs.chmodSync(outDir, 0o755);
    fs.rmSync(outDir, { recursive: true, force: true });
  });
  /** Makes build.json say the build saw `source` a second before its current mtime: as if it had been edited since. */
  const editedSince = (source: string) => {
    const m = manifestOf(outDir);
    expect(m.inputs[source]).toBe(fs.statSync(path.join(repoRoot, source)).mtimeMs);
    m.inputs[source] -= 1000;
    fs.writeFileSync(path.join(outDir, 'build.json'), JSON.stringify(m));
  };

  it('records every project file it was built from, and rebuilds itself, saying so in one line, when one has changed', async () => {
    const built = await buildCli({ outDir });
    for (const f of [
      'electron/cli/main.ts',
      'electron/cli/commands.ts',
      'electron/engine/session.ts',
      'electron/engine/redteamWorker.ts',
      'shared/machine.ts',
      'electron/server/serve.ts',
      'electron/cli/build.mjs',
      'electron/cli/launcher.mjs',
      'package-lock.json',
    ])
      expect(built.inputs).toHaveProperty([f]);
    expect(Object.keys(built.inputs).some((f) => f.includes('node_modules'))).toBe(false);

    editedSince('electron/engine/session.ts');
    const db = path.join(tempDir(), 's.db');
    const r = node([path.join(outDir, 'callsim.mjs'), 'run', path.join(libraryDir, 'crm-blackout.json'), '--json', '--db', db]);
    expect(r.stderr).toMatch(new RegExp(`^callsim: electron/engine/session\\.ts changed since ${rel} was built; rebuilt it in \\d+ ms\\n$`));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).handoff.reason).toBe('backend_failure');
    expect(manifestOf(outDir).inputs['electron/engine/session.ts']).toBe(fs.statSync(path.join(repoRoot, 'electron/engine/session.ts')).mtimeMs);

    // and the next start runs the new build without a word
    const again = node([path.join(outDir, 'callsim.mjs'), '--help']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(`${usage}\n`);
  });

  it('that cannot be rebuilt (its folder not writable) runs the sources through tsx, saying so in one line', async () => {
    await buildCli({ outDir });
    editedSince('shared/machine.ts');
    fs.chmodSync(outDir, 0o555);
    // root writes anywhere: run as nobody there
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = node([path.join(outDir, 'callsim.mjs'), '--help'], asOther);
    expect(r.stderr).toMatch(new RegExp(`^callsim: shared/machine\\.ts changed since ${rel} was built and it cannot be rebuilt \\(EACCES: [^\\n]*\\); running the sources through tsx\\n$`));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${usage}\n`);
  });
});

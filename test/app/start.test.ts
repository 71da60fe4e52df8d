import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { electronBinary, noElectronLine } from '../../electron/app/start.ts';
import { repoRoot, tempDir } from '../helpers.ts';

describe('npm start', () => {
  it('finds the Electron binary from path.txt and dist/, without requiring electron', () => {
    const root = tempDir();
    const dir = path.join(root, 'node_modules/electron');
    fs.mkdirSync(dir, { recursive: true });
    expect(electronBinary(root)).toBeNull();
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    expect(electronBinary(root)).toBeNull();
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist/electron'), '');
    expect(electronBinary(root)).toBe(path.join(dir, 'dist/electron'));
  });

  it.skipIf(electronBinary() !== null)(
    'without the binary: says so in one line, then serves the UI from $CALLSIM_DB and prints its URL',
    async () => {
      // relative, as a user writes it: npm runs the script in the package's root and says in
      // INIT_CWD where it was run, and the store is taken from there
      const dir = tempDir();
      const db = path.join(dir, 'start.db');
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'electron/app/start.ts'), '--port', '0'], {
        cwd: repoRoot,
        env: { ...process.env, CALLSIM_DB: 'start.db', INIT_CWD: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      try {
        const t0 = Date.now();
        while (!/\n/.test(stdout) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
        expect(stderr.split('\n')[0]).toBe(noElectronLine);
        const url = stdout.trim();
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
        const status = await new Promise<number>((resolve, reject) => http.get(url, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject));
        expect(status).toBe(200);
        // the store it serves is the one $CALLSIM_DB names, as the CLI's would be
        expect(fs.existsSync(db)).toBe(true);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
    90_000,
  );
});

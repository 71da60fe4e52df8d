// `npm start`: the desktop app where the Electron binary is installed; otherwise one line
// saying so, and the same UI served to a browser (`callsim serve`).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot } from '../server/static.ts';
import { buildRenderer, rendererIsStale } from '../server/uiBuild.ts';

/**
 * The Electron binary, if it was downloaded: electron's install script writes path.txt and
 * unpacks dist/. Found without requiring 'electron', which would try to download it.
 * Effects: reads the file system.
 */
export function electronBinary(root = repoRoot): string | null {
  const dir = path.join(root, 'node_modules/electron');
  let rel: string;
  try {
    rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
  const bin = path.join(dir, 'dist', rel);
  return rel && fs.existsSync(bin) ? bin : null;
}

/** The one line `npm start` prints when there is no Electron binary. */
export const noElectronLine =
  'callsim: the Electron binary is not installed (run `node node_modules/electron/install.js` with network access to get it); serving the UI in your browser instead';

async function start(args: string[]): Promise<number> {
  const bin = electronBinary();
  if (!bin) {
    process.stderr.write(`${noElectronLine}\n`);
    const { serve } = await import('../server/serve.ts');
    return serve(args, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
  }
  if (rendererIsStale()) await buildRenderer();
  const { buildElectron } = await import('./build.ts');
  await buildElectron();
  const child = spawn(bin, [repoRoot, ...args], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

if (path.resolve(process.argv[1] ?? '') === path.resolve(import.meta.filename)) {
  start(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`callsim: ${(err as Error).message}\n`);
      process.exitCode = (err as Error).name === 'InputError' ? 2 : 3;
    },
  );
}

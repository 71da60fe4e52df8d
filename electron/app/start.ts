// `npm start`: the desktop app where the Electron binary is installed; otherwise one line
// saying so, and the same UI served to a browser (`callsim serve`).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot } from '../server/static.ts';
import { buildRenderer, rendererIsStale } from '../server/uiBuild.ts';
import { userDataDir } from '../store/db.ts';
import { brokenInstallMessage } from '../install.ts';
import { quietPipeWriter } from '../output.ts';

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
export const noElectronLine = 'callsim: the Electron binary is not installed (run `node node_modules/electron/install.js` with network access to get it); serving the UI in your browser instead';

/**
 * The store `npm start` opens, by the CLI's rule: `--db`, else `$CALLSIM_DB`, else the desktop
 * app's. A relative path is taken from the folder `npm start` was run in, as the CLI takes it
 * from its working directory: npm runs a script in the package's root and passes where it was
 * run as INIT_CWD. Returns the absolute path and the other arguments. Pure.
 */
export function startStore(args: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { db: string; rest: string[] } {
  let flag: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--db' && i + 1 < args.length) flag = args[++i];
    else if (args[i].startsWith('--db=')) flag = args[i].slice('--db='.length);
    else rest.push(args[i]);
  }
  const db = flag ?? (env.CALLSIM_DB || path.join(userDataDir(), 'callsim.db'));
  return { db: path.resolve(env.INIT_CWD || cwd, db), rest };
}

async function start(args: string[]): Promise<number> {
  const { db, rest } = startStore(args);
  const bin = electronBinary();
  if (!bin) {
    process.stderr.write(`${noElectronLine}\n`);
    const { serve } = await import('../server/serve.ts');
    return serve(['--db', db, ...rest], { stdout: quietPipeWriter(process.stdout), stderr: quietPipeWriter(process.stderr) });
  }
  if (rendererIsStale()) await buildRenderer();
  const { buildElectron } = await import('./build.ts');
  await buildElectron();
  // the app's main process reads the store from CALLSIM_DB (defaultDbPath), now absolute
  const child = spawn(bin, [repoRoot, ...rest], { stdio: 'inherit', env: { ...process.env, CALLSIM_DB: db } });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

if (path.resolve(process.argv[1] ?? '') === path.resolve(import.meta.filename)) {
  start(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`callsim: ${brokenInstallMessage(err) ?? (err as Error).message}\n`);
      process.exitCode = (err as Error).name === 'InputError' ? 2 : 3;
    },
  );
}

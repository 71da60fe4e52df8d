#!/usr/bin/env node
// The built `callsim` (package.json's "bin"): electron/cli/build.mjs copies this file to
// dist/cli/callsim.mjs beside the bundles. It runs the current build, after checking that no
// project file the build was made from has changed since (build.json lists each with its
// mtime: about a hundred stats, a millisecond or two). If one has, it rebuilds first and says so
// in one line on stderr; if it cannot (dist/ not writable, esbuild missing), it says that and
// runs the sources through tsx, as electron/cli/callsim.mjs does. Plain Node, no packages on
// the common path.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = import.meta.dirname;
const root = path.resolve(here, '../..');

/** build.json, or null when there is none (or it cannot be read). */
function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(path.join(here, 'build.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** The first input whose mtime is not the one recorded at build time (or that is gone), else null. */
function changedInput(manifest) {
  for (const [file, mtimeMs] of Object.entries(manifest.inputs)) {
    if (fs.statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs !== mtimeMs) return file;
  }
  return null;
}

let manifest = readManifest();
const changed = manifest ? changedInput(manifest) : 'build.json';
const outDir = path.relative(process.cwd(), here) || '.';
let entry;
if (changed === null) entry = path.join(here, manifest.main);
else {
  const why = manifest ? `${changed} changed since ${outDir} was built` : `${outDir} has no build.json`;
  const t0 = performance.now();
  try {
    const { buildCli } = await import(pathToFileURL(path.join(root, 'electron/cli/build.mjs')).href);
    manifest = await buildCli({ outDir: here });
    entry = path.join(here, manifest.main);
    process.stderr.write(`callsim: ${why}; rebuilt it in ${Math.round(performance.now() - t0)} ms\n`);
  } catch (err) {
    process.stderr.write(`callsim: ${why} and it cannot be rebuilt (${String(err?.message ?? err).split('\n')[0]}); running the sources through tsx\n`);
    const { register } = await import('tsx/esm/api');
    register();
    entry = path.join(root, 'electron/cli/main.ts');
  }
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));

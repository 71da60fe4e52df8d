import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../server/static.ts';

/** Where the bundles go (package.json's "main" is dist/electron/main.cjs). */
export const electronOutDir = path.join(repoRoot, 'dist/electron');

/**
 * Bundles the main process and the preload with esbuild into dist/electron: main as CommonJS
 * with the packaged dependencies left to node_modules (native ones are rebuilt for Electron's
 * ABI when packaging), the preload as one self-contained file that requires only 'electron',
 * as a sandboxed preload must. Effects: writes dist/electron.
 */
export async function buildElectron(): Promise<{ main: string; preload: string }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const main = path.join(electronOutDir, 'main.cjs');
  const preload = path.join(electronOutDir, 'preload.cjs');
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node22', sourcemap: false, logLevel: 'warning' as const };
  await build({
    ...common,
    entryPoints: [path.join(repoRoot, 'electron/app/main.ts')],
    outfile: main,
    external: ['electron', ...Object.keys(pkg.dependencies)],
    // The engine finds package.json and its own files relative to itself, as ESM does.
    define: { 'import.meta.url': 'importMetaUrl', 'import.meta.dirname': '__dirname' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  await build({ ...common, entryPoints: [path.join(repoRoot, 'electron/app/preload.ts')], outfile: preload, external: ['electron'] });
  return { main, preload };
}

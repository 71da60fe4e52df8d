import fs from 'node:fs';
import path from 'node:path';
import { defaultRendererDir, repoRoot } from './static.ts';

// Building the UI needs Vite, a development tool: kept apart from static.ts, which the
// packaged desktop app bundles.

/** The newest modification time among a folder's files (recursively). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/renderer is missing or older than a source of the UI. */
export function rendererIsStale(rendererDir = defaultRendererDir): boolean {
  const index = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  const sources = Math.max(newestMtime(path.join(repoRoot, 'renderer')), newestMtime(path.join(repoRoot, 'shared')), fs.statSync(path.join(repoRoot, 'vite.config.ts')).mtimeMs);
  return sources > built;
}

/**
 * Builds the UI into dist/renderer with Vite (the repository's vite.config.ts).
 * Effects: writes dist/renderer.
 */
export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(repoRoot, 'vite.config.ts'), root: path.join(repoRoot, 'renderer'), logLevel: 'warn' });
}

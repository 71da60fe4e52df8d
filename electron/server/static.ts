import fs from 'node:fs';
import path from 'node:path';

/** The repository root (this file is electron/server/static.ts). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');
/** Where `vite build` puts the UI. */
export const defaultRendererDir = path.join(repoRoot, 'dist/renderer');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The content type of a served file. Pure. */
export const contentType = (file: string) => contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * The file under `root` that a URL path names, or null if it names none or tries to leave
 * `root` (`..`, encoded or not). `/` is index.html. Effects: reads the file system.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  const rel = path.posix.normalize(p === '/' ? '/index.html' : p).replace(/^\/+/, '');
  const file = path.resolve(root, rel);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

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

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

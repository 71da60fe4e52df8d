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
 * Builds the UI into `rendererDir` (dist/renderer) with Vite (the repository's vite.config.ts).
 * Two builds at once (two test files, two `callsim serve`) would empty each other's output: the
 * second waits for the first, behind a lock directory, and then builds only if still needed.
 * Effects: writes `rendererDir`.
 */
export async function buildRenderer(rendererDir = defaultRendererDir): Promise<void> {
  const lock = path.join(path.dirname(rendererDir), '.renderer-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes is left from a killed build.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (waited > 120_000 || (held && Date.now() - held.mtimeMs > 120_000)) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (!rendererIsStale(rendererDir)) return;
    const { build } = await import('vite');
    // Always a production build, whoever asks. Vite takes NODE_ENV from the environment when it
    // is set, and the test runner sets it to "test": React's development build and the
    // development JSX transform went into dist/renderer (~240 KB more, and slow enough that the UI
    // bench dropped a third of its frames), and `serve` and the bench then used it as up to date.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: path.join(repoRoot, 'vite.config.ts'),
        root: path.join(repoRoot, 'renderer'),
        logLevel: 'warn',
        mode: 'production',
        build: { outDir: rendererDir },
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

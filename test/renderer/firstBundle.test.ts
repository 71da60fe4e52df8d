import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * The page's code, as esbuild bundles renderer/main.tsx with code splitting: the packages and
 * sources in each chunk that has code, by whether it is the entry, the UI it loads at once
 * (start.tsx: React, the statechart) or a chunk loaded later. (The UI is built with Vite;
 * esbuild follows the same static and dynamic imports, fast enough for a unit test.)
 */
async function chunks(): Promise<{ entry: string[]; start: string[]; later: string[][] }> {
  const r = await build({
    absWorkingDir: repoRoot,
    entryPoints: ['renderer/main.tsx'],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: 'out',
    write: false,
    metafile: true,
    jsx: 'automatic',
    loader: { '.css': 'empty' },
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'virtual',
        setup(b) {
          b.onResolve({ filter: /^virtual:/ }, (a) => ({ path: a.path, namespace: 'virtual' }));
          b.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({ contents: 'export default { graph: "", layout: null };' }));
        },
      },
    ],
  });
  const outputs = Object.entries(r.metafile.outputs).filter(([p]) => p.endsWith('.js'));
  const inputs = (o: { inputs: Record<string, { bytesInOutput: number }> }) => Object.keys(o.inputs).filter((i) => o.inputs[i].bytesInOutput > 0);
  // a chunk imported statically goes with the one that imports it
  const closure = (p: string, seen = new Set<string>()): string[] => {
    if (seen.has(p)) return [];
    seen.add(p);
    const o = r.metafile.outputs[p];
    return [...inputs(o), ...o.imports.filter((i) => i.kind === 'import-statement').flatMap((i) => closure(i.path, seen))];
  };
  const entryPath = outputs.find(([, o]) => o.entryPoint === 'renderer/main.tsx')![0];
  const dynamic = outputs.filter(([p, o]) => p !== entryPath && o.entryPoint);
  const startPath = dynamic.find(([, o]) => o.entryPoint === 'renderer/start.tsx')![0];
  return { entry: closure(entryPath), start: closure(startPath), later: dynamic.filter(([p]) => p !== startPath).map(([p]) => closure(p)) };
}

const zod = (files: string[]) => files.filter((i) => /node_modules\/zod\//.test(i));

describe("the UI's first screen", () => {
  it('its code carries no zod: the editors that validate with it (and their schemas) come in a chunk of their own', async () => {
    const { entry, start, later } = await chunks();
    // the page's first script: the connection and the first requests, nothing else of weight
    expect(entry.some((i) => i.endsWith('renderer/connection.ts'))).toBe(true);
    expect(entry.filter((i) => i.includes('node_modules'))).toEqual([]);
    // what it loads at once: React and the statechart, no zod
    expect(start.some((i) => i.includes('@xyflow/react'))).toBe(true);
    for (const first of [entry, start]) {
      expect(zod(first)).toEqual([]);
      expect(first.filter((i) => /shared\/(ipc|policy|faults)\.ts$/.test(i) || i.endsWith('renderer/components/Editors.tsx'))).toEqual([]);
    }
    const editors = later.find((c) => c.some((i) => i.endsWith('renderer/components/Editors.tsx')));
    expect(editors && zod(editors).length).toBeGreaterThan(0);
  });
});

import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * The page's first script, as esbuild bundles renderer/main.tsx with code splitting: which
 * packages the entry chunk carries, and which each lazily loaded chunk does. (The UI is built
 * with Vite; esbuild follows the same static and dynamic imports, fast enough for a unit test.)
 */
async function chunks(): Promise<{ entry: string[]; lazy: string[][] }> {
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
  const inputs = (o: { inputs: Record<string, { bytesInOutput: number }> }) => Object.keys(o.inputs).filter((i) => o.inputs[i].bytesInOutput > 0);
  const outputs = Object.values(r.metafile.outputs).filter((o) => o.inputs && Object.keys(o.inputs).length);
  const entry = outputs.find((o) => o.entryPoint === 'renderer/main.tsx')!;
  // a chunk the entry imports statically is part of the first script too
  const statics = new Set(entry.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path));
  const first = [
    entry,
    ...Object.entries(r.metafile.outputs)
      .filter(([p]) => statics.has(p))
      .map(([, o]) => o),
  ];
  const rest = Object.entries(r.metafile.outputs).filter(([p, o]) => o !== entry && !statics.has(p) && p.endsWith('.js'));
  return { entry: first.flatMap(inputs), lazy: rest.map(([, o]) => inputs(o)) };
}

describe("the UI's first script", () => {
  it('carries no zod: the editors that validate with it (and their schemas) come in a chunk of their own', async () => {
    const { entry, lazy } = await chunks();
    expect(entry.some((i) => i.includes('renderer/bridge.ts'))).toBe(true);
    expect(entry.some((i) => i.includes('@xyflow/react'))).toBe(true);
    expect(entry.filter((i) => /node_modules\/zod\//.test(i))).toEqual([]);
    expect(entry.filter((i) => /shared\/(ipc|policy|faults)\.ts$/.test(i) || i.endsWith('renderer/components/Editors.tsx'))).toEqual([]);
    const editors = lazy.find((c) => c.some((i) => i.endsWith('renderer/components/Editors.tsx')));
    expect(editors?.some((i) => /node_modules\/zod\//.test(i))).toBe(true);
  });
});

import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * `virtual:statechart-layout`: the machine's graph and its ELK layout, computed once when the UI
 * is built, so the page draws the statechart at once instead of loading ELK (1.5 MB) and laying
 * the graph out at every start. The page checks the graph against the server's.
 */
function statechartLayout(): Plugin {
  const id = 'virtual:statechart-layout';
  return {
    name: 'callsim-statechart-layout',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    async load(resolved) {
      if (resolved !== `\0${id}`) return null;
      const [{ machineGraph }, { callMachine }, { layoutStatechart }] = await Promise.all([import('./shared/graph.ts'), import('./shared/machine.ts'), import('./renderer/model/layout.ts')]);
      const graph = machineGraph(callMachine);
      return `export default ${JSON.stringify({ graph: JSON.stringify(graph), layout: await layoutStatechart(graph) })};`;
    },
  };
}

/**
 * The page's first script is small and imports the UI (start.tsx, most of the code) at once: a
 * `modulepreload` link for that chunk lets the browser fetch it alongside the first script
 * instead of after it has run.
 */
function preloadStart(): Plugin {
  return {
    name: 'callsim-preload-start',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const start = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/renderer/start.tsx'));
        return start ? [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${start.fileName}` }, injectTo: 'head' }] : [];
      },
    },
  };
}

// One config for the renderer build (root: renderer/) and for the test runner.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), statechartLayout(), preloadStart()],
  // elkjs is one 1.5 MB chunk, loaded on its own: no warning for it.
  build: { outDir: '../dist/renderer', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: {
    root: '.',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // A deadline, not a window: a test waits for what it expects, and a busy shared machine only
    // makes it slower (two 30 s timeouts were hit with the machine at load 10+, nothing wrong)
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summaryReporter.ts'],
    // the compiled CLI, the UI and one shared Chromium, each once per run
    globalSetup: ['./test/globalSetup.ts', './test/e2e/globalSetup.ts'],
    // One file per core: most of the slow files wait on audio played in real time, Chromium or a
    // child process, and none shares state with another (each has its own temporary store).
    maxWorkers: 2,
  },
});

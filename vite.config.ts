import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the renderer build (root: renderer/) and for the test runner.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  // elkjs is one 1.5 MB chunk, loaded on its own: no warning for it.
  build: { outDir: '../dist/renderer', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: {
    root: '.',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
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

import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the renderer build (root: renderer/) and for the test runner.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
  test: {
    root: '.',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summaryReporter.ts'],
  },
});

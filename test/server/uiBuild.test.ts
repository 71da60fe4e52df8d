import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildRenderer, rendererIsStale } from '../../electron/server/uiBuild.ts';
import { tempDir } from '../helpers.ts';

describe('the UI build', () => {
  it('is a production build when the test runner builds it (NODE_ENV=test), into the folder asked for', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const dir = path.join(tempDir('callsim-ui-build-'), 'renderer');
    expect(rendererIsStale(dir)).toBe(true);
    await buildRenderer(dir);
    expect(rendererIsStale(dir)).toBe(false);
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    // the page's first script, and the UI it loads at once (React is in that one), preloaded
    const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    const start = /rel="modulepreload"[^>]* href="\.\/(assets\/start-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(start).toBeDefined();
    const js = fs.readFileSync(path.join(dir, start!), 'utf8');
    expect(js.includes('Minified React error'), `${start} holds React's production build`).toBe(true);
    for (const f of fs.readdirSync(path.join(dir, 'assets')).filter((f) => f.endsWith('.js')))
      expect(fs.readFileSync(path.join(dir, 'assets', f), 'utf8').includes('jsxDEV'), `${f} was built with the development JSX transform`).toBe(false);
    expect(process.env.NODE_ENV).toBe('test'); // put back after the build
  }, 120_000);
});

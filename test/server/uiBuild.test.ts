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
    const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = fs.readFileSync(path.join(dir, script!), 'utf8');
    expect(js.includes('Minified React error'), `${script} holds React's production build`).toBe(true);
    expect(js.includes('jsxDEV'), `${script} was built with the development JSX transform`).toBe(false);
    expect(process.env.NODE_ENV).toBe('test'); // put back after the build
  }, 120_000);
});

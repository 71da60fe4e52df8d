import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import yaml from 'js-yaml';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import {
  appEntryUrl,
  cspHeader,
  isAllowedNavigation,
  permissionAllowed,
  permissionCheckHandler,
  permissionHandler,
  schemePrivileges,
  validateSender,
  webPreferences,
  windowOpenHandler,
} from '../../electron/app/security.ts';
import { registerIpcHandlers, forwardPushes, type IpcMainLike } from '../../electron/app/ipc.ts';
import { buildBridge } from '../../electron/app/bridge.ts';
import { channels, electronChannel, electronPushChannel, ipcMethods, type PushBatch } from '../../shared/ipc.ts';
import { CallsimApi } from '../../electron/api/api.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { repoRoot, tempDir } from '../helpers.ts';

const appSource = (f: string) => fs.readFileSync(path.join(repoRoot, 'electron/app', f), 'utf8');

describe("Electron's security checklist, item by item", () => {
  const prefs = webPreferences('/app/dist/electron/preload.cjs');

  it('2. Node.js integration is off in every renderer, worker and subframe', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });
  it('3. context isolation is on', () => expect(prefs.contextIsolation).toBe(true));
  it('4. the renderer is sandboxed (and main.ts enables the sandbox for all renderers)', () => {
    expect(prefs.sandbox).toBe(true);
    expect(appSource('main.ts')).toContain('app.enableSandbox()');
  });
  it('6. web security stays on; 8. no insecure content; 9. no experimental features; 10. no Blink features', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.enableBlinkFeatures).toBe('');
  });
  it('11–12. no <webview>: the tag is disabled and attaching one is prevented', () => {
    expect(prefs.webviewTag).toBe(false);
    expect(appSource('main.ts')).toMatch(/will-attach-webview', \(e\) => e\.preventDefault\(\)/);
  });
  it('the window has exactly one preload, given by path', () => expect(prefs.preload).toBe('/app/dist/electron/preload.cjs'));

  it("7. a strict Content-Security-Policy: the app's own scripts only, no inline script or eval, nothing remote", () => {
    const csp = cspHeader();
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives['default-src']).toBe("'self'");
    expect(directives['script-src']).toBe("'self'");
    expect(directives['connect-src']).toBe("'self'");
    expect(directives['object-src']).toBe("'none'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
    expect(appSource('main.ts')).toMatch(/'Content-Security-Policy': cspHeader\(\)/);
  });

  it('1, 18. the UI comes from the custom app:// protocol, never file://; remote requests are cancelled', () => {
    expect(appEntryUrl).toBe('app://callsim/index.html');
    expect(schemePrivileges).toMatchObject({ standard: true, secure: true, bypassCSP: false, corsEnabled: false });
    const main = appSource('main.ts');
    expect(main).toContain('protocol.handle(appScheme, serveApp)');
    expect(main).toContain('win.loadURL(appEntryUrl)');
    expect(main).not.toMatch(/loadFile|file:\/\//);
    expect(main).toMatch(/onBeforeRequest\(\(details, callback\) => callback\(\{ cancel: !\(isAppUrl\(details\.url\)/);
  });

  it("13. navigation is limited to the app's own origin (will-navigate and will-redirect)", () => {
    expect(isAllowedNavigation('app://callsim/index.html')).toBe(true);
    expect(isAllowedNavigation('app://callsim/index.html#sessions')).toBe(true);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://callsim@evil.example/',
      'javascript:alert(1)',
      'data:text/html,hi',
      'not a url',
    ])
      expect(isAllowedNavigation(url), url).toBe(false);
    expect(appSource('main.ts')).toMatch(/'will-navigate', \(e, url\) => \{\s+if \(!isAllowedNavigation\(url\)\) e\.preventDefault\(\);/);
    expect(appSource('main.ts')).toMatch(/'will-redirect', \(e, url\) => \{\s+if \(!isAllowedNavigation\(url\)\) e\.preventDefault\(\);/);
  });

  it('14. new windows are denied (setWindowOpenHandler on every web contents)', () => {
    expect(windowOpenHandler()).toEqual({ action: 'deny' });
    expect(appSource('main.ts')).toContain('contents.setWindowOpenHandler(windowOpenHandler)');
  });

  it("5. permission requests are denied, except the microphone for the app's own page", () => {
    const app = 'app://callsim/index.html';
    expect(permissionAllowed('media', { requestingUrl: app, mediaTypes: ['audio'], isMainFrame: true })).toBe(true);
    expect(permissionAllowed('media', { requestingUrl: app, mediaTypes: ['video'] })).toBe(false);
    expect(permissionAllowed('media', { requestingUrl: app, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(permissionAllowed('media', { requestingUrl: app, mediaTypes: [] })).toBe(false);
    expect(permissionAllowed('media', { requestingUrl: app, mediaTypes: ['audio'], isMainFrame: false })).toBe(false);
    expect(permissionAllowed('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] })).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'display-capture', 'midiSysex', 'pointerLock', 'fullscreen'])
      expect(permissionAllowed(p, { requestingUrl: app }), p).toBe(false);
    const answers: boolean[] = [];
    permissionHandler(null, 'media', (g) => answers.push(g), { requestingUrl: app, mediaTypes: ['audio'] });
    permissionHandler(null, 'geolocation', (g) => answers.push(g), { requestingUrl: app });
    expect(answers).toEqual([true, false]);
    expect(permissionCheckHandler(null, 'media', 'app://callsim', { mediaType: 'audio' })).toBe(true);
    expect(permissionCheckHandler(null, 'media', 'https://evil.example', { mediaType: 'audio' })).toBe(false);
    expect(appSource('main.ts')).toContain('setPermissionRequestHandler(permissionHandler');
    expect(appSource('main.ts')).toContain('setPermissionCheckHandler(permissionCheckHandler');
  });

  it("17. every IPC handler checks that its sender frame is the app's own page", () => {
    expect(validateSender('app://callsim/index.html')).toBe(true);
    for (const url of [undefined, null, '', 'https://evil.example/', 'file:///index.html', 'app://other/index.html', 'devtools://devtools/x', 'about:blank'])
      expect(validateSender(url), String(url)).toBe(false);
  });
});

describe('the typed IPC: one map, validated, named functions only', () => {
  function registered() {
    const store = new SessionStore(path.join(tempDir(), 'ipc.db'));
    const api = new CallsimApi({ store, recordingsDir: path.join(repoRoot, 'recordings') });
    const handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
    registerIpcHandlers({ handle: (c, l) => void handlers.set(c, l) }, api);
    return { handlers, api, store };
  }
  const fromApp = { senderFrame: { url: 'app://callsim/index.html' } };

  it('registers a handler for every channel of the contract, and nothing else', () => {
    const { handlers, store } = registered();
    expect([...handlers.keys()].sort()).toEqual(channels.map(electronChannel).sort());
    store.close();
  });

  it('refuses messages from any other frame, validates requests, answers { ok, value | error }', async () => {
    const { handlers, store } = registered();
    const info = handlers.get('callsim:app.info')!;
    for (const frame of [{ senderFrame: { url: 'https://evil.example/' } }, { senderFrame: null }, {}]) expect(await info(frame, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await info(fromApp, {})).toMatchObject({ ok: true, value: { faultTargets: expect.any(Array) } });
    expect(await handlers.get('callsim:call.start')!(fromApp, { source: { kind: 'library' }, pacing: 'virtual' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('call.start: request $.source.file') },
    });
    store.close();
  });

  it('the mic button crosses the same validated channel: a foreign frame opens nothing, a malformed mic source is refused by name', async () => {
    const { handlers, store } = registered();
    const start = handlers.get('callsim:call.start')!;
    const mic = { source: { kind: 'mic' }, pacing: 'realtime' };
    expect(await start({ senderFrame: { url: 'https://evil.example/' } }, mic)).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining('call.start: refused a message from https://evil.example/') },
    });
    expect(await start(fromApp, { ...mic, source: { kind: 'mic', device: 'hw:0' } })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: 'call.start: request $.source: Unrecognized key: "device" ("device")' },
    });
    expect(await start(fromApp, { ...mic, source: { kind: 'mic', wav: { kind: 'file', name: 'x.wav' } } })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('$.source.wav.base64') },
    });
    expect(store.list()).toEqual([]);
    store.close();
  });

  it('pushes go to the window only while it shows the app', () => {
    const { api, store } = registered();
    const sent: string[] = [];
    let url = 'app://callsim/index.html';
    forwardPushes(api, { isDestroyed: () => false, webContents: { send: (c) => sent.push(c), getURL: () => url } });
    (api as unknown as { listeners: Set<(b: PushBatch[]) => void> }).listeners.forEach((l) => l([]));
    url = 'https://evil.example/';
    (api as unknown as { listeners: Set<(b: PushBatch[]) => void> }).listeners.forEach((l) => l([]));
    expect(sent).toEqual([electronPushChannel]);
    store.close();
  });

  it('the preload exposes one named function per channel, each bound to its channel; no generic invoke', async () => {
    const calls: [string, unknown][] = [];
    let pushListener: ((b: PushBatch[]) => void) | null = null;
    const bridge = buildBridge(
      async (c, r) => (calls.push([c, r]), { ok: true, value: null }),
      (l) => ((pushListener = l), () => (pushListener = null)),
    ) as unknown as Record<string, (...a: unknown[]) => unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...channels.map((c) => ipcMethods[c]), 'onPush'].sort());
    for (const generic of ['invoke', 'send', 'on', 'ipcRenderer', 'call']) expect(bridge[generic]).toBeUndefined();
    expect(Object.isFrozen(bridge)).toBe(true);
    for (const c of channels) await bridge[ipcMethods[c]]({ probe: c });
    expect(calls).toEqual(channels.map((c) => [c, { probe: c }]));
    const got: unknown[] = [];
    const off = bridge.onPush((b: unknown) => got.push(b)) as () => void;
    pushListener!([]);
    expect(got).toEqual([[]]);
    off();
    expect(pushListener).toBeNull();
    const preload = appSource('preload.ts');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toContain("exposeInMainWorld(\n  'callsim',\n  buildBridge(");
  });
});

describe('packaging', () => {
  const builder = yaml.load(fs.readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

  it('flips the fuses in an afterPack hook: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges off; asar integrity, asar-only and cookie encryption on', () => {
    expect(builder.afterPack).toBe('electron/app/afterPack.cjs');
    const hook = createRequire(import.meta.url)(path.join(repoRoot, builder.afterPack));
    expect(typeof hook).toBe('function');
    const fuses = hook.fuseConfig();
    expect(fuses.version).toBe(FuseVersion.V1);
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    // every fuse this @electron/fuses knows is set on purpose, none left at Electron's default
    const known = Object.values(FuseV1Options).filter((v): v is FuseV1Options => typeof v === 'number');
    expect(known.filter((f) => !(f in fuses))).toEqual([]);
    expect(hook.executablePath({ electronPlatformName: 'linux', appOutDir: '/out', packager: { appInfo: { productFilename: 'callsim' }, executableName: 'callsim' } })).toBe('/out/callsim');
    expect(hook.executablePath({ electronPlatformName: 'darwin', appOutDir: '/out', packager: { appInfo: { productFilename: 'callsim' } } })).toBe('/out/callsim.app');
  });

  it('packs into asar, rebuilds better-sqlite3 for Electron, ships the bundles, the UI and the recordings', () => {
    expect(builder.asar).toBe(true);
    expect(builder.npmRebuild).toBe(true);
    expect(builder.asarUnpack).toContain('node_modules/better-sqlite3/**');
    expect(builder.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/renderer/**', 'recordings/**']));
    expect(builder.extraMetadata.main).toBe(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).main);
  });

  it('bundles main and preload with esbuild; the sandboxed preload requires nothing but electron', async () => {
    const { buildElectron } = await import('../../electron/app/build.ts');
    const { main, preload } = await buildElectron();
    const required = (f: string) => [...new Set([...fs.readFileSync(f, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
    expect(required(preload)).toEqual(['electron']);
    expect(required(main)).toContain('better-sqlite3');
    expect(fs.readFileSync(main, 'utf8')).not.toMatch(/require\("(vite|esbuild|vitest)"\)/);
  });
});

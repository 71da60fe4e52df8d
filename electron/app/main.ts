// The desktop app's main process: one window showing the UI from app://callsim/, the session
// store and the engine behind the typed IPC of shared/ipc.ts. Every setting that matters for
// security comes from security.ts, where the tests check it item by item.
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { SessionStore } from '../store/sessions.ts';
import { defaultDbPath } from '../store/db.ts';
import { CallsimApi } from '../api/api.ts';
import { contentType, resolveStatic } from '../server/static.ts';
import { forwardPushes, registerIpcHandlers } from './ipc.ts';
import {
  appEntryUrl,
  appHost,
  appScheme,
  cspHeader,
  isAllowedNavigation,
  isAppUrl,
  permissionCheckHandler,
  permissionHandler,
  schemePrivileges,
  webPreferences,
  windowOpenHandler,
} from './security.ts';

const root = app.getAppPath();
const rendererDir = path.join(root, 'dist/renderer');

protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { ...schemePrivileges } }]);
app.enableSandbox();

/** Serves the UI's files from app://callsim/, with the CSP header; anything else is 404. */
function serveApp(request: Request): Response {
  const url = new URL(request.url);
  const file = url.host === appHost ? resolveStatic(rendererDir, url.pathname) : null;
  if (!file) return new Response('not found', { status: 404, headers: { 'Content-Security-Policy': cspHeader() } });
  return new Response(fs.readFileSync(file), {
    headers: { 'Content-Type': contentType(file), 'Content-Security-Policy': cspHeader(), 'X-Content-Type-Options': 'nosniff' },
  });
}

// Every web contents, whatever creates it: no navigation away, no new windows, no <webview>.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!isAllowedNavigation(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAllowedNavigation(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler);
});

app.whenReady().then(() => {
  // Electron's userData for "callsim" is the directory the CLI uses by default, so the app and
  // `callsim sessions` see the same sessions.
  const store = new SessionStore(defaultDbPath());
  const api = new CallsimApi({ store, recordingsDir: path.join(root, 'recordings') });
  protocol.handle(appScheme, serveApp);
  session.defaultSession.setPermissionRequestHandler(permissionHandler as never);
  session.defaultSession.setPermissionCheckHandler(permissionCheckHandler as never);
  // Nothing but the app's own origin is ever fetched: remote content is blocked outright.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !(isAppUrl(details.url) || details.url.startsWith('devtools://')) }));
  registerIpcHandlers(ipcMain, api);

  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#0c1016',
    title: 'callsim',
    show: false,
    webPreferences: webPreferences(path.join(__dirname, 'preload.cjs')),
  });
  const unsubscribe = forwardPushes(api, win);
  win.once('ready-to-show', () => win.show());
  win.on('closed', unsubscribe);
  void win.loadURL(appEntryUrl);

  app.on('window-all-closed', async () => {
    await api.close();
    store.close();
    app.quit();
  });
});

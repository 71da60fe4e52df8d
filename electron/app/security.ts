/**
 * The desktop app's security settings, one plain function per item of Electron's security
 * checklist, so that tests can assert each one without the Electron binary. main.ts only wires
 * these into Electron. Pure (no electron import).
 */
import { contentSecurityPolicy } from '../../shared/csp.ts';

/** The app's own scheme and host: the UI is served from app://callsim/, never file://. */
export const appScheme = 'app';
export const appHost = 'callsim';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** How the custom scheme is registered: a standard, secure origin with fetch; nothing else. */
export const schemePrivileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
} as const;

/** True for a URL of the app's own origin (app://callsim/…). Pure. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${appScheme}:` && u.host === appHost && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * The window's web preferences: context isolation on, Node integration off everywhere, the
 * renderer sandboxed, web security on, no insecure content, no experimental or Blink
 * features, no <webview>, and the one preload script.
 */
export function webPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  } as const;
}

/** The Content-Security-Policy of every response of app://: own scripts only, no inline, no eval, nothing remote. */
export function cspHeader(): string {
  return contentSecurityPolicy();
}

/** `will-navigate` / `will-redirect`: only within the app's own origin. Pure. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** `setWindowOpenHandler`: no new windows, ever (links to the web are not followed either). */
export function windowOpenHandler(): { action: 'deny' } {
  return { action: 'deny' };
}

/** What of a permission request the decision reads (Electron's `details`). */
export interface PermissionRequest {
  requestingUrl?: string;
  /** For `media`: which devices. */
  mediaTypes?: string[];
  isMainFrame?: boolean;
}

/**
 * Permission requests: all denied, except the microphone (media, audio only) asked for by the
 * app's own origin in its main frame (`callsim mic` in the app). Pure.
 */
export function permissionAllowed(permission: string, details: PermissionRequest): boolean {
  if (permission !== 'media') return false;
  if (!isAppUrl(details.requestingUrl)) return false;
  if (details.isMainFrame === false) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'audio');
}

/** `session.setPermissionRequestHandler`'s handler. */
export function permissionHandler(_webContents: unknown, permission: string, callback: (granted: boolean) => void, details: PermissionRequest): void {
  callback(permissionAllowed(permission, details));
}

/** `session.setPermissionCheckHandler`'s handler: the same rule for synchronous checks. */
export function permissionCheckHandler(_webContents: unknown, permission: string, requestingOrigin: string, details: { mediaType?: string; isMainFrame?: boolean }): boolean {
  return permissionAllowed(permission, { requestingUrl: requestingOrigin, mediaTypes: details.mediaType ? [details.mediaType] : [], isMainFrame: details.isMainFrame });
}

/**
 * An IPC handler's check of who sent a message: the sending frame must be the app's own page
 * (app://callsim/), never a foreign or missing frame. Pure.
 */
export function validateSender(frameUrl: string | null | undefined): boolean {
  return isAppUrl(frameUrl);
}

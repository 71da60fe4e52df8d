/**
 * The UI's Content-Security-Policy, one for both ways it is shown (Electron's app:// and
 * `callsim serve`): its own scripts only (no inline script, no eval), nothing remote. Only the
 * places it may connect to differ (the served UI's own WebSocket). Pure.
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

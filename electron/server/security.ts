import { contentSecurityPolicy } from '../../shared/csp.ts';
import { timingSafeEqual } from 'node:crypto';

/**
 * The rules `callsim serve` holds every HTTP and WebSocket request to. The server binds
 * 127.0.0.1 only, but a web page the developer visits can still reach a local port: through
 * DNS rebinding (a foreign name resolving to 127.0.0.1: caught by the Host check), through a
 * cross-site WebSocket (caught by the Origin check), or by guessing (caught by the per-run
 * token). Pure.
 */

/** What of a request the checks read. */
export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  /** `Sec-Fetch-Site`, which browsers send with every request. */
  fetchSite: string | undefined;
  /** The token from the URL (`?token=`) or the session cookie. */
  token: string | null;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** The Host values the server answers to: the loopback address or localhost, on its port. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The origins the UI's own pages have. */
export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

/** Compares two tokens in constant time. */
export function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Decides one request: Host first (DNS rebinding), then Origin (cross-site), then the token. */
export function checkRequest(f: RequestFacts, o: { port: number; token: string }): Verdict {
  if (!f.host || !allowedHosts(o.port).includes(f.host.toLowerCase())) return { ok: false, reason: `Host "${f.host ?? ''}" is not 127.0.0.1:${o.port} or localhost:${o.port}` };
  if (f.origin !== undefined && !allowedOrigins(o.port).includes(f.origin.toLowerCase())) return { ok: false, reason: `Origin "${f.origin}" is not this server's` };
  if (f.fetchSite === 'cross-site') return { ok: false, reason: 'a cross-site request' };
  if (!sameToken(f.token, o.token)) return { ok: false, reason: f.token ? 'wrong token' : 'no token (open the URL callsim serve printed)' };
  return { ok: true };
}

/** The name of the cookie that carries the token to the UI's own files; per port, as cookies ignore ports. */
export const tokenCookie = (port: number) => `callsim_token_${port}`;

/** The token of a request: `?token=` in its URL, else the cookie. Pure. */
export function requestToken(url: string, cookieHeader: string | undefined, port: number): string | null {
  const q = new URL(url, 'http://x').searchParams.get('token');
  if (q) return q;
  const name = tokenCookie(port);
  for (const part of (cookieHeader ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/**
 * The Content-Security-Policy of the served UI: its own scripts only (no inline script, no
 * eval), its own WebSocket, nothing from anywhere else.
 */
export function cspHeader(port: number): string {
  return contentSecurityPolicy(allowedHosts(port).map((h) => `ws://${h}`));
}

/** Every response's security headers. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': cspHeader(port),
    'X-Content-Type-Options': 'nosniff',
    // The token is in the URL: never send it anywhere as a referrer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

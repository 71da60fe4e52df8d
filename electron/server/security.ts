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
  /** The request's target as a path on this host (requestTarget), or null when it is none. */
  target: URL | null;
  /** A header the checks read that the request carries twice (see repeatedHeader), else null. */
  repeated?: string | null;
  host: string | undefined;
  origin: string | undefined;
  /** `Sec-Fetch-Site`, which browsers send with every request. */
  fetchSite: string | undefined;
  /** The token from the URL (`?token=`) or the session cookie. */
  token: string | null;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 403; reason: string };

/** The headers the checks read, each allowed once. */
const singleHeaders = ['host', 'origin', 'sec-fetch-site'];

/**
 * The first of the checked headers that `rawHeaders` (Node's name, value, name, value…) carries
 * twice, as sent, or null. Node keeps the first Host and joins Origins: a second copy could pass
 * the check here and mean another host to a proxy or a later reader. Pure.
 */
export function repeatedHeader(rawHeaders: string[]): string | null {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!singleHeaders.includes(name)) continue;
    if (seen.has(name)) return rawHeaders[i];
    seen.add(name);
  }
  return null;
}

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

/**
 * Decides one request: a target that is not a path or a repeated header first (400), then Host
 * (DNS rebinding), Origin (cross-site) and the token (403).
 */
export function checkRequest(f: RequestFacts, o: { port: number; token: string }): Verdict {
  if (!f.target) return { ok: false, status: 400, reason: 'the request target is not a path' };
  if (f.repeated) return { ok: false, status: 400, reason: `two ${f.repeated} headers` };
  if (!f.host || !allowedHosts(o.port).includes(f.host.toLowerCase())) return { ok: false, status: 403, reason: `Host "${f.host ?? ''}" is not 127.0.0.1:${o.port} or localhost:${o.port}` };
  if (f.origin !== undefined && !allowedOrigins(o.port).includes(f.origin.toLowerCase())) return { ok: false, status: 403, reason: `Origin "${f.origin}" is not this server's` };
  if (f.fetchSite === 'cross-site') return { ok: false, status: 403, reason: 'a cross-site request' };
  if (!sameToken(f.token, o.token)) return { ok: false, status: 403, reason: f.token ? 'wrong token' : 'no token (open the URL callsim serve printed)' };
  return { ok: true };
}

/** The name of the cookie that carries the token to the UI's own files; per port, as cookies ignore ports. */
export const tokenCookie = (port: number) => `callsim_token_${port}`;

/**
 * A request's target as a URL, or null when it is not a path (`*`, a proxy's absolute URL):
 * those get 400. Read as a path on this host, so that `//a` is the path //a, not host a, and
 * nothing a client sends makes it throw. Pure.
 */
export function requestTarget(url: string | undefined): URL | null {
  if (!url?.startsWith('/')) return null;
  try {
    return new URL(`http://x${url}`);
  } catch {
    return null;
  }
}

/** The token of a request: `?token=` in its URL, else the cookie. Pure. */
export function requestToken(url: URL, cookieHeader: string | undefined, port: number): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const name = tokenCookie(port);
  for (const part of (cookieHeader ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return null; // a mangled value (`%zz`) is no token, not a thrown error in the request handler
    }
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

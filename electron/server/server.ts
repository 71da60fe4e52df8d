import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { wsRequestSchema, type WsMessage } from '../../shared/ipc.ts';
import { InputError } from '../../shared/validate.ts';
import { SessionStore } from '../store/sessions.ts';
import { CallsimApi } from '../api/api.ts';
import type { LiveCalls } from '../api/live.ts';
import { checkRequest, repeatedHeader, requestTarget, requestToken, securityHeaders, tokenCookie, type Verdict } from './security.ts';
import { contentType, defaultRendererDir, repoRoot, resolveStatic } from './static.ts';
import { forwardInspection } from './inspect.ts';

export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  dbPath: string;
  recordingsDir?: string;
  rendererDir?: string;
  /** The per-run token; random unless given (tests). */
  token?: string;
  /**
   * A WebSocket server (ws:// or wss://) to send every inspection event of every call to, one
   * JSON message each, as @statelyai/inspect's createWebSocketInspector sends them: e.g. the
   * Stately Inspector bridge of `createInspectorServer` on ws://localhost:8080. One that is not
   * there yet or goes away is tried again every `retryMs` (5 s), its events held meanwhile;
   * `onError` hears of each outage and each return.
   */
  inspect?: { url: string; onError?: (message: string) => void; retryMs?: number };
  /** Where a connection's error goes, one line each; stderr unless given. */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The URL to open, token included: http://127.0.0.1:PORT/?token=… */
  url: string;
  port: number;
  token: string;
  api: CallsimApi;
  /** Stops the live calls (saving them), closes every connection and the store. */
  close(): Promise<void>;
}

/**
 * Largest /ws message: the largest request is a `sessions.import` of 200,000,000 characters
 * (shared/ipc.ts), and an export's quotes and newlines escaped into the request's JSON string
 * add about 18 % (measured on the library's exports): ~236 MB. Past it ws closes with 1009.
 */
export const maxRequestBytes = 256 * 1024 * 1024;
/** Largest /inspect message: an inspector only listens (what it sends is ignored), so a small bound. */
export const maxInspectorMessageBytes = 64 * 1024;
/**
 * An inspector that has this much unsent is disconnected: its stream is lossless or it ends,
 * never silently thinned out.
 */
const maxInspectorBacklogBytes = 64 * 1024 * 1024;

/** An `--inspect` URL must be a WebSocket one; anything else is an InputError. Pure. */
export function checkInspectUrl(url: string): void {
  if (!/^wss?:\/\/[^/]/i.test(url)) throw new InputError('callsim serve', '--inspect', `"${url}" is not a WebSocket URL (ws://host:port or wss://…)`);
}

/**
 * The file a page URL names. `/session/<id>` is the UI opened on a saved session (a link to
 * share, a reload): index.html, and the files it loads relative to itself (`./assets/…`, which
 * from there are `/session/assets/…`) are the UI's own. Effects: reads the file system.
 */
function pageFile(rendererDir: string, pathname: string): string | null {
  if (!pathname.startsWith('/session/')) return resolveStatic(rendererDir, pathname);
  return resolveStatic(rendererDir, pathname.slice('/session'.length)) ?? resolveStatic(rendererDir, '/');
}

/**
 * Starts `callsim serve`: the UI's files over HTTP and the contract of shared/ipc.ts over a
 * WebSocket at /ws, on 127.0.0.1 only; live calls' inspection events in the @statelyai/inspect
 * shape over a WebSocket at /inspect (`?session=<id>` for one call), and, when `inspect` is
 * given, sent on to the user's WebSocket server. Every HTTP request and WebSocket upgrade must
 * carry the per-run token (in the URL, or the cookie the first page load sets), a Host of
 * 127.0.0.1/localhost on this port, and no foreign Origin; anything else gets 403 (400 when it
 * carries one of those headers twice, or its target is not a path). A connection that errs (a
 * malformed frame, a reset) is closed alone, with ws's close code, and logged once; the server
 * and its calls go on.
 * Effects: listens on a port; opens the session store; runs calls; connects to `inspect.url`.
 */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  if (o.inspect) checkInspectUrl(o.inspect.url);
  const token = o.token ?? randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(o.rendererDir ?? defaultRendererDir);
  const store = new SessionStore(o.dbPath);
  const api = new CallsimApi({ store, recordingsDir: o.recordingsDir ?? path.join(repoRoot, 'recordings') });
  const log = o.log ?? ((line: string) => process.stderr.write(`callsim serve: ${line}\n`));
  // One line per connection however many errors it raises (a bad frame, then a reset).
  const logged = new WeakSet<Duplex>();
  const logOnce = (socket: Duplex, line: string) => {
    if (logged.has(socket)) return;
    logged.add(socket);
    log(line);
  };
  let port = 0;

  const verdict = (req: http.IncomingMessage, url: URL | null): Verdict =>
    checkRequest(
      {
        target: url,
        repeated: repeatedHeader(req.rawHeaders),
        host: req.headers.host,
        origin: req.headers.origin,
        fetchSite: req.headers['sec-fetch-site'] as string | undefined,
        token: url && requestToken(url, req.headers.cookie, port),
      },
      { port, token },
    );

  const server = http.createServer((req, res) => {
    const url = requestTarget(req.url);
    const v = verdict(req, url);
    if (!v.ok || !url) return refuse(res, v, port);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...securityHeaders(port), Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      return res.end('method not allowed\n');
    }
    const headers: Record<string, string | string[]> = { ...securityHeaders(port) };
    // The page's own files carry the token in a cookie, as their URLs do not.
    if (url.searchParams.has('token')) headers['Set-Cookie'] = `${tokenCookie(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    const file = pageFile(rendererDir, url.pathname);
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      return res.end(fs.existsSync(path.join(rendererDir, 'index.html')) ? 'not found\n' : 'the UI is not built: run `npx vite build`\n');
    }
    res.writeHead(200, { ...headers, 'Content-Type': contentType(file) });
    if (req.method === 'HEAD') return res.end();
    // A file that goes away mid-read ends this response, not the process.
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes });
  const inspectWss = new WebSocketServer({ noServer: true, maxPayload: maxInspectorMessageBytes });
  server.on('upgrade', (req, socket: Duplex, head) => {
    const url = requestTarget(req.url);
    const where = url?.pathname === '/ws' || url?.pathname === '/inspect' ? url.pathname : 'upgrade';
    // Node leaves an upgraded socket without an 'error' listener: a reset (while refused, or
    // mid-call) would otherwise be an uncaught error and end the process.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // a client that went away (a closed tab, a killed browser) is not worth a line
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') logOnce(socket, `${where}: connection error (${err.message})`);
      socket.destroy();
    });
    // A bad frame: ws has closed the socket with its code (1002, 1007, 1009) when this runs.
    const guard = (ws: WebSocket) => ws.on('error', (err) => logOnce(socket, `${where}: closed a connection: ${err.message}`));
    const v = verdict(req, url);
    if (!v.ok || !url) return refuseUpgrade(socket, ...refusal(v));
    if (url.pathname === '/ws') return wss.handleUpgrade(req, socket, head, (ws) => (guard(ws), serveSocket(ws, api)));
    if (url.pathname === '/inspect') {
      const only = url.searchParams.get('session');
      if (only !== null && !api.live.list().some((c) => c.sessionId === only))
        return refuseUpgrade(socket, '404 Not Found', `no live call "${only}": an inspector follows a running call (leave out session= to follow every call from now on)`);
      return inspectWss.handleUpgrade(req, socket, head, (ws) => (guard(ws), serveInspector(ws, api.live, only)));
    }
    refuseUpgrade(socket, '404 Not Found', 'not found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const forwarding = o.inspect ? forwardInspection(o.inspect.url, api.live, o.inspect.onError ?? ((m) => process.stderr.write(`callsim serve: ${m}\n`)), { retryMs: o.inspect.retryMs }) : null;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    api,
    async close() {
      await api.close();
      forwarding?.close();
      for (const w of [wss, inspectWss]) {
        for (const c of w.clients) c.terminate();
        w.close();
      }
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}

/** A refused request's status line and text (a request without a target is never let through). */
function refusal(v: Verdict): [string, string] {
  if (v.ok) return ['400 Bad Request', 'bad request'];
  return v.status === 400 ? ['400 Bad Request', `bad request: ${v.reason}`] : ['403 Forbidden', `forbidden: ${v.reason}`];
}

function refuse(res: http.ServerResponse, v: Verdict, port: number): void {
  const [status, text] = refusal(v);
  res.writeHead(Number(status.slice(0, 3)), { ...securityHeaders(port), 'Content-Type': 'text/plain' });
  res.end(`${text}\n`);
}

function refuseUpgrade(socket: Duplex, status: string, text: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
}

/**
 * One inspector connection: every inspection event of the calls it follows (one call's, or all),
 * one JSON message each, as createWebSocketInspector would send them. Following one call, the
 * socket closes (1000) when the call ends; an inspector that falls too far behind is closed
 * (1013) rather than sent a thinned stream. Messages from it are ignored.
 */
function serveInspector(ws: WebSocket, live: LiveCalls, only: string | null): void {
  let detach = () => {};
  const end = (code: number, reason: string) => {
    detach();
    ws.close(code, reason);
  };
  detach = live.inspect(
    {
      event: (_id, ev) => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify(ev));
        if (ws.bufferedAmount > maxInspectorBacklogBytes) end(1013, 'the inspector fell behind; reconnect');
      },
      ended: (id) => {
        if (only !== null) end(1000, `call ${id} ended`);
      },
    },
    only === null ? {} : { sessionId: only },
  );
  ws.on('close', () => detach());
}

/** One UI connection: requests in, answers and pushes out, each a JSON message. */
function serveSocket(ws: WebSocket, api: CallsimApi): void {
  const send = (m: WsMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const unsubscribe = api.onPush((push) => send({ push }));
  ws.on('close', unsubscribe);
  ws.on('message', async (data) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(data));
    } catch {
      return send({ id: -1, result: { ok: false, error: { code: 'bad_request', message: 'a message must be JSON: { "id", "channel", "request" }' } } });
    }
    const env = wsRequestSchema.safeParse(raw);
    if (!env.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
      return send({ id, result: { ok: false, error: { code: 'bad_request', message: 'a message must be { "id": number, "channel": string, "request": object }' } } });
    }
    send({ id: env.data.id, result: await api.handle(env.data.channel, env.data.request) });
  });
}

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { wsRequestSchema, type WsMessage } from '../../shared/ipc.ts';
import { SessionStore } from '../store/sessions.ts';
import { CallsimApi } from './api.ts';
import { checkRequest, requestToken, securityHeaders, tokenCookie, type Verdict } from './security.ts';
import { contentType, defaultRendererDir, repoRoot, resolveStatic } from './static.ts';

export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  dbPath: string;
  recordingsDir?: string;
  rendererDir?: string;
  /** The per-run token; random unless given (tests). */
  token?: string;
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

/** Largest WebSocket message accepted: a session import can be large, nothing else is. */
const maxMessageBytes = 256 * 1024 * 1024;

/**
 * Starts `callsim serve`: the UI's files over HTTP and the contract of shared/ipc.ts over a
 * WebSocket at /ws, on 127.0.0.1 only. Every HTTP request and WebSocket upgrade must carry the
 * per-run token (in the URL, or the cookie the first page load sets), a Host of
 * 127.0.0.1/localhost on this port, and no foreign Origin; anything else gets 403.
 * Effects: listens on a port; opens the session store; runs calls.
 */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(o.rendererDir ?? defaultRendererDir);
  const store = new SessionStore(o.dbPath);
  const api = new CallsimApi({ store, recordingsDir: o.recordingsDir ?? path.join(repoRoot, 'recordings') });
  let port = 0;

  const verdict = (req: http.IncomingMessage): Verdict =>
    checkRequest(
      {
        host: req.headers.host,
        origin: req.headers.origin,
        fetchSite: req.headers['sec-fetch-site'] as string | undefined,
        token: requestToken(req.url ?? '/', req.headers.cookie, port),
      },
      { port, token },
    );

  const server = http.createServer((req, res) => {
    const v = verdict(req);
    if (!v.ok) return refuse(res, v.reason, port);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...securityHeaders(port), Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      return res.end('method not allowed\n');
    }
    const headers: Record<string, string | string[]> = { ...securityHeaders(port) };
    // The page's own files carry the token in a cookie, as their URLs do not.
    if (new URL(req.url ?? '/', 'http://x').searchParams.has('token')) headers['Set-Cookie'] = `${tokenCookie(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    const file = resolveStatic(rendererDir, new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      return res.end(fs.existsSync(path.join(rendererDir, 'index.html')) ? 'not found\n' : 'the UI is not built: run `npx vite build`\n');
    }
    res.writeHead(200, { ...headers, 'Content-Type': contentType(file) });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  server.on('upgrade', (req, socket: Duplex, head) => {
    const v = verdict(req);
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!v.ok || pathname !== '/ws') {
      socket.end(`HTTP/1.1 ${v.ok ? '404 Not Found' : '403 Forbidden'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${v.ok ? 'not found' : `forbidden: ${v.reason}`}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, api));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    api,
    async close() {
      await api.close();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}

function refuse(res: http.ServerResponse, reason: string, port: number): void {
  res.writeHead(403, { ...securityHeaders(port), 'Content-Type': 'text/plain' });
  res.end(`forbidden: ${reason}\n`);
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

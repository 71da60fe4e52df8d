import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../electron/server/server.ts';
import { tempDir } from '../helpers.ts';

let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  const dir = tempDir();
  // A stand-in UI build: the server's rules do not depend on what it serves.
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(rendererDir, 'assets/app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the UI folder');
  server = await startServer({ dbPath: path.join(dir, 's.db'), rendererDir });
});
afterAll(() => server.close());

/** A raw HTTP request to the server, with exactly the headers given. */
function get(p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, method, headers: { Host: `127.0.0.1:${server.port}`, ...headers }, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw WebSocket upgrade: 101 when accepted, else the refusal's status. */
function upgrade(p: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: server.port,
      path: p,
      setHost: false,
      headers: {
        Host: `127.0.0.1:${server.port}`,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

const tok = () => `token=${server.token}`;

describe('callsim serve: who may talk to it', () => {
  it('listens on 127.0.0.1 only, with a random token in the URL it prints', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (other) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: other.address, port: server.port });
        s.on('connect', () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      expect(refused, `port ${server.port} must not answer on ${other.address}`).toBe(true);
    }
  });

  it('HTTP: no token, a wrong token, a foreign Host or a foreign Origin get 403', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/')).body).toContain('no token');
    expect((await get('/?token=nope')).status).toBe(403);
    expect((await get(`/?${tok()}`, { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(`/?${tok()}`, { Host: '127.0.0.1' })).status).toBe(403);
    expect((await get(`/?${tok()}`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/?${tok()}`, { Origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await get(`/?${tok()}`, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
  });

  it('HTTP: the right token, Host and Origin get the UI with a strict CSP, and a cookie for its files', async () => {
    const r = await get(`/?${tok()}`, { Origin: `http://127.0.0.1:${server.port}` });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<script type="module"');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await get('/', { Host: `localhost:${server.port}` })).status).toBe(403);
    const asset = await get('/assets/app.js', { Cookie: cookie.split(';')[0] });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect((await get(`/?${tok()}`, { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('HTTP: nothing outside the UI folder, and only GET and HEAD', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt']) {
      const r = await get(`${p}?${tok()}`);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('outside the UI folder');
    }
    expect((await get(`/?${tok()}`, {}, 'POST')).status).toBe(405);
  });

  it('WebSocket: no token, a wrong token, a foreign Host or a foreign Origin are refused (403)', async () => {
    expect(await upgrade('/ws')).toBe(403);
    expect(await upgrade('/ws?token=nope')).toBe(403);
    expect(await upgrade(`/ws?${tok()}`, { Host: `attacker.example:${server.port}` })).toBe(403);
    expect(await upgrade(`/ws?${tok()}`, { Origin: 'http://attacker.example' })).toBe(403);
    expect(await upgrade(`/ws?${tok()}`, { Origin: 'null' })).toBe(403);
  });

  it('WebSocket: the right token, Host and Origin connect', async () => {
    expect(await upgrade(`/ws?${tok()}`, { Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await upgrade(`/ws?${tok()}`, { Host: `localhost:${server.port}`, Origin: `http://localhost:${server.port}` })).toBe(101);
    expect(await upgrade('/ws', { Cookie: `callsim_token_${server.port}=${server.token}`, Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });
});

describe('callsim serve: the contract over the WebSocket', () => {
  async function connect() {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?${tok()}`, { origin: `http://127.0.0.1:${server.port}` });
    await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
    const answers = new Map<number, (v: any) => void>();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if ('id' in m) answers.get(m.id)?.(m);
    });
    const send = (raw: string, id: number) => new Promise<any>((r) => (answers.set(id, r), ws.send(raw)));
    return { ws, send, call: (id: number, channel: string, request: unknown) => send(JSON.stringify({ id, channel, request }), id) };
  }

  it('answers a valid request with { ok: true, value }', async () => {
    const c = await connect();
    const m = await c.call(1, 'app.info', {});
    expect(m.result.ok).toBe(true);
    expect(m.result.value.faultTargets).toEqual(['crm.lookupCustomer', 'crm.getAccountBalance', 'orders.getShippingStatus', 'orders.requestRefund', 'agent', 'asr', 'tts']);
    c.ws.close();
  });

  it('rejects a malformed request with a clear error naming the channel, the place and the problem', async () => {
    const c = await connect();
    const bad = await c.call(2, 'call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'warp' });
    expect(bad.result).toEqual({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/^call\.start: request \$\.pacing: /) } });
    const extra = await c.call(3, 'sessions.open', { sessionId: 'x', sql: 'DROP TABLE sessions' });
    expect(extra.result.error.message).toMatch(/sessions\.open: request \$: .*"sql"/);
    const fault = await c.call(4, 'call.control', { sessionId: 'x', action: { type: 'fault.set', fault: { target: 'crm.lookupCustomer', mode: 'explode' } } });
    expect(fault.result.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('$.action.fault.mode') });
    const unknown = await c.call(5, 'fs.readFile', { path: '/etc/passwd' });
    expect(unknown.result.error.message).toMatch(/^unknown channel "fs\.readFile"/);
    const notJson = await c.send('{nope', -1);
    expect(notJson.result.error.code).toBe('bad_request');
    c.ws.close();
  });
});

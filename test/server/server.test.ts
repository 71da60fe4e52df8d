import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { startServer, type RunningServer } from '../../electron/server/server.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import { readScenario } from '../../electron/input/files.ts';
import { leafPaths } from '../../shared/statePaths.ts';
import { repoRoot, tempDir } from '../helpers.ts';

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

describe('callsim serve: Stately inspection at /inspect', () => {
  type Inspected = {
    type: string;
    sessionId: string;
    rootId?: string;
    id: string;
    createdAt: string;
    _version: string;
    event?: { type: string };
    sourceId?: string;
    snapshot?: { status: string; value?: unknown };
    name?: string;
    definition?: string;
  };

  /** A WebSocket client on `path` that keeps every message, and how it closed. */
  async function inspector(p: string) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${p}`);
    const got: Inspected[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
    const until = async (done: (got: Inspected[]) => boolean) => {
      for (let i = 0; i < 500 && !done(got); i++) await new Promise((r) => setTimeout(r, 10));
      expect(done(got)).toBe(true);
    };
    return { ws, got, closed, until };
  }

  /** The leaves each snapshot entered, in order: what the journal records as transitions. */
  const entered = (events: Inspected[], root: string) => {
    const out: string[] = [];
    let before: string[] = [];
    for (const e of events) {
      if (e.type !== '@xstate.snapshot' || e.sessionId !== root) continue;
      const now = leafPaths(e.snapshot!.value);
      for (const leaf of now) if (!before.includes(leaf)) out.push(leaf);
      before = now;
    }
    return out;
  };

  /** The fields @statelyai/inspect's StatelyInspectionEvent requires, per type. */
  function expectStatelyShape(e: Inspected) {
    expect(e).toMatchObject({ sessionId: expect.any(String), rootId: expect.any(String), id: expect.any(String), createdAt: expect.stringMatching(/^\d+$/), _version: '0.7.2' });
    if (e.type === '@xstate.actor') expect(e).toMatchObject({ name: expect.any(String), definition: expect.any(String), snapshot: { status: expect.any(String) } });
    else if (e.type === '@xstate.event') expect(e).toMatchObject({ event: { type: expect.any(String) }, sourceId: expect.any(String) });
    else if (e.type === '@xstate.snapshot') expect(e).toMatchObject({ event: { type: expect.any(String) }, snapshot: { status: expect.any(String) } });
    else throw new Error(`not a Stately inspection event: ${e.type}`);
  }

  /** The id the inspector knows the call's machine by: its `@xstate.actor` event's. */
  const machineId = (events: Inspected[], id: string) => events.find((e) => e.type === '@xstate.actor' && e.name === 'call' && e.sessionId.startsWith(`${id}/`))!.sessionId;

  const journalOf = (id: string) => (server.api as unknown as { o: { store: { journal(id: string): { kind: string; event?: { type: string } }[] } } }).o.store.journal(id);

  it('is held to the same rules as /ws: token, Host and Origin; a session that is not running is 404', async () => {
    expect(await upgrade('/inspect')).toBe(403);
    expect(await upgrade('/inspect?token=nope')).toBe(403);
    expect(await upgrade(`/inspect?${tok()}`, { Host: `attacker.example:${server.port}` })).toBe(403);
    expect(await upgrade(`/inspect?${tok()}`, { Origin: 'https://stately.ai' })).toBe(403);
    expect(await upgrade(`/inspect?${tok()}`, { 'Sec-Fetch-Site': 'cross-site' })).toBe(403);
    expect(await upgrade(`/inspect?${tok()}&session=no-such-call`)).toBe(404);
    expect(await upgrade(`/inspect?${tok()}`)).toBe(101);
    expect(await upgrade(`/inspect?${tok()}`, { Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` })).toBe(101);
    expect(await upgrade('/inspect', { Cookie: `callsim_token_${server.port}=${server.token}` })).toBe(101);
  });

  it('streams every event of a run, in order, none coalesced: each machine step and each transition the journal records', async () => {
    const i = await inspector(`/inspect?${tok()}`);
    let pushedSnapshots = 0;
    const unsubscribe = server.api.onPush((batches) => {
      for (const b of batches) pushedSnapshots += b.inspection.filter((e) => e.type === '@xstate.snapshot').length;
    });
    const started = (await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' })) as { ok: true; value: { sessionId: string } };
    const id = started.value.sessionId;
    await i.until((got) => got.some((e) => e.type === '@xstate.snapshot' && e.sessionId.startsWith(`${id}/`) && e.snapshot!.status === 'done'));
    const root = machineId(i.got, id);
    expect(root).toMatch(new RegExp(`^${id}/x:\\d+$`));
    unsubscribe();
    const events = i.got.filter((e) => e.sessionId.startsWith(`${id}/`));
    for (const e of events) expectStatelyShape(e);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The world (caller, tools, clock) first, then the machine; both roots of themselves.
    expect(events.slice(0, 2).map((e) => [e.type, e.sessionId, e.name, e.rootId])).toEqual([
      ['@xstate.actor', `${id}/world`, 'world', `${id}/world`],
      ['@xstate.actor', root, 'call', root],
    ]);
    expect(JSON.parse(events[1].definition!)).toMatchObject({ id: 'call', initial: 'active' });
    // Each event the machine took, then the snapshot it stepped to, alternately.
    expect(events.slice(2).map((e) => e.type)).toEqual(events.slice(2).map((_, k) => (k % 2 ? '@xstate.snapshot' : '@xstate.event')));
    const machineEvents = events.filter((e) => e.type === '@xstate.event');
    const inputs = journalOf(id)
      .filter((e) => e.kind === 'input')
      .map((e) => e.event!.type);
    expect(machineEvents.map((e) => e.event!.type.replace(/^xstate\.init$/, 'session.started').replace(/^xstate\.after\..*/, 'timer.fired'))).toEqual(inputs);
    expect(machineEvents.map((e) => e.sourceId)).toEqual(machineEvents.map((e) => (e.event!.type.startsWith('xstate.after.') ? root : `${id}/world`)));
    // Every transition, in order: exactly the journal's.
    const opened = (await server.api.handle('sessions.open', { sessionId: id })) as { ok: true; value: { result: { transitions: { state: string }[] } } };
    const transitions = opened.value.result.transitions.map((t) => t.state);
    expect(transitions.length).toBeGreaterThan(10);
    expect(entered(events, root)).toEqual(transitions);
    // The UI's push drew only the newest snapshot of its batch; the inspector got them all.
    const snapshots = events.filter((e) => e.type === '@xstate.snapshot').length;
    expect(snapshots).toBe(inputs.length);
    expect(pushedSnapshots).toBeLessThan(snapshots);
    i.ws.close();
  });

  it('?session= follows one call: joined mid-call it first learns the actors and the current snapshot, then every step, and closes when the call ends', async () => {
    const setup = scenarioSetup(readScenario(path.join(repoRoot, 'recordings/scenarios/crm-blackout.json')));
    const { sessionId: id, done } = await server.api.live.start(setup, { pacing: 'realtime', timeScale: 8 });
    await new Promise((r) => setTimeout(r, 300));
    const i = await inspector(`/inspect?${tok()}&session=${id}`);
    await i.until((got) => got.length >= 2);
    const root = machineId(i.got, id);
    // Another call meanwhile: not this inspector's.
    await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'virtual' });
    await done;
    expect(await i.closed).toEqual({ code: 1000, reason: `call ${id} ended` });
    for (const e of i.got) expectStatelyShape(e);
    expect(i.got.every((e) => e.sessionId.startsWith(`${id}/`))).toBe(true);
    expect(i.got.slice(0, 3).map((e) => [e.type, e.sessionId])).toEqual([
      ['@xstate.actor', `${id}/world`],
      ['@xstate.actor', root],
      ['@xstate.snapshot', root],
    ]);
    expect(i.got.at(-1)).toMatchObject({ type: '@xstate.snapshot', sessionId: root, snapshot: { status: 'done', value: 'transferred' } });
    // From the snapshot it joined at to the end: the journal's transitions after that point, all of them.
    const transitions = ((await server.api.handle('sessions.open', { sessionId: id })) as { ok: true; value: { result: { transitions: { state: string }[] } } }).value.result.transitions.map(
      (t) => t.state,
    );
    const seen = entered(i.got, root);
    expect(seen.length).toBeLessThan(transitions.length);
    const current = leafPaths(i.got[2].snapshot!.value);
    expect(transitions.slice(transitions.length - (seen.length - current.length))).toEqual(seen.slice(current.length));
  });

  it('with `inspect`, sends every event to the user’s WebSocket server as createWebSocketInspector would; an unreachable one is reported and tried again, not fatal', async () => {
    const received: Inspected[] = [];
    const userServer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    userServer.on('connection', (ws) => ws.on('message', (d) => received.push(JSON.parse(String(d)))));
    await new Promise((r) => userServer.once('listening', r));
    const dir = tempDir();
    const forwarding = await startServer({ dbPath: path.join(dir, 'f.db'), rendererDir, inspect: { url: `ws://127.0.0.1:${(userServer.address() as { port: number }).port}` } });
    const errors: string[] = [];
    const unreachable = await startServer({ dbPath: path.join(dir, 'u.db'), rendererDir, inspect: { url: 'ws://127.0.0.1:9', onError: (m) => errors.push(m) } });
    try {
      // Sent at once, before the connection is even open: held, then delivered in order.
      const started = (await forwarding.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' })) as {
        ok: true;
        value: { sessionId: string };
      };
      const id = started.value.sessionId;
      for (let k = 0; k < 300 && !received.some((e) => e.snapshot?.status === 'done'); k++) await new Promise((r) => setTimeout(r, 10));
      for (const e of received) expectStatelyShape(e);
      expect(received[0]).toMatchObject({ type: '@xstate.actor', sessionId: `${id}/world` });
      const transitions = ((await forwarding.api.handle('sessions.open', { sessionId: id })) as { ok: true; value: { result: { transitions: { state: string }[] } } }).value.result.transitions.map(
        (t) => t.state,
      );
      expect(entered(received, machineId(received, id))).toEqual(transitions);
      expect(await unreachable.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'virtual' })).toMatchObject({ ok: true });
      for (let k = 0; k < 300 && !errors.length; k++) await new Promise((r) => setTimeout(r, 10));
      expect(errors).toEqual([expect.stringMatching(/^the inspector at ws:\/\/127\.0\.0\.1:9 cannot be reached \(.+\); trying again every 5 s, inspection events held until it is back$/)]);
      await expect(startServer({ dbPath: path.join(dir, 'x.db'), rendererDir, inspect: { url: 'http://localhost:8080' } })).rejects.toThrow(
        /--inspect.*"http:\/\/localhost:8080" is not a WebSocket URL/,
      );
    } finally {
      await forwarding.close();
      await unreachable.close();
      await new Promise((r) => userServer.close(r));
    }
  });
});

describe('callsim serve --inspect', () => {
  it('takes the WebSocket URL to send inspection events to; anything else is one line, exit 2', async () => {
    const { parseServeArgs } = await import('../../electron/server/serve.ts');
    expect(parseServeArgs(['--inspect', 'ws://127.0.0.1:8080', '--port', '0'])).toEqual({ port: 0, db: undefined, inspect: 'ws://127.0.0.1:8080', help: false });
    // refused while parsing, before serve builds a stale UI (it used to build first, then refuse)
    expect(() => parseServeArgs(['--inspect', 'http://localhost:8080'])).toThrow(/is not a WebSocket URL/);
    const { main } = await import('../../electron/cli/main.ts');
    let stderr = '';
    const code = await main(['serve', '--inspect', 'http://localhost:8080', '--db', path.join(tempDir(), 'i.db')], { stdout: () => {}, stderr: (s) => void (stderr += s) });
    expect(code).toBe(2);
    expect(stderr).toBe('callsim serve: --inspect: "http://localhost:8080" is not a WebSocket URL (ws://host:port or wss://…)\n');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { maxInspectorMessageBytes, maxRequestBytes, startServer, type RunningServer } from '../../electron/server/server.ts';
import { checkRequest, repeatedHeader, requestTarget } from '../../electron/server/security.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import { readScenario } from '../../electron/input/files.ts';
import { repoRoot, tempDir } from '../helpers.ts';

let server: RunningServer;
const logged: string[] = [];

beforeAll(async () => {
  const dir = tempDir();
  const rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
  server = await startServer({ dbPath: path.join(dir, 's.db'), rendererDir, log: (line) => logged.push(line) });
});
afterAll(() => server.close());

/** Waits for `done` (polled), failing after a generous deadline rather than a timed window. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 30_000; !done();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client frame as sent on the wire: masked unless told otherwise; `length` announces a size without sending it. */
function frame(o: { opcode: number; payload?: Buffer; fin?: boolean; rsv?: number; mask?: boolean; length?: bigint }): Buffer {
  const payload = o.payload ?? Buffer.alloc(0);
  const length = o.length ?? BigInt(payload.length);
  const masked = o.mask ?? true;
  const head = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | o.opcode];
  let ext = Buffer.alloc(0);
  if (length < 126n) head.push(Number(length));
  else if (length < 65536n) {
    head.push(126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(length));
  } else {
    head.push(127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(length);
  }
  if (masked) head[1] |= 0x80;
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ key[i % 4])) : payload;
  return Buffer.concat([Buffer.from(head), ext, key, o.length === undefined ? body : Buffer.alloc(0)]);
}

const closeFrame = (code: number, reason: Buffer = Buffer.alloc(0)) => {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(code);
  return frame({ opcode: 0x8, payload: Buffer.concat([p, reason]) });
};
const text = (s: string | Buffer) => frame({ opcode: 0x1, payload: Buffer.from(s) });

/**
 * A WebSocket opened by hand over TCP (the upgrade as ws's client would send it, with the
 * token): bytes can be written to it as they are, and the server's frames are read back.
 */
async function rawSocket(p: string) {
  const socket = net.connect({ host: '127.0.0.1', port: server.port });
  let data = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (d) => (data = Buffer.concat([data, d])));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    `GET ${p}${p.includes('?') ? '&' : '?'}token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await until(() => data.includes('\r\n\r\n') || closed, `the answer to the upgrade of ${p}`);
  const headEnd = data.indexOf('\r\n\r\n') + 4;
  expect(data.subarray(0, headEnd).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  /** The server's frames after the upgrade: opcode and payload (the server never masks). */
  const frames = () => {
    const out: { opcode: number; payload: Buffer }[] = [];
    for (let at = headEnd; at + 2 <= data.length;) {
      let len = data[at + 1] & 0x7f;
      let start = at + 2;
      if (len === 126) {
        len = data.readUInt16BE(start);
        start += 2;
      } else if (len === 127) {
        len = Number(data.readBigUInt64BE(start));
        start += 8;
      }
      if (start + len > data.length) break;
      out.push({ opcode: data[at] & 0x0f, payload: data.subarray(start, start + len) });
      at = start + len;
    }
    return out;
  };
  return {
    socket,
    /** The code of the close frame the server sent (null if it sent none), once it has closed the connection. */
    async closedWith(): Promise<number | null> {
      await until(() => closed, `the server to close ${p}`);
      const close = frames().find((f) => f.opcode === 0x8);
      return close ? (close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005) : null;
    },
  };
}

/** Each malformed frame class, the close code ws answers it with, and the socket it applies to. */
const classes: { name: string; bytes: Buffer; code: number; on?: '/ws' | '/inspect' }[] = [
  { name: 'an unmasked client frame', bytes: frame({ opcode: 0x1, payload: Buffer.from('{}'), mask: false }), code: 1002 },
  { name: 'RSV1 set (no extension was agreed)', bytes: frame({ opcode: 0x1, payload: Buffer.from('{}'), rsv: 0b100 }), code: 1002 },
  { name: 'RSV2 set', bytes: frame({ opcode: 0x1, payload: Buffer.from('{}'), rsv: 0b010 }), code: 1002 },
  { name: 'RSV3 set', bytes: frame({ opcode: 0x2, payload: Buffer.from('{}'), rsv: 0b001 }), code: 1002 },
  { name: 'a reserved data opcode (0x3)', bytes: frame({ opcode: 0x3, payload: Buffer.from('x') }), code: 1002 },
  { name: 'a reserved control opcode (0xB)', bytes: frame({ opcode: 0xb }), code: 1002 },
  { name: 'a continuation with nothing to continue', bytes: frame({ opcode: 0x0, payload: Buffer.from('x') }), code: 1002 },
  { name: 'a new message inside a fragmented one', bytes: Buffer.concat([frame({ opcode: 0x1, payload: Buffer.from('{'), fin: false }), text('}')]), code: 1002 },
  { name: 'invalid UTF-8 in a text frame', bytes: text(Buffer.from([0x7b, 0xc0, 0xaf, 0x7d])), code: 1007 },
  {
    name: 'invalid UTF-8 across fragments',
    bytes: Buffer.concat([frame({ opcode: 0x1, payload: Buffer.from([0xe2, 0x82]), fin: false }), frame({ opcode: 0x0, payload: Buffer.from([0x28]) })]),
    code: 1007,
  },
  { name: 'a ping of 126 bytes (control frames carry 125 at most)', bytes: frame({ opcode: 0x9, payload: Buffer.alloc(126, 1) }), code: 1002 },
  { name: 'a fragmented ping', bytes: frame({ opcode: 0x9, payload: Buffer.from('p'), fin: false }), code: 1002 },
  { name: 'close code 999', bytes: closeFrame(999), code: 1002 },
  { name: 'close code 1005 (never sent on the wire)', bytes: closeFrame(1005), code: 1002 },
  { name: 'close code 5000', bytes: closeFrame(5000), code: 1002 },
  { name: 'a close payload of one byte', bytes: frame({ opcode: 0x8, payload: Buffer.from([0x03]) }), code: 1002 },
  { name: 'a close reason in invalid UTF-8', bytes: closeFrame(1000, Buffer.from([0xff])), code: 1007 },
  { name: 'a 257 MiB message (its header only)', bytes: frame({ opcode: 0x1, length: 257n * 1024n * 1024n }), code: 1009 },
  { name: 'a length past 2^53 - 1', bytes: frame({ opcode: 0x2, length: 1n << 60n }), code: 1009 },
  { name: `a message one byte past /inspect's ${maxInspectorMessageBytes} (its header only)`, bytes: frame({ opcode: 0x1, length: BigInt(maxInspectorMessageBytes + 1) }), code: 1009, on: '/inspect' },
];

describe('callsim serve: a malformed WebSocket frame closes that socket only', () => {
  let ui: WebSocket;
  let answers: Map<number, (m: { id: number; result: { ok: boolean } }) => void>;
  const ask = (id: number) => new Promise<{ id: number; result: { ok: boolean } }>((r) => (answers.set(id, r), ui.send(JSON.stringify({ id, channel: 'app.info', request: {} }))));
  let call: { sessionId: string; done: Promise<void> };
  let followed: WebSocket;
  let followedEvents = 0; // what the inspector following the call has received
  let followedClose: Promise<number>;
  let bad = 0;

  beforeAll(async () => {
    // A UI connection and a live call (slowed so that it outlasts the file; stopped at the end)
    // with an inspector following it, all open through every bad frame.
    ui = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    answers = new Map();
    ui.on('message', (d) => {
      const m = JSON.parse(String(d));
      if ('id' in m) answers.get(m.id)?.(m);
    });
    await new Promise((r, j) => (ui.on('open', r), ui.on('error', j)));
    call = await server.api.live.start(scenarioSetup(readScenario(path.join(repoRoot, 'recordings/scenarios/dead-air.json'))), { pacing: 'realtime', timeScale: 0.1 });
    followed = new WebSocket(`ws://127.0.0.1:${server.port}/inspect?token=${server.token}&session=${call.sessionId}`);
    followed.on('message', () => followedEvents++);
    followedClose = new Promise((r) => followed.on('close', (code) => r(code)));
    await new Promise((r, j) => (followed.on('open', r), followed.on('error', j)));
  });

  it(`the limits: /ws takes a message of ${maxRequestBytes} bytes (the largest sessions.import), /inspect ${maxInspectorMessageBytes}`, () => {
    expect(maxRequestBytes).toBe(256 * 1024 * 1024);
    expect(maxInspectorMessageBytes).toBeLessThan(maxRequestBytes);
  });

  for (const c of classes)
    for (const p of ['/ws', '/inspect'] as const) {
      if (c.on && c.on !== p) continue;
      it(`${p}: ${c.name} → close ${c.code}`, async () => {
        const s = await rawSocket(p);
        s.socket.write(c.bytes);
        bad++;
        expect(await s.closedWith()).toBe(c.code);
      });
    }

  it('a reset in the middle of a frame, and during a refused upgrade, end only those connections', async () => {
    const s = await rawSocket('/ws');
    s.socket.write(text('{"id":1,"channel":"app.info","request":{}}').subarray(0, 5));
    s.socket.resetAndDestroy();
    for (let i = 0; i < 100; i++) {
      const r = net.connect({ host: '127.0.0.1', port: server.port });
      r.on('error', () => {});
      r.on(
        'connect',
        () => (
          r.write(
            `GET /ws?token=nope HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          ),
          r.resetAndDestroy()
        ),
      );
    }
    expect((await ask(99)).result.ok).toBe(true);
  });

  it('every bad socket is logged once, one line naming its path; the UI connection, the live call and its inspector go on; new clients are served', async () => {
    await until(() => logged.filter((l) => / closed a connection: /.test(l)).length >= bad, `${bad} log lines`);
    const closes = logged.filter((l) => / closed a connection: /.test(l));
    expect(closes).toHaveLength(bad);
    for (const l of closes) expect(l).toMatch(/^\/(ws|inspect): closed a connection: .+$/);
    expect(closes.some((l) => /^\/inspect: .*Invalid WebSocket frame: MASK must be set/.test(l))).toBe(true);
    expect(closes.some((l) => /^\/ws: .*Max payload size exceeded/.test(l))).toBe(true);
    expect(logged.every((l) => !l.includes('\n'))).toBe(true);
    // a client that goes away (a reset, as a closed tab or a killed browser does) is no error to report
    expect(logged.filter((l) => /ECONNRESET|EPIPE/.test(l))).toEqual([]);
    // The connection opened before the bad frames answers, and so does a new one.
    expect(await ask(1)).toMatchObject({ id: 1, result: { ok: true } });
    const answered = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const got = new Promise<{ id: number; result: { ok: boolean } }>((r) => answered.on('message', (d) => r(JSON.parse(String(d)))));
    await new Promise((r, j) => (answered.on('open', r), answered.on('error', j)));
    answered.send(JSON.stringify({ id: 2, channel: 'app.info', request: {} }));
    expect(await got).toMatchObject({ id: 2, result: { ok: true } });
    answered.close();
    // The live call ran through it all; its inspector still follows it, and closes (1000) when it ends.
    expect(server.api.live.list().map((c) => c.sessionId)).toContain(call.sessionId);
    expect(followedEvents).toBeGreaterThan(0);
    expect(followed.readyState).toBe(WebSocket.OPEN);
    expect(server.api.live.stop(call.sessionId)).toBe(true);
    await call.done;
    expect(await followedClose).toBe(1000);
    ui.close();
  });
});

describe('callsim serve: a request that could be read two ways is refused (400)', () => {
  /** The status of a request sent over TCP exactly as written (headers repeated as given). */
  async function status(p: string, headers: [string, string][], upgrade = false): Promise<number> {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    const ws: [string, string][] = upgrade
      ? [
          ['Upgrade', 'websocket'],
          ['Connection', 'Upgrade'],
          ['Sec-WebSocket-Key', randomBytes(16).toString('base64')],
          ['Sec-WebSocket-Version', '13'],
        ]
      : [['Connection', 'close']];
    socket.write(`GET ${p} HTTP/1.1\r\n${[...headers, ...ws].map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    await until(() => /^HTTP\/1\.1 \d{3} /.test(data), `an answer to ${p}`);
    socket.destroy();
    return Number(data.slice(9, 12));
  }
  const host = () => ['Host', `127.0.0.1:${server.port}`] as [string, string];
  const origin = () => ['Origin', `http://127.0.0.1:${server.port}`] as [string, string];

  it('two Host headers, the same or not, in either order: 400 for a page and for /ws and /inspect', async () => {
    const tok = `token=${server.token}`;
    expect(await status(`/?${tok}`, [host()])).toBe(200);
    expect(await status(`/?${tok}`, [host(), host()])).toBe(400);
    expect(await status(`/?${tok}`, [host(), ['Host', 'evil.example']])).toBe(400);
    expect(await status(`/?${tok}`, [['host', 'evil.example'], host()])).toBe(400);
    for (const p of ['/ws', '/inspect']) {
      expect(await status(`${p}?${tok}`, [host()], true)).toBe(101);
      expect(await status(`${p}?${tok}`, [host(), ['HOST', 'evil.example']], true)).toBe(400);
      expect(await status(`${p}?${tok}`, [host(), origin(), origin()], true)).toBe(400);
    }
  });

  it('two Origin or two Sec-Fetch-Site headers: 400; other headers may repeat', async () => {
    const tok = `token=${server.token}`;
    expect(await status(`/?${tok}`, [host(), origin()])).toBe(200);
    expect(await status(`/?${tok}`, [host(), origin(), origin()])).toBe(400);
    expect(await status(`/?${tok}`, [host(), ['Sec-Fetch-Site', 'same-origin'], ['Sec-Fetch-Site', 'same-origin']])).toBe(400);
    expect(await status(`/?${tok}`, [host(), ['Accept', 'text/html'], ['Accept', '*/*']])).toBe(200);
  });

  it('repeatedHeader reads the raw headers, whatever their case', () => {
    expect(repeatedHeader(['Host', 'a', 'Accept', 'x', 'host', 'b'])).toBe('host');
    expect(repeatedHeader(['Host', 'a', 'Accept', 'x', 'Accept', 'y'])).toBeNull();
    const facts = { target: new URL('http://x/'), repeated: null, host: '127.0.0.1:1', origin: undefined, fetchSite: undefined, token: 't' };
    expect(checkRequest(facts, { port: 1, token: 't' })).toEqual({ ok: true });
    expect(checkRequest({ ...facts, repeated: 'Host' }, { port: 1, token: 't' })).toEqual({ ok: false, status: 400, reason: 'two Host headers' });
  });

  it('a target that is not a path (*, a proxy URL) is 400; one URL parsing chokes on is a path like any other; a mangled cookie is no token', async () => {
    const tok = `token=${server.token}`;
    for (const target of ['*', `http://127.0.0.1:${server.port}/?${tok}`]) {
      expect(await status(target, [host()]), target).toBe(400);
      expect(await status(target, [host()], true), target).toBe(400);
    }
    // these made `new URL(target, base)` throw inside the request handler: the process's end
    for (const target of ['//', '///', '/\\', '//[', `//?${tok}`, `//evil.example/ws?${tok}`]) {
      expect([403, 404], target).toContain(await status(target, [host()]));
      expect([403, 404], target).toContain(await status(target, [host()], true));
    }
    expect(requestTarget('//a/b?x=1')).toMatchObject({ pathname: '//a/b', search: '?x=1' });
    // a token cookie that does not decode is no token
    expect(await status('/', [host(), ['Cookie', `callsim_token_${server.port}=%zz`]])).toBe(403);
    expect(await status('/ws', [host(), ['Cookie', `callsim_token_${server.port}=%zz`]], true)).toBe(403);
    expect(await status(`/?${tok}`, [host()])).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { startServer } from '../../electron/server/server.ts';
import type { StatelyInspectionEvent } from '../../shared/ipc.ts';
import { tempDir } from '../helpers.ts';

/** Waits for a condition (a generous deadline, never a window it must be met in). */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() - t0 > 30_000) throw new Error(`still waiting for ${what}`);
}

/** A port nothing listens on now (the inspector server starts on it later). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('serve --inspect: an inspector server that is late or drops', () => {
  it('is tried again until it is there, and gets every event in order: started late, dropped once, the stream resumes', async () => {
    const dir = tempDir();
    const rendererDir = path.join(dir, 'renderer');
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const notes: string[] = [];
    const server = await startServer({ dbPath: path.join(dir, 'i.db'), rendererDir, inspect: { url, onError: (m) => notes.push(m), retryMs: 20 } });
    // What the forwarder is handed: the same stream, seen in process.
    const sent: string[] = [];
    const ended: string[] = [];
    const stop = server.api.live.inspect({
      event: (_id, ev: StatelyInspectionEvent) => {
        sent.push(JSON.stringify(ev));
        if (ev.type === '@xstate.snapshot' && ev.snapshot?.status === 'done') ended.push(ev.sessionId);
      },
    });
    const received: string[] = [];
    let connections = 0;
    let user: WebSocketServer | null = null;
    try {
      await until('the first refusal', () => notes.length === 1);
      expect(notes[0]).toMatch(new RegExp(`^the inspector at ${url} cannot be reached \\(.+\\); trying again every 0\\.02 s, inspection events held until it is back$`));
      // A whole call while nobody listens: every event held.
      expect(await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' })).toMatchObject({ ok: true });
      await until('the first call to end', () => ended.length === 1);
      const firstCall = sent.length;
      expect(firstCall).toBeGreaterThan(20);
      // Retried many times by now, and told once.
      expect(notes).toHaveLength(1);
      user = new WebSocketServer({ port, host: '127.0.0.1' });
      user.on('connection', (ws) => {
        connections++;
        ws.on('message', (d) => received.push(String(d)));
      });
      await until('the held events', () => received.length === firstCall);
      expect(received).toEqual(sent);
      expect(notes[1]).toBe(`the inspector at ${url} is back; sent the ${firstCall} inspection events held for it`);
      // The server drops the connection once, between calls.
      for (const c of user.clients) c.terminate();
      await until('the drop to be noticed', () => notes.length === 3);
      expect(notes[2]).toBe(`the inspector at ${url} closed the connection; trying again every 0.02 s, inspection events held until it is back`);
      expect(await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'virtual' })).toMatchObject({ ok: true });
      await until('the second call to end', () => ended.length === 2);
      await until('the second call’s events', () => received.length === sent.length);
      expect(sent.length).toBeGreaterThan(firstCall + 20);
      expect(received).toEqual(sent);
      expect(connections).toBe(2);
      expect(notes).toHaveLength(4);
      expect(notes[3]).toMatch(new RegExp(`^the inspector at ${url} is back; sent the \\d+ inspection events held for it$`));
      for (const m of received) expect(JSON.parse(m)._version).toBe('0.7.2');
    } finally {
      stop();
      await server.close();
      await new Promise((r) => (user ? user.close(r) : r(null)));
    }
  });
});

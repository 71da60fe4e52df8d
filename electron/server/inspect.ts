import WebSocket from 'ws';
import type { LiveCalls } from '../api/live.ts';
import type { StatelyInspectionEvent } from '../../shared/ipc.ts';

/**
 * How long `serve --inspect` waits before it tries the inspector server again, after it could not
 * be reached or dropped the connection: what @statelyai/inspect's createWebSocketInspector waits.
 */
export const inspectorRetryMs = 5000;

/**
 * Events held for an inspector server that is not connected (or does not read), at most: past
 * this the oldest are dropped, and that is said once per outage.
 */
export const maxHeldInspectionBytes = 64 * 1024 * 1024;

export interface InspectionForwarding {
  /** Stops sending and retrying, and closes the connection. */
  close(): void;
}

/**
 * Sends every inspection event of every call to the user's WebSocket server, in order, one JSON
 * message each. While the server is not there — not started yet, gone, restarting — the events
 * are held (the newest `maxHeldBytes`) and the connection is tried again every `retryMs`; when it
 * opens, the held events go first. Each outage and each return is told once through `onNote`;
 * calls go on regardless. Effects: connects to `url`, again and again until closed.
 */
export function forwardInspection(url: string, live: LiveCalls, onNote: (message: string) => void, o: { retryMs?: number; maxHeldBytes?: number } = {}): InspectionForwarding {
  const retryMs = o.retryMs ?? inspectorRetryMs;
  const maxHeldBytes = o.maxHeldBytes ?? maxHeldInspectionBytes;
  const held: string[] = [];
  let heldBytes = 0;
  let dropped = 0;
  let ws: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;
  /** Set while the server is away and that has been told, until it is back. */
  let away = false;

  const hold = (m: string) => {
    held.push(m);
    heldBytes += Buffer.byteLength(m);
    while (heldBytes > maxHeldBytes && held.length) {
      heldBytes -= Buffer.byteLength(held.shift()!);
      if (dropped++ === 0) onNote(`the inspector at ${url} is away and ${maxHeldBytes} bytes of inspection events are held; the oldest are dropped until it is back`);
    }
  };

  const connect = () => {
    retry = null;
    let reason = '';
    let opened = false;
    const socket = new WebSocket(url);
    ws = socket;
    socket.on('open', () => {
      opened = true;
      const n = held.length;
      for (const m of held.splice(0)) socket.send(m);
      heldBytes = 0;
      if (away) onNote(`the inspector at ${url} is back; sent the ${n} inspection events held for it${dropped ? ` (${dropped} older ones were dropped)` : ''}`);
      away = false;
      dropped = 0;
    });
    socket.on('error', (err) => void (reason = err.message));
    // ws emits 'close' after every failure, an 'error' before it included: one place to retry.
    socket.on('close', () => {
      if (ws === socket) ws = null;
      if (closed) return;
      if (!away)
        onNote(
          `the inspector at ${url} ${opened ? 'closed the connection' : `cannot be reached (${reason || 'no answer'})`}; trying again every ${retryMs / 1000} s, inspection events held until it is back`,
        );
      away = true;
      retry = setTimeout(connect, retryMs);
      retry.unref();
    });
  };

  const detach = live.inspect({
    event: (_id, ev: StatelyInspectionEvent) => {
      const m = JSON.stringify(ev);
      const socket = ws;
      if (!socket || socket.readyState !== WebSocket.OPEN) return hold(m);
      socket.send(m);
      // A server that does not read: let go of it and try again, holding what comes meanwhile.
      if (socket.bufferedAmount > maxHeldBytes) {
        onNote(`the inspector at ${url} fell behind (${socket.bufferedAmount} bytes unsent); reconnecting`);
        away = true;
        socket.terminate();
      }
    },
  });
  connect();
  return {
    close: () => {
      closed = true;
      detach();
      if (retry) clearTimeout(retry);
      ws?.close();
    },
  };
}

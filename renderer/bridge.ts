import { channels, ipcMethods } from '../shared/ipcMethods.ts';
import type { CallsimBridge, Channel, IpcResult, PushBatch, WsMessage } from '../shared/ipc.ts';

declare global {
  interface Window {
    /** The Electron preload's bridge (named functions only), when the UI runs in the desktop app. */
    callsim?: CallsimBridge;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * The bridge of `callsim serve`: the same named functions as the Electron preload, over the
 * page's WebSocket. The token comes from the page's URL (the server also accepts its cookie).
 * Reconnects after the server restarts; requests made while closed fail with `unavailable`.
 */
export function webSocketBridge(onState: (s: ConnectionState) => void): CallsimBridge {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const pending = new Map<number, (r: IpcResult<unknown>) => void>();
  const pushListeners = new Set<(b: PushBatch[]) => void>();
  let nextId = 1;
  let ws: WebSocket;
  let opened: Promise<void>;

  const connect = () => {
    onState('connecting');
    ws = new WebSocket(url);
    opened = new Promise((resolve) => ws.addEventListener('open', () => (onState('open'), resolve()), { once: true }));
    ws.addEventListener('message', (m) => {
      const msg = JSON.parse(String(m.data)) as WsMessage;
      if ('push' in msg) for (const l of pushListeners) l(msg.push);
      else {
        pending.get(msg.id)?.(msg.result);
        pending.delete(msg.id);
      }
    });
    ws.addEventListener('close', () => {
      onState('closed');
      for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'unavailable', message: 'the connection to callsim closed (is `callsim serve` still running?)' } });
      pending.clear();
      setTimeout(connect, 2000);
    });
  };
  connect();

  const call = async (channel: Channel, request: unknown): Promise<IpcResult<unknown>> => {
    if (ws.readyState !== WebSocket.OPEN) await Promise.race([opened, new Promise((r) => setTimeout(r, 3000))]);
    if (ws.readyState !== WebSocket.OPEN) return { ok: false, error: { code: 'unavailable', message: 'not connected to callsim' } };
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, channel, request }));
    });
  };

  const bridge: Record<string, unknown> = Object.fromEntries(channels.map((c) => [ipcMethods[c], (request: unknown) => call(c, request)]));
  bridge.onPush = (l: (b: PushBatch[]) => void) => {
    pushListeners.add(l);
    return () => pushListeners.delete(l);
  };
  return bridge as CallsimBridge;
}

/** The desktop app's preload bridge if there is one, else the WebSocket bridge. */
export function connectBridge(onState: (s: ConnectionState) => void): CallsimBridge {
  if (window.callsim) {
    onState('open');
    return window.callsim;
  }
  return webSocketBridge(onState);
}

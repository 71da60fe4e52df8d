import { channels, ipcMethods } from '../../shared/ipcMethods.ts';
import type { CallsimBridge, Channel, PushBatch } from '../../shared/ipc.ts';

/**
 * The object the preload exposes as `window.callsim`: one named function per channel of the
 * contract, each bound to its own channel (the page can never name a channel: there is no
 * generic invoke), and a push subscription that hands over the batches only, never Electron's
 * event object. Pure: the IPC calls are passed in.
 */
export function buildBridge(invoke: (channel: Channel, request: unknown) => Promise<unknown>, subscribe: (listener: (batches: PushBatch[]) => void) => () => void): CallsimBridge {
  const bridge: Record<string, unknown> = {};
  for (const c of channels) {
    const channel = c;
    bridge[ipcMethods[c]] = (request: unknown) => invoke(channel, request);
  }
  bridge.onPush = (listener: (batches: PushBatch[]) => void) => subscribe((batches) => listener(batches));
  return Object.freeze(bridge) as CallsimBridge;
}

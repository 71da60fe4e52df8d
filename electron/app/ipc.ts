import { channels, electronChannel, electronPushChannel, type IpcResult, type PushBatch } from '../../shared/ipc.ts';
import type { CallsimApi } from '../api/api.ts';
import { validateSender } from './security.ts';

/** What of Electron's `ipcMain` the handlers use (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame?: { url: string } | null }, request: unknown) => Promise<unknown>): void;
}

/**
 * Registers one handler per channel of the contract (shared/ipc.ts). Each checks that the
 * message comes from the app's own frame, then lets the API validate and serve the request.
 * Effects: registers IPC handlers.
 */
export function registerIpcHandlers(ipcMain: IpcMainLike, api: CallsimApi): void {
  for (const channel of channels) {
    ipcMain.handle(electronChannel(channel), async (event, request): Promise<IpcResult<unknown>> => {
      const frameUrl = event.senderFrame?.url;
      if (!validateSender(frameUrl))
        return { ok: false, error: { code: 'forbidden', message: `${channel}: refused a message from ${frameUrl ?? 'an unknown frame'} (only the app's own page may call callsim)` } };
      return api.handle(channel, request);
    });
  }
}

/** What of a window the pushes go to (a fake in tests). */
export interface PushTarget {
  isDestroyed(): boolean;
  webContents: { send(channel: string, payload: PushBatch[]): void; getURL(): string };
}

/** Forwards live pushes to a window, while it shows the app's own page. Returns the unsubscribe. */
export function forwardPushes(api: CallsimApi, target: PushTarget): () => void {
  return api.onPush((batches) => {
    if (!target.isDestroyed() && validateSender(target.webContents.getURL())) target.webContents.send(electronPushChannel, batches);
  });
}

// The preload of the app's window (sandboxed: it may require only 'electron'; esbuild bundles
// the rest). It exposes named functions only, through the context bridge.
import { contextBridge, ipcRenderer } from 'electron';
import { electronChannel, electronPushChannel, type PushBatch } from '../../shared/ipc.ts';
import { buildBridge } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'callsim',
  buildBridge(
    (channel, request) => ipcRenderer.invoke(electronChannel(channel), request),
    (listener) => {
      const handler = (_event: unknown, batches: PushBatch[]) => listener(batches);
      ipcRenderer.on(electronPushChannel, handler);
      return () => ipcRenderer.removeListener(electronPushChannel, handler);
    },
  ),
);

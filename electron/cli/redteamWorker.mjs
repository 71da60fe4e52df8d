// A red-team worker thread: TypeScript through tsx, then the worker's loop.
import { register } from 'tsx/esm/api';

register();
await import('../engine/redteamWorker.ts');

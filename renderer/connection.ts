import type { MachineGraph } from '../shared/graph.ts';
import type { AppInfo, CallsimBridge, IpcResult, LibraryRecording, LibraryScenario, LiveCall, PushBatch, SessionRow } from '../shared/ipc.ts';
import { connectBridge, type ConnectionState } from './bridge.ts';

/** The connection opened by the page's first script, and the first screen's questions already asked. */
export interface EarlyConnection {
  bridge: CallsimBridge;
  /** The answers every view needs (appState's boot waits for them). */
  first: {
    info: Promise<IpcResult<AppInfo>>;
    graph: Promise<IpcResult<MachineGraph>>;
    library: Promise<IpcResult<{ scenarios: LibraryScenario[]; recordings: LibraryRecording[] }>>;
    sessions: Promise<IpcResult<SessionRow[]>>;
    live: Promise<IpcResult<LiveCall[]>>;
  };
  /** Hands the connection's state, the current one at once, to `listener` (one listener). */
  followState(listener: (s: ConnectionState) => void): void;
  /** Hands the live pushes to `listener` (one listener): first those that came before it, at once. */
  followPushes(listener: (batches: PushBatch[]) => void): void;
}

/**
 * Connects and asks the server what the first screen needs, before the rest of the UI (React,
 * the statechart) is loaded: the answers travel while that script downloads and starts, instead
 * of after it (the UI's start is issue 18's "page ready"). Pushes that arrive before the app
 * takes them are kept for it, in order. Effects: opens the bridge, sends five requests.
 */
export function startConnection(): EarlyConnection {
  let state: ConnectionState = 'connecting';
  let stateListener: ((s: ConnectionState) => void) | null = null;
  const bridge = connectBridge((s) => {
    state = s;
    stateListener?.(s);
  });
  let kept: PushBatch[] = [];
  let pushListener: ((batches: PushBatch[]) => void) | null = null;
  bridge.onPush((batches) => (pushListener ? pushListener(batches) : kept.push(...batches)));
  return {
    bridge,
    first: {
      info: bridge.appInfo({}),
      graph: bridge.machineGraph({}),
      library: bridge.listLibrary({}),
      sessions: bridge.listSessions({}),
      live: bridge.liveCalls({}),
    },
    followState(listener) {
      stateListener = listener;
      listener(state);
    },
    followPushes(listener) {
      pushListener = listener;
      const before = kept;
      kept = [];
      if (before.length) listener(before);
    },
  };
}

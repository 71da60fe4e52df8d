import type { Policy } from './policy.ts';

/**
 * The contract's channels and the name the bridge gives each (`window.callsim.appInfo`, …):
 * the part of shared/ipc.ts the UI needs at its start, apart from the request schemas so that
 * the page's first script does not carry zod. ipc.ts's `ipcContract` has exactly these keys (it
 * is typed against this map; test/shared/ipc.test.ts checks the order too). Pure, no imports
 * but types.
 */
export const ipcMethods = {
  'app.info': 'appInfo',
  'machine.graph': 'machineGraph',
  'library.list': 'listLibrary',
  'call.start': 'startCall',
  'call.control': 'controlCall',
  'call.preparing': 'callPreparing',
  'call.stop': 'stopCall',
  'calls.live': 'liveCalls',
  'sessions.list': 'listSessions',
  'sessions.open': 'openSession',
  'sessions.checkpoints': 'sessionCheckpoints',
  'sessions.export': 'exportSession',
  'sessions.import': 'importSession',
  'sessions.delete': 'deleteSession',
  'sessions.replay': 'replaySession',
  'sessions.whatif': 'whatIf',
  'sessions.fork': 'forkSession',
} as const;

export type Channel = keyof typeof ipcMethods;
export const channels = Object.keys(ipcMethods) as Channel[];
export type Method<C extends Channel> = (typeof ipcMethods)[C];

/** An error that crossed the bridge: a stable code and a message that says what to do. */
export interface IpcError {
  code: 'bad_request' | 'bad_input' | 'not_found' | 'unavailable' | 'forbidden' | 'internal';
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * The machine's context as the monitors read it (a small, stable subset of the call machine's
 * context, taken from `@xstate.snapshot` inspection events or from a session's checkpoints).
 */
export interface MonitorContext {
  policy: Policy;
  consecutiveFailures: Record<string, number>;
  sameTool: { tool: string | null; count: number };
  tokens: number;
  frustration: number;
  reprompts: number;
  noProgress: number;
  bargeIns: number;
  fillerPlays: number;
}

/** The monitors' subset of a machine snapshot's context; null if it is not a call context. Pure. */
export function toMonitorContext(context: unknown): MonitorContext | null {
  // an inspection event's context, not typed: read field by field, each with its default
  const c = context as Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!c || typeof c !== 'object' || !c.policy || !c.sameTool) return null;
  return {
    policy: c.policy,
    consecutiveFailures: { ...(c.consecutiveFailures ?? {}) },
    sameTool: { tool: c.sameTool.tool ?? null, count: c.sameTool.count ?? 0 },
    tokens: c.tokens ?? 0,
    frustration: typeof c.frustration?.score === 'number' ? c.frustration.score : 0,
    reprompts: c.reprompts ?? 0,
    noProgress: c.noProgress ?? 0,
    bargeIns: c.bargeIns ?? 0,
    fillerPlays: c.fillerPlays ?? 0,
  };
}

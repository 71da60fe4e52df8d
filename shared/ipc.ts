import { z } from 'zod';
import { policyOverrideSchema, type Policy, type PolicyOverride } from './policy.ts';
import { faultSchema, faultPlanSchema, type Fault, type FaultMode } from './faults.ts';
import type { JournalEntry } from './events.ts';
import type { MachineGraph } from './graph.ts';
import type { RunResult } from './result.ts';
import type { RunDiff } from './diff.ts';
import type { Divergence } from './replay.ts';
import { channels, type Channel, type IpcError, type IpcResult, type Method, type MonitorContext } from './ipcMethods.ts';

export { channels, ipcMethods, toMonitorContext, type Channel, type IpcError, type IpcResult, type Method, type MonitorContext } from './ipcMethods.ts';

/**
 * The one typed contract between the UI and the Node side: channel → request schema and
 * response type. The Electron IPC handlers and the `callsim serve` WebSocket both serve this
 * map, and both validate every request against it before a handler sees it. Every answer
 * crosses as `{ ok: true, value } | { ok: false, error }`. The channels and their method names
 * are in ipcMethods.ts (zod-free, for the UI's first script); this map is typed against it.
 * Pure (types and schemas only).
 */

const sessionId = z.string().min(1).max(200);
const empty = z.object({}).strict();

/** A live change from the control panel (the runner's `ControlAction`). */
export const controlActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fault.set'), fault: faultSchema }).strict(),
  z.object({ type: z.literal('fault.clear'), target: z.string().min(1).max(200) }).strict(),
  z.object({ type: z.literal('policy.set'), patch: policyOverrideSchema }).strict(),
]);

/** A WAV played in real time as if it were the microphone: a recording of the library, or a file the user opened (its bytes in base64). */
export const micWavSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('library'), file: z.string().min(1).max(500) }).strict(),
  z.object({ kind: z.literal('file'), name: z.string().min(1).max(500), base64: z.string().max(100_000_000) }).strict(),
]);

/**
 * Where a call's caller comes from: a file of the library (recordings/), a file the user opened,
 * or the microphone — captured by the Node side (sox), on the wall clock, or `wav` played as it.
 */
export const callSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('library'), file: z.string().min(1).max(500) }).strict(),
  z.object({ kind: z.literal('file'), name: z.string().min(1).max(500), text: z.string().max(5_000_000) }).strict(),
  /** `speak`: the agent's lines are said out loud on this computer (flite, played by sox). */
  z.object({ kind: z.literal('mic'), wav: micWavSchema.optional(), speak: z.boolean().optional() }).strict(),
]);

// ---- what the answers carry ----

export interface LibraryScenario {
  /** Path relative to recordings/, e.g. `scenarios/crm-blackout.json`. */
  file: string;
  name: string;
  description: string | null;
  /** The scenario's own fault plan and policy overrides (what a run uses unless replaced). */
  faults: Fault[];
  policy: PolicyOverride;
  turns: number;
}
export interface LibraryRecording {
  file: string;
  name: string;
  bytes: number;
}

export interface AppInfo {
  version: string;
  policyDefaults: Policy;
  /** Fault targets the control panel offers: each known tool, then agent, asr, tts. */
  faultTargets: string[];
  faultModes: FaultMode[];
  /** Whether recorded calls (.wav) can be run in this build. */
  audio: { available: boolean; reason: string | null };
  dbPath: string;
}

export interface SessionRow {
  sessionId: string;
  createdAt: string;
  source: string;
  status: 'running' | 'complete' | 'interrupted';
  outcome: string | null;
  events: number;
  handoffReason: string | null;
  parentId: string | null;
  relation: string | null;
}

/** The machine context at a moment of a saved session: what the scrubber seeks through. */
export interface Checkpoint {
  atMs: number;
  context: MonitorContext;
}

/** Caller audio as the timeline draws it: peaks, not samples. */
export interface WaveformSegment {
  startMs: number;
  endMs: number;
  /** Peak amplitude (0..1) per `stepMs`. */
  peaks: number[];
  stepMs: number;
}

export interface OpenedSession {
  summary: SessionRow;
  result: RunResult;
  /** The journal without raw audio (caller.audio becomes `waveform`) or VAD probabilities. */
  journal: JournalEntry[];
  waveform: WaveformSegment[];
}

export interface ReplayReportView {
  sessionId: string;
  identical: boolean;
  events: number;
  transitions: number;
  divergence: Divergence | null;
}

export interface WhatIfView {
  parentId: string;
  childId: string;
  parent: RunResult;
  child: RunResult;
  diff: RunDiff;
}

/**
 * An inspection event in the @statelyai/inspect shape (XState v5's inspection API, as Stately
 * Inspector receives it): `@xstate.actor`, `@xstate.event`, `@xstate.snapshot`.
 */
export type StatelyInspectionEvent = {
  type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  sessionId: string;
  rootId: string | undefined;
  id: string;
  createdAt: string;
  _version: string;
  event?: { type: string; [k: string]: unknown };
  snapshot?: { status: string; value?: unknown; context?: unknown; [k: string]: unknown };
  sourceId?: string | undefined;
  name?: string;
  definition?: string | undefined;
  parentId?: string | undefined;
};

/** How far a recorded call's start has got: its audio is heard (VAD, then recognition) before the call begins. */
export interface StartProgress {
  file: string;
  stage: 'reading' | 'detecting speech' | 'recognizing';
  /** Of `total`: audio frames for detection, speech stretches for recognition. */
  done: number;
  total: number;
}

/** What the Node side pushes about one live call, at most once per ~16 ms. */
export interface PushBatch {
  sessionId: string;
  /** The call's virtual time when the batch left. */
  nowMs: number;
  /** Wall time (ms since the epoch, sub-ms) when the batch left: for latency measurements. */
  sentAt: number;
  started?: { source: string; pacing: 'virtual' | 'realtime'; policy: Policy };
  entries: JournalEntry[];
  /** Caller audio of this batch, as peaks. */
  waveform?: WaveformSegment[];
  /** Inspection events; snapshots are coalesced to the last one of the batch. */
  inspection: StatelyInspectionEvent[];
  ended?: { result: RunResult; error: string | null };
}

export interface LiveCall {
  sessionId: string;
  source: string;
  pacing: 'virtual' | 'realtime';
  nowMs: number;
}

// ---- the map ----

const out = <T>() => z.custom<T>(() => true);

/** Channel → request schema and response type; exactly the channels of `ipcMethods`, which names each one's method. */
export const ipcContract = {
  'app.info': { request: empty, response: out<AppInfo>() },
  'machine.graph': { request: empty, response: out<MachineGraph>() },
  'library.list': { request: empty, response: out<{ scenarios: LibraryScenario[]; recordings: LibraryRecording[] }>() },
  'call.start': {
    request: z
      .object({
        source: callSourceSchema,
        pacing: z.enum(['virtual', 'realtime']),
        policy: policyOverrideSchema.optional(),
        /** Replaces the scenario's fault plan when given. */
        faults: faultPlanSchema.optional(),
        seed: z.number().int().min(0).max(0xffffffff).optional(),
      })
      .strict(),
    response: out<{ sessionId: string }>(),
  },
  'call.control': { request: z.object({ sessionId, action: controlActionSchema }).strict(), response: out<{ applied: true }>() },
  /** The recorded call being prepared by a `call.start` now, if any (the UI asks while it waits). */
  'call.preparing': { request: empty, response: out<StartProgress | null>() },
  'call.stop': { request: z.object({ sessionId }).strict(), response: out<{ stopped: boolean }>() },
  'calls.live': { request: empty, response: out<LiveCall[]>() },
  'sessions.list': { request: empty, response: out<SessionRow[]>() },
  'sessions.open': { request: z.object({ sessionId }).strict(), response: out<OpenedSession>() },
  'sessions.checkpoints': { request: z.object({ sessionId }).strict(), response: out<{ checkpoints: Checkpoint[] }>() },
  'sessions.export': { request: z.object({ sessionId }).strict(), response: out<{ fileName: string; json: string }>() },
  'sessions.import': { request: z.object({ fileName: z.string().min(1).max(500), text: z.string().max(200_000_000) }).strict(), response: out<{ sessionId: string }>() },
  'sessions.delete': { request: z.object({ sessionId }).strict(), response: out<{ deleted: boolean }>() },
  'sessions.replay': { request: z.object({ sessionId }).strict(), response: out<ReplayReportView>() },
  'sessions.whatif': { request: z.object({ sessionId, policy: policyOverrideSchema }).strict(), response: out<WhatIfView>() },
  'sessions.fork': {
    request: z.object({ sessionId, atMs: z.number().int().min(0), faults: faultPlanSchema.optional(), policy: policyOverrideSchema.optional() }).strict(),
    response: out<{ sessionId: string; checkedTransitions: number }>(),
  },
} as const satisfies { [C in Channel]: { request: z.ZodType; response: z.ZodType } };

export type Request<C extends Channel> = z.input<(typeof ipcContract)[C]['request']>;
export type Response<C extends Channel> = z.output<(typeof ipcContract)[C]['response']>;

/** The push channel: Node → UI only. */
export const pushChannel = 'push';

/** What the UI can call: one named function per channel, plus the push subscription. */
export type CallsimBridge = {
  [C in Channel as Method<C>]: (request: Request<C>) => Promise<IpcResult<Response<C>>>;
} & {
  /** Subscribes to live pushes; returns the unsubscribe function. */
  onPush(listener: (batches: PushBatch[]) => void): () => void;
};

/** The Electron IPC channel name of a contract channel. */
export const electronChannel = (c: Channel) => `callsim:${c}`;
export const electronPushChannel = 'callsim:push';

/** A WebSocket message from the UI: one request. */
export const wsRequestSchema = z.object({ id: z.number().int().min(0), channel: z.string().max(100), request: z.unknown() }).strict();
/** A WebSocket message to the UI: an answer to request `id`, or pushes. */
export type WsMessage = { id: number; result: IpcResult<unknown> } | { push: PushBatch[] };

/** `$.source.kind: Invalid option…` for the first issue of a failed parse. Pure. */
export function describeIssue(channel: string, error: z.ZodError): string {
  const issue = error.issues[0];
  let path = '$';
  for (const p of issue.path) path += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  const keys = issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.map((k) => `"${k}"`).join(', ')})` : '';
  return `${channel}: request ${path}: ${issue.message}${keys}`;
}

/**
 * Validates one request against the contract. Returns the parsed request, or a `bad_request`
 * error that names the channel, the place in the request and what is wrong. Pure.
 */
export function validateRequest(channel: string, request: unknown): { ok: true; channel: Channel; request: unknown } | { ok: false; error: IpcError } {
  if (!Object.hasOwn(ipcContract, channel)) return { ok: false, error: { code: 'bad_request', message: `unknown channel "${channel}" (known: ${channels.join(', ')})` } };
  const c = channel as Channel;
  const r = ipcContract[c].request.safeParse(request ?? {});
  if (!r.success) return { ok: false, error: { code: 'bad_request', message: describeIssue(c, r.error) } };
  return { ok: true, channel: c, request: r.data };
}

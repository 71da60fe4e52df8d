import { assertNever } from './assertNever.ts';
import type { HandoffPriority, HandoffReason, JournalEntry, Outcome, ToolOutcome } from './events.ts';
import { RecognitionQueue } from './recognitionQueue.ts';
import { buildHandoffPacket, type HandoffPacket } from './summarizer.ts';

export interface Turn {
  speaker: 'caller' | 'agent';
  startMs: number;
  endMs: number;
  text: string | null;
  interrupted: boolean;
}

export interface ToolCallRecord {
  tool: string;
  startMs: number;
  endMs: number;
  outcome: ToolOutcome;
  status?: number;
}

/** The `run --json` object of SPEC §1, key for key. */
export interface RunResult {
  sessionId: string;
  outcome: Outcome;
  durationMs: number;
  handoff: null | { reason: HandoffReason; priority: HandoffPriority; atMs: number; packet: HandoffPacket };
  turns: Turn[];
  toolCalls: ToolCallRecord[];
  transitions: { atMs: number; state: string }[];
  metrics: { tokens: number; costUsd: number; bargeIns: number; fillerPlays: number };
}

/** Blended price of the simulated model, per token (USD 5 per million). */
export const usdPerToken = 5 / 1_000_000;

/**
 * Folds a session's journal into the SPEC §1 result. Pure: the same journal always gives the
 * same object, so `run --json`, `sessions show` and the UI agree to the byte.
 */
export function buildRunResult(sessionId: string, entries: readonly JournalEntry[]): RunResult {
  const turns: Turn[] = [];
  const toolCalls: (ToolCallRecord & { callId: number; open: boolean })[] = [];
  const transitions: { atMs: number; state: string }[] = [];
  let openCaller: Turn | null = null;
  const recognition = new RecognitionQueue<Turn>();
  let openAgent: Turn | null = null;
  let outcome: Outcome = 'error';
  let endMs = 0;
  let handoff: { reason: HandoffReason; priority: HandoffPriority; atMs: number } | null = null;
  let tokens = 0;
  let bargeIns = 0;
  let fillerPlays = 0;
  let ended = false;
  /** Where the agent's line paused over the caller, until it resumes or stops. */
  let pausedAt: number | null = null;

  const closeAgent = (atMs: number, interrupted: boolean) => {
    if (!openAgent) return;
    openAgent.endMs = atMs;
    openAgent.interrupted = interrupted;
    openAgent = null;
  };
  const closeTools = (atMs: number) => {
    for (const c of toolCalls) if (c.open) Object.assign(c, { open: false, endMs: atMs, outcome: 'timeout' as const });
  };

  for (const e of entries) {
    endMs = Math.max(endMs, e.atMs);
    if (e.kind === 'transition') {
      transitions.push({ atMs: e.atMs, state: e.state });
    } else if (e.kind === 'input') {
      const ev = e.event;
      if (ev.type === 'caller.speech.started') {
        const at = ev.speechAtMs ?? e.atMs;
        openCaller = { speaker: 'caller', startMs: at, endMs: at, text: null, interrupted: false };
        turns.push(openCaller);
      } else if (ev.type === 'caller.speech.ended' && ev.backchannel) {
        // an acknowledgement over the agent: not a turn, and no words are owed for it
        if (openCaller) turns.splice(turns.indexOf(openCaller), 1);
        openCaller = null;
      } else if (ev.type === 'caller.speech.ended') {
        if (openCaller) {
          openCaller.endMs = ev.speechAtMs ?? e.atMs;
          recognition.ended(openCaller);
        }
        openCaller = null;
      } else if (ev.type === 'asr.result' || ev.type === 'asr.failed') {
        const t = recognition.answered();
        if (t && ev.type === 'asr.result') t.text = ev.text;
      } else if (ev.type === 'agent.speech.ended') {
        closeAgent(e.atMs, false);
      } else if (ev.type === 'tool.result') {
        const c = toolCalls.find((x) => x.callId === ev.callId && x.open);
        if (c) Object.assign(c, { open: false, endMs: e.atMs, outcome: ev.outcome, status: ev.status });
      } else if (ev.type === 'agent.response' || ev.type === 'agent.failed') {
        tokens += ev.tokens;
      } else if (ev.type === 'control.stop' && !ended) {
        // stopped by the user: whatever was being said is cut off there
        if (openAgent) closeAgent(e.atMs, true);
        if (openCaller) openCaller.endMs = e.atMs;
        openCaller = null;
        closeTools(e.atMs);
        outcome = 'stopped';
        ended = true;
        endMs = e.atMs;
      }
    } else {
      const c = e.command;
      switch (c.type) {
        case 'agent.speak':
          closeAgent(e.atMs, false);
          openAgent = { speaker: 'agent', startMs: e.atMs, endMs: e.atMs, text: c.text, interrupted: false };
          turns.push(openAgent);
          break;
        case 'agent.speech.stop':
          if (c.reason === 'barge_in') bargeIns++;
          // a paused line was last heard where it paused
          closeAgent(pausedAt ?? e.atMs, c.reason === 'barge_in');
          pausedAt = null;
          break;
        case 'filler.play':
          fillerPlays++;
          break;
        case 'tool.call':
          toolCalls.push({ callId: c.callId, tool: c.tool, startMs: e.atMs, endMs: e.atMs, outcome: 'timeout', open: true });
          break;
        case 'tool.abandon': {
          const t = toolCalls.find((x) => x.callId === c.callId && x.open);
          if (t) Object.assign(t, { open: false, endMs: e.atMs, outcome: 'timeout' as const });
          break;
        }
        case 'asr.abandon':
          recognition.abandoned();
          break;
        case 'handoff.start':
          closeAgent(e.atMs, false);
          closeTools(e.atMs);
          handoff = { reason: c.reason, priority: c.priority, atMs: e.atMs };
          break;
        case 'call.end':
          if (ended) break; // the user's stop came first
          closeAgent(e.atMs, false);
          if (openCaller) openCaller.endMs = e.atMs; // the call ended while the caller spoke
          openCaller = null;
          closeTools(e.atMs);
          outcome = c.outcome;
          ended = true;
          endMs = e.atMs;
          break;
        case 'agent.think':
        case 'agent.cancel':
        case 'agent.kill':
        case 'agent.speech.pause':
          pausedAt = e.atMs;
          break;
        case 'agent.speech.resume':
          pausedAt = null;
          break;
        default:
          assertNever(c);
      }
    }
  }
  if (!ended) closeTools(endMs);
  const h = handoff as { reason: HandoffReason; priority: HandoffPriority; atMs: number } | null;
  return {
    sessionId,
    outcome,
    durationMs: endMs,
    handoff: h ? { ...h, packet: buildHandoffPacket(entries) } : null,
    turns: copies(turns).sort((a, b) => a.startMs - b.startMs),
    toolCalls: toolCalls.map(({ tool, startMs, endMs: end, outcome: o, status }) =>
      status === undefined ? { tool, startMs, endMs: end, outcome: o } : { tool, startMs, endMs: end, outcome: o, status },
    ),
    transitions,
    metrics: { tokens, costUsd: Math.round(tokens * usdPerToken * 1e6) / 1e6, bargeIns, fillerPlays },
  };
}

/** The longest run of calls to one tool in a row. Pure. */
/** Shallow copies of the turns, in a new array built by push: a `map` result's array map differs
 * between interpreted and optimized callers, and each new one cost the optimized caller a deopt. */
function copies<T extends object>(items: readonly T[]): T[] {
  const out: T[] = [];
  for (const t of items) out.push({ ...t });
  return out;
}

export function maxSameToolRun(calls: readonly { tool: string }[]): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < calls.length; i++) {
    run = i > 0 && calls[i].tool === calls[i - 1].tool ? run + 1 : 1;
    best = Math.max(best, run);
  }
  return best;
}

import { assertNever } from '../../shared/assertNever.ts';
import type { HandoffPriority, HandoffReason, JournalEntry, Outcome, ToolOutcome } from '../../shared/events.ts';
import type { Fault } from '../../shared/faults.ts';
import { faultParam } from '../../shared/faultModes.ts';
import { asPolicy, type Policy } from '../../shared/policyDefaults.ts';
import { RecognitionQueue } from '../../shared/recognitionQueue.ts';

/** One thing on the timeline, at the time it began. */
export type TimelineItem =
  /** `partial`: a live caller's words so far (streaming recognition), until `text` comes. */
  | {
      kind: 'turn';
      id: number;
      startMs: number;
      endMs: number | null;
      speaker: 'caller' | 'agent';
      text: string | null;
      interrupted: boolean;
      bargeIn: boolean;
      purpose: string | null;
      partial?: string;
    }
  | { kind: 'tool'; id: number; startMs: number; endMs: number | null; callId: number; tool: string; attempt: number; outcome: ToolOutcome | null; status: number | null }
  | { kind: 'filler'; id: number; startMs: number; text: string }
  | { kind: 'transition'; id: number; startMs: number; state: string; cause: string }
  | { kind: 'control'; id: number; startMs: number; text: string }
  | { kind: 'handoff'; id: number; startMs: number; reason: HandoffReason; priority: HandoffPriority }
  | { kind: 'note'; id: number; startMs: number; text: string }
  | { kind: 'end'; id: number; startMs: number; outcome: Outcome };

/** The fault plan and policy in force from a moment on. */
export interface PlanChange {
  atMs: number;
  faults: Fault[];
  policy: Policy;
}

const paramText = (f: Fault) => (faultParam[f.mode] === 'status' ? ` ${f.status ?? 500}` : faultParam[f.mode] === 'ms' ? ` +${f.ms} ms` : '');
const faultText = (f: Fault) => `${f.target}: ${f.mode}${paramText(f)}${f.probability !== undefined ? ` p=${f.probability}` : ''}`;

/**
 * The timeline of one call, folded from its journal one entry at a time (a live call adds a
 * batch per frame; a saved one is folded once). Items are kept in the order they began, which
 * is time order, so a seek is a binary search. Entries already folded (by seq) are skipped,
 * so a journal fetched mid-call and the pushes that follow can overlap. Effects: mutates itself.
 */
export class TimelineFold {
  readonly items: TimelineItem[] = [];
  readonly plans: PlanChange[] = [];
  lastSeq = -1;
  lastAtMs = 0;
  handoff: { atMs: number; reason: HandoffReason; priority: HandoffPriority } | null = null;
  outcome: Outcome | null = null;
  private nextId = 0;
  private openAgent: Extract<TimelineItem, { kind: 'turn' }> | null = null;
  private openCaller: Extract<TimelineItem, { kind: 'turn' }> | null = null;
  private lastCaller: Extract<TimelineItem, { kind: 'turn' }> | null = null;
  private readonly openTools = new Map<number, Extract<TimelineItem, { kind: 'tool' }>>();
  /** Caller turns that ended and wait for their words. */
  private readonly recognition = new RecognitionQueue<Extract<TimelineItem, { kind: 'turn' }>>();
  /** The words of the last backchannel journaled: its stretch's turn shows them. */
  private backchannelText: string | null = null;
  /** Where the agent's line paused over the caller, until it resumes or stops. */
  private pausedAt: number | null = null;

  /** Folds entries in; returns how many were new. */
  apply(entries: readonly JournalEntry[]): number {
    let n = 0;
    for (const e of entries) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      this.lastAtMs = Math.max(this.lastAtMs, e.atMs);
      this.one(e);
      n++;
    }
    return n;
  }

  /** The fault plan and policy in force at `atMs` (null before the session started). */
  planAt(atMs: number): PlanChange | null {
    let found: PlanChange | null = null;
    for (const p of this.plans) {
      if (p.atMs > atMs) break;
      found = p;
    }
    return found;
  }

  private push<K extends TimelineItem['kind']>(item: Omit<Extract<TimelineItem, { kind: K }>, 'id'> & { kind: K }): Extract<TimelineItem, { kind: K }> {
    const full = { ...item, id: this.nextId++ } as Extract<TimelineItem, { kind: K }>;
    // Journal order is time order, except speech that detection dates a little back: keep
    // the items sorted by start, so a seek can binary-search them.
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].startMs > full.startMs) i--;
    if (i === this.items.length) this.items.push(full);
    else this.items.splice(i, 0, full);
    return full;
  }

  private plan(atMs: number, change: (p: PlanChange) => Partial<PlanChange>): void {
    const prev = this.plans[this.plans.length - 1];
    if (!prev) return;
    this.plans.push({ ...prev, ...change(prev), atMs });
  }

  private closeAgent(atMs: number, interrupted: boolean): void {
    if (!this.openAgent) return;
    this.openAgent.endMs = atMs;
    this.openAgent.interrupted = interrupted;
    this.openAgent = null;
  }

  private closeTools(atMs: number): void {
    for (const t of this.openTools.values()) Object.assign(t, { endMs: atMs, outcome: 'timeout' as const });
    this.openTools.clear();
  }

  private one(e: JournalEntry): void {
    const at = e.atMs;
    if (e.kind === 'transition') {
      this.push({ kind: 'transition', startMs: at, state: e.state, cause: e.cause });
      return;
    }
    if (e.kind === 'command') {
      const c = e.command;
      switch (c.type) {
        case 'agent.speak':
          this.closeAgent(at, false);
          this.openAgent = this.push({ kind: 'turn', startMs: at, endMs: null, speaker: 'agent', text: c.text, interrupted: false, bargeIn: false, purpose: c.purpose });
          break;
        case 'agent.speech.stop':
          // the speech that barged in: still going, or (a paused agent stops at its end) just ended
          if (c.reason === 'barge_in' && this.lastCaller) this.lastCaller.bargeIn = true;
          // a paused line was last heard where it paused
          this.closeAgent(this.pausedAt ?? at, c.reason === 'barge_in');
          this.pausedAt = null;
          break;
        case 'filler.play':
          this.push({ kind: 'filler', startMs: at, text: c.text });
          break;
        case 'tool.call':
          this.openTools.set(c.callId, this.push({ kind: 'tool', startMs: at, endMs: null, callId: c.callId, tool: c.tool, attempt: c.attempt, outcome: null, status: null }));
          break;
        case 'tool.abandon': {
          const t = this.openTools.get(c.callId);
          if (t) Object.assign(t, { endMs: at, outcome: 'timeout' as const });
          this.openTools.delete(c.callId);
          break;
        }
        case 'handoff.start':
          this.closeAgent(at, false);
          this.closeTools(at);
          this.handoff = { atMs: at, reason: c.reason, priority: c.priority };
          this.push({ kind: 'handoff', startMs: at, reason: c.reason, priority: c.priority });
          break;
        case 'asr.abandon':
          this.recognition.abandoned();
          this.push({ kind: 'note', startMs: at, text: 'recognition gave no answer within deadAirMs: no longer waited for' });
          break;
        case 'agent.cancel':
          if (c.reason !== 'handoff') this.push({ kind: 'note', startMs: at, text: `agent cancelled (${c.reason.replace('_', ' ')})` });
          break;
        case 'agent.kill':
          this.push({ kind: 'note', startMs: at, text: 'agent worker killed (token budget)' });
          break;
        case 'call.end':
          this.closeAgent(at, false);
          if (this.openCaller) this.openCaller.endMs = at;
          this.openCaller = null;
          this.closeTools(at);
          this.outcome = c.outcome;
          this.push({ kind: 'end', startMs: at, outcome: c.outcome });
          break;
        case 'agent.speech.pause':
          this.pausedAt = at;
          this.push({ kind: 'note', startMs: at, text: 'agent paused: the caller speaks over it' });
          break;
        case 'agent.speech.resume':
          this.pausedAt = null;
          this.push({ kind: 'note', startMs: at, text: 'agent resumed: it was a backchannel' });
          break;
        case 'agent.think':
          break;
        default:
          assertNever(c);
      }
      return;
    }
    const ev = e.event;
    switch (ev.type) {
      case 'session.started':
        this.plans.push({ atMs: at, faults: [...ev.faults], policy: asPolicy({ ...ev.policy }) });
        break;
      case 'caller.speech.started':
        this.openCaller = this.lastCaller = this.push({ kind: 'turn', startMs: ev.speechAtMs ?? at, endMs: null, speaker: 'caller', text: null, interrupted: false, bargeIn: false, purpose: null });
        break;
      case 'caller.speech.ended':
        if (ev.backchannel && this.openCaller) {
          // an acknowledgement over the agent: shown where it was said, as no turn
          Object.assign(this.openCaller, { endMs: ev.speechAtMs ?? at, text: this.backchannelText ?? '…', purpose: 'backchannel' });
          this.openCaller = null;
          break;
        }
        if (this.openCaller) {
          this.openCaller.endMs = ev.speechAtMs ?? at;
          this.recognition.ended(this.openCaller);
        }
        this.openCaller = null;
        break;
      case 'asr.result': {
        const t = this.recognition.answered();
        if (t) t.text = ev.text;
        break;
      }
      case 'caller.partial':
        // the words so far, shown on the caller's open turn until its recognised words come
        if (this.openCaller && this.openCaller.text === null) this.openCaller.partial = `${ev.text}…`;
        break;
      case 'caller.speech.turn':
        this.push({ kind: 'note', startMs: at, text: 'a turn, heard before it ended (partial result)' });
        break;
      case 'caller.backchannel':
        this.backchannelText = ev.text;
        this.push({ kind: 'note', startMs: ev.startMs, text: `caller backchannel “${ev.text}” (not a turn)` });
        break;
      case 'asr.failed':
        this.recognition.answered();
        this.push({ kind: 'note', startMs: at, text: `speech not recognised (${ev.error})` });
        break;
      case 'agent.failed':
        this.push({ kind: 'note', startMs: at, text: `agent failed: ${ev.error}` });
        break;
      case 'agent.speech.ended':
        this.closeAgent(at, false);
        break;
      case 'tool.result': {
        const t = this.openTools.get(ev.callId);
        if (t) Object.assign(t, { endMs: at, outcome: ev.outcome, status: ev.status ?? null });
        this.openTools.delete(ev.callId);
        break;
      }
      case 'control.fault.set':
        this.push({ kind: 'control', startMs: at, text: `fault set · ${faultText(ev.fault)}` });
        this.plan(at, (p) => ({ faults: [...p.faults.filter((f) => f.target !== ev.fault.target), ev.fault] }));
        break;
      case 'control.fault.cleared':
        this.push({ kind: 'control', startMs: at, text: `fault cleared · ${ev.target}` });
        this.plan(at, (p) => ({ faults: p.faults.filter((f) => f.target !== ev.target) }));
        break;
      case 'control.policy.set':
        this.push({
          kind: 'control',
          startMs: at,
          text: `policy · ${Object.entries(ev.patch)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        });
        this.plan(at, (p) => ({ policy: { ...p.policy, ...ev.patch } as Policy }));
        break;
      case 'caller.hungup':
        this.push({ kind: 'note', startMs: at, text: 'caller hung up' });
        break;
      case 'control.stop':
        this.push({ kind: 'control', startMs: at, text: 'stopped by the user' });
        break;
      case 'summarizer.result':
        this.push({ kind: 'note', startMs: at, text: `summarizer ${ev.model} · ${ev.error ? `failed: ${ev.error}` : `answered in ${ev.latencyMs} ms`}` });
        break;
      case 'caller.model.result':
        // the caller's line itself shows as its speech; a failure is dead air worth a note
        if (ev.action === 'failed') this.push({ kind: 'note', startMs: at, text: `caller model ${ev.model} failed: ${ev.error ?? 'no answer'}` });
        break;
      case 'agent.response':
      case 'timer.fired':
      case 'caller.audio':
      case 'vad.probability':
        break;
      default:
        assertNever(ev);
    }
  }
}

/** Index of the first item that begins after `atMs` (items are in start order). Pure. */
export function itemsUpTo(items: readonly { startMs: number }[], atMs: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].startMs <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The live lanes' window at call time `atMs`: the whole call so far, filling four fifths of the
 * width (at least 10 s shown, so the first seconds are not a smear), growing as it goes; past
 * two minutes, the last two minutes. Pure.
 */
export function liveWindow(atMs: number): { fromMs: number; toMs: number } {
  const MIN = 10_000;
  const MAX = 120_000;
  const span = Math.min(MAX, Math.max(MIN, Math.ceil((atMs * 1.25) / 1000) * 1000));
  return atMs <= span ? { fromMs: 0, toMs: span } : { fromMs: atMs - span * 0.8, toMs: atMs + span * 0.2 };
}

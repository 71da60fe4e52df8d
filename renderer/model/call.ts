import type { JournalEntry } from '../../shared/events.ts';
import type { MachineGraph } from '../../shared/graph.ts';
import type { RunResult } from '../../shared/result.ts';
import { toMonitorContext, type MonitorContext } from '../../shared/ipcMethods.ts';
import type { Checkpoint, PushBatch, WaveformSegment } from '../../shared/ipc.ts';
import { StateFold } from './states.ts';
import { TimelineFold } from './timeline.ts';

/** The last element whose `atMs` is at or before `atMs`, by binary search. Pure. */
export function lastAtOrBefore<T extends { atMs: number }>(items: readonly T[], atMs: number): T | null {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].atMs <= atMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? null : items[found];
}

/**
 * Everything the UI knows about one call, live or saved: its timeline and active states
 * (folded from the journal), its machine context (live: the newest `@xstate.snapshot`; saved:
 * checkpoints), its audio peaks and how it ended. Seeking any of these is a binary search.
 * Effects: mutates itself as batches arrive.
 */
export class CallModel {
  readonly timeline = new TimelineFold();
  readonly states: StateFold;
  waveform: WaveformSegment[] = [];
  liveContext: MonitorContext | null = null;
  checkpoints: Checkpoint[] | null = null;
  source = '';
  pacing: 'virtual' | 'realtime' | null = null;
  /** The call's virtual time at the last push, and the wall time (performance.now) it arrived. */
  nowMs = 0;
  nowWall = 0;
  ended: { result: RunResult; error: string | null } | null = null;
  /** Bumped on every change, for the views that draw this call. */
  version = 0;
  /** Latency probe: wall time each transition's batch left the server (epoch ms), by seq. */
  lastBatchSentAt = 0;

  constructor(
    readonly sessionId: string,
    graph: MachineGraph,
  ) {
    this.states = new StateFold(graph);
  }

  get running(): boolean {
    return this.pacing !== null && this.ended === null;
  }

  applyJournal(entries: readonly JournalEntry[]): void {
    this.timeline.apply(entries);
    this.states.apply(entries);
    this.version++;
  }

  /**
   * Pushes that arrived while the journal so far was being fetched (joining a running call),
   * with their arrival times; null when not joining. The folds take entries in seq order only,
   * so a push folded before the older journal would make them skip all of it.
   */
  private joining: { b: PushBatch; wallNow: number }[] | null = null;

  /** Joining a running call: pushes wait for the journal so far (finishJoin). */
  beginJoin(): void {
    this.joining ??= [];
  }

  /**
   * The journal so far and its audio peaks, then every push that waited, in order (what the
   * journal already held is skipped by seq, and peaks by time). Effects: mutates the model.
   */
  finishJoin(journal: readonly JournalEntry[], waveform: readonly WaveformSegment[]): void {
    const waited = this.joining ?? [];
    this.joining = null;
    this.applyJournal(journal);
    this.addWaveform(waveform);
    for (const { b, wallNow } of waited) this.applyBatch(b, wallNow);
  }

  /** Audio peaks after the ones held (a segment already held, by its start, is skipped). */
  private addWaveform(segments: readonly WaveformSegment[]): void {
    const heldUntil = this.waveform.at(-1)?.startMs ?? -Infinity;
    for (const w of segments) if (w.startMs > heldUntil) this.waveform.push(w);
  }

  /** Folds one push of a live call in. `wallNow` is performance.now() on arrival. */
  applyBatch(b: PushBatch, wallNow: number): void {
    if (this.joining) {
      this.joining.push({ b, wallNow });
      return;
    }
    if (b.started) {
      this.source = b.started.source;
      this.pacing = b.started.pacing;
    }
    this.applyJournal(b.entries);
    if (b.waveform) this.addWaveform(b.waveform);
    for (const ev of b.inspection) {
      if (ev.type !== '@xstate.snapshot') continue;
      const c = toMonitorContext(ev.snapshot?.context);
      if (c) this.liveContext = c;
    }
    this.nowMs = Math.max(this.nowMs, b.nowMs);
    this.nowWall = wallNow;
    this.lastBatchSentAt = b.sentAt;
    if (b.ended) {
      this.ended = b.ended;
      this.nowMs = b.ended.result.durationMs;
    }
    this.version++;
  }

  /** The call's time now: a realtime call runs on between pushes; others stand at their last time. */
  liveNow(wallNow: number): number {
    if (this.pacing !== 'realtime' || this.ended) return this.nowMs;
    return this.nowMs + Math.min(1000, Math.max(0, wallNow - this.nowWall));
  }

  /** The machine context at `atMs`: from checkpoints when the session is saved, else the newest. */
  contextAt(atMs: number): MonitorContext | null {
    if (this.checkpoints) return lastAtOrBefore(this.checkpoints, atMs)?.context ?? null;
    return this.liveContext;
  }

  /** How long the call is (so far). */
  get durationMs(): number {
    return this.ended?.result.durationMs ?? Math.max(this.nowMs, this.timeline.lastAtMs);
  }
}

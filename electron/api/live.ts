import type { InspectionEvent } from 'xstate';
import type { JournalEntry } from '../../shared/events.ts';
import type { LiveCall, PushBatch, StatelyInspectionEvent } from '../../shared/ipc.ts';
import { describeSource, type SessionStore } from '../store/sessions.ts';
import type { CallRunner, CallSetup, ControlAction } from '../engine/runner.ts';
import { runSession, type SessionRun } from '../engine/session.ts';
import { qualifyEvent, toStatelyEvent, worldActorEvent } from './inspect.ts';
import { viewJournal } from './view.ts';

/** How often pushes leave, at most: one batch per animation frame at 60 Hz. */
export const pushIntervalMs = 16;
/** A realtime call's clock reaches the UI at least this often, so its timers count down between events. */
export const heartbeatMs = 250;

interface Pending {
  entries: JournalEntry[];
  inspection: StatelyInspectionEvent[];
  /** Index in `inspection` of the batch's snapshot event, replaced by each newer one. */
  snapshotAt: number;
  started?: PushBatch['started'];
  ended?: PushBatch['ended'];
}

interface Running {
  runner: CallRunner;
  source: string;
  pacing: 'virtual' | 'realtime';
  done: Promise<void>;
}

/** One attached inspector: every inspection event of the calls it follows, and each call's end. */
export interface InspectionListener {
  /** One event in the @statelyai/inspect shape, ids qualified by the call (see qualifyEvent). */
  event: (sessionId: string, event: StatelyInspectionEvent) => void;
  /** The call ended: no more events will come for it. */
  ended?: (sessionId: string) => void;
}

/** What an inspector attaching mid-call needs first, per running call: its actors and their newest snapshots. */
interface InspectionPrelude {
  world: StatelyInspectionEvent;
  actors: Map<string, { actor: StatelyInspectionEvent; snapshot: StatelyInspectionEvent | null }>;
}

/** What a followed call's run reports to LiveCalls: its start, its journal, its machine's inspection. */
export interface FollowHooks {
  onStart: (runner: CallRunner, sessionId: string) => void;
  onEntry: (entry: JournalEntry) => void;
  inspect: (e: InspectionEvent) => void;
}

export interface StartOptions {
  pacing: 'virtual' | 'realtime';
  /** Realtime only: how many times faster than the wall clock the call runs (benchmarks; 1 for a live call). */
  timeScale?: number;
}

/**
 * The calls running in this process, started from the UI. Journals each through the store as
 * it goes (the runner does) and pushes what happens — journal entries, inspection events in
 * the Stately shape, the result — to the UI in batches of at most one per `pushIntervalMs`,
 * so a thousand journal events a second arrive as sixty messages. Snapshots within one batch
 * are coalesced to the last: the UI draws only the newest state of a frame. Inspectors (see
 * `inspect`) get every inspection event instead, one by one, as it happens.
 */
export class LiveCalls {
  private readonly running = new Map<string, Running>();
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  /** While a realtime call runs: its clock goes out at least this often, even when nothing happens. */
  private heartbeat: NodeJS.Timeout | null = null;
  private inspectionSeq = 0;
  private readonly inspectors = new Set<{ listener: InspectionListener; sessionId: string | null }>();
  private readonly preludes = new Map<string, InspectionPrelude>();
  /** Wall time (epoch ms) each transition entry was journaled, by session and seq: for the latency benchmark. */
  readonly transitionWallTimes = new Map<string, Map<number, number>>();
  recordTransitionTimes = false;

  constructor(
    private readonly store: SessionStore,
    private readonly push: (batches: PushBatch[]) => void,
  ) {}

  /**
   * Starts a call and resolves with its session id once the session exists (a virtual call
   * has then already run to its end). Effects: writes a session; pushes as the call goes.
   */
  start(setup: CallSetup, o: StartOptions): Promise<{ sessionId: string; done: Promise<void> }> {
    const scale = o.timeScale ?? 1;
    const wallClock = scale === 1 ? undefined : () => performance.now() * scale;
    return this.follow({ source: describeSource(setup.source), pacing: o.pacing, policy: setup.policy }, (hooks) =>
      runSession(setup, { store: this.store }, { pacing: o.pacing, wallClock, ...hooks }),
    );
  }

  /**
   * Runs a call that `run` starts (runSession, or runLiveCall for the microphone) with the hooks
   * that journal it to the UI, and keeps its runner for the control panel and stop. `run` must
   * call `onStart` synchronously, before its first await (both do). Resolves as `start` does.
   */
  follow(started: NonNullable<PushBatch['started']>, run: (hooks: FollowHooks) => Promise<SessionRun>): Promise<{ sessionId: string; done: Promise<void> }> {
    return new Promise((resolve, reject) => {
      let sessionId: string | null = null;
      // The actor is created (and inspected) before the session exists: keep those events.
      const early: InspectionEvent[] = [];
      const running = run({
        onStart: (runner, id) => {
          sessionId = id;
          this.running.set(id, { runner, source: started.source, pacing: started.pacing, done: Promise.resolve() });
          if (started.pacing === 'realtime') this.startHeartbeat();
          this.queue(id).started = started;
          const world = worldActorEvent(id, `${id}:${this.inspectionSeq++}`, Date.now());
          this.preludes.set(id, { world, actors: new Map() });
          this.emitInspection(id, world);
          for (const e of early.splice(0)) this.onInspect(id, e);
        },
        onEntry: (entry) => sessionId && this.onEntry(sessionId, entry),
        inspect: (e) => (sessionId ? this.onInspect(sessionId, e) : early.push(e)),
      });
      const done = running.then(
        (r) => {
          this.queue(r.sessionId).ended = { result: r.result, error: r.error?.message ?? null };
          this.running.delete(r.sessionId);
          this.endInspection(r.sessionId);
          this.schedule();
          this.stopHeartbeatIfIdle();
        },
        (err: Error) => {
          if (sessionId) {
            this.running.delete(sessionId);
            this.endInspection(sessionId);
            this.schedule();
            this.stopHeartbeatIfIdle();
          } else reject(err);
        },
      );
      if (sessionId) {
        this.running.get(sessionId)!.done = done;
        resolve({ sessionId, done });
      } else done.then(() => reject(new Error('the call did not start')));
    });
  }

  /** Applies a control-panel action to a running call. False if no such call is running. */
  control(sessionId: string, action: ControlAction): boolean {
    const r = this.running.get(sessionId);
    if (!r) return false;
    r.runner.control(action);
    return true;
  }

  /** Stops a running call where it is. False if no such call is running. */
  stop(sessionId: string): boolean {
    const r = this.running.get(sessionId);
    if (!r) return false;
    r.runner.stop();
    return true;
  }

  /**
   * Attaches an inspector to the running calls (to `o.sessionId`'s only, if given) and to every
   * call started later: each inspection event in the @statelyai/inspect shape, as it happens,
   * none batched or coalesced, in the order the machine made them. It first gets, for each call
   * already running, the actor events and the newest snapshot of each actor, so that it knows
   * the actors before their events. Returns the detach function. Effects: none until events come.
   */
  inspect(listener: InspectionListener, o: { sessionId?: string } = {}): () => void {
    const entry = { listener, sessionId: o.sessionId ?? null };
    for (const [id, p] of this.preludes) {
      if (entry.sessionId !== null && entry.sessionId !== id) continue;
      listener.event(id, p.world);
      for (const a of p.actors.values()) {
        listener.event(id, qualifyEvent(id, a.actor));
        if (a.snapshot) listener.event(id, qualifyEvent(id, a.snapshot));
      }
    }
    this.inspectors.add(entry);
    return () => this.inspectors.delete(entry);
  }

  /**
   * A running call's whole journal so far, from its runner (the store may not have committed
   * the newest rows yet); null for a call not running here. A page joining the call reads this,
   * and every later entry reaches it as a push.
   */
  journalSoFar(sessionId: string): JournalEntry[] | null {
    const r = this.running.get(sessionId);
    return r ? [...r.runner.entries] : null;
  }

  list(): LiveCall[] {
    return [...this.running].map(([sessionId, r]) => ({ sessionId, source: r.source, pacing: r.pacing, nowMs: r.runner.now }));
  }

  /** Stops every running call and waits for each to be saved. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.runner.stop();
    await Promise.all(all.map((r) => r.done));
    this.flush();
  }

  private startHeartbeat(): void {
    this.heartbeat ??= setInterval(() => {
      for (const [id, r] of this.running) if (r.pacing === 'realtime') this.queue(id);
    }, heartbeatMs);
  }

  private stopHeartbeatIfIdle(): void {
    if (this.heartbeat && ![...this.running.values()].some((r) => r.pacing === 'realtime')) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private queue(sessionId: string): Pending {
    let p = this.pending.get(sessionId);
    if (!p) {
      p = { entries: [], inspection: [], snapshotAt: -1 };
      this.pending.set(sessionId, p);
    }
    this.schedule();
    return p;
  }

  private onEntry(sessionId: string, entry: JournalEntry): void {
    if (this.recordTransitionTimes && entry.kind === 'transition') {
      let m = this.transitionWallTimes.get(sessionId);
      if (!m) this.transitionWallTimes.set(sessionId, (m = new Map()));
      m.set(entry.seq, performance.timeOrigin + performance.now());
    }
    if (entry.kind === 'input' && entry.event.type === 'vad.probability') return;
    this.queue(sessionId).entries.push(entry);
  }

  private onInspect(sessionId: string, e: InspectionEvent): void {
    if (e.type !== '@xstate.snapshot' && e.type !== '@xstate.event' && e.type !== '@xstate.actor') return;
    const ev = toStatelyEvent(e, `${sessionId}:${this.inspectionSeq++}`, Date.now());
    if (!ev) return;
    const prelude = this.preludes.get(sessionId);
    if (prelude && ev.type === '@xstate.actor') prelude.actors.set(ev.sessionId, { actor: ev, snapshot: null });
    if (prelude && ev.type === '@xstate.snapshot') {
      const a = prelude.actors.get(ev.sessionId);
      if (a) a.snapshot = ev;
    }
    if (this.inspectors.size) this.emitInspection(sessionId, qualifyEvent(sessionId, ev));
    const p = this.queue(sessionId);
    if (ev.type === '@xstate.snapshot' && p.snapshotAt >= 0) {
      p.inspection.splice(p.snapshotAt, 1);
    }
    p.inspection.push(ev);
    if (ev.type === '@xstate.snapshot') p.snapshotAt = p.inspection.length - 1;
  }

  /** Hands one (qualified) inspection event to the inspectors that follow its call. */
  private emitInspection(sessionId: string, ev: StatelyInspectionEvent): void {
    for (const { listener, sessionId: only } of this.inspectors) if (only === null || only === sessionId) listener.event(sessionId, ev);
  }

  private endInspection(sessionId: string): void {
    this.preludes.delete(sessionId);
    for (const { listener, sessionId: only } of [...this.inspectors]) if (only === null || only === sessionId) listener.ended?.(sessionId);
  }

  private lastFlush = 0;

  /** At most one flush per interval: at once if the last was long enough ago, else when it ends. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + pushIntervalMs - performance.now());
    // A zero wait still yields: everything the current step journals leaves in one batch.
    this.timer = setTimeout(() => this.flushWhenDue(), wait);
  }

  /**
   * Node starts a timer from the event loop's cached time, so on a busy loop it can fire before
   * the interval has passed on performance.now(): then it waits out the rest instead.
   */
  private flushWhenDue(): void {
    this.timer = null;
    if (performance.now() < this.lastFlush + pushIntervalMs) this.schedule();
    else this.flush();
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.size) return;
    this.lastFlush = performance.now();
    const batches: PushBatch[] = [];
    // the same reading the next schedule() spaces from, so gaps between sentAt are the spacing
    const sentAt = performance.timeOrigin + this.lastFlush;
    for (const [sessionId, p] of this.pending) {
      const { journal, waveform } = viewJournal(p.entries);
      const batch: PushBatch = { sessionId, nowMs: this.running.get(sessionId)?.runner.now ?? lastAt(p.entries), sentAt, entries: journal, inspection: p.inspection };
      if (waveform.length) batch.waveform = waveform;
      if (p.started) batch.started = p.started;
      if (p.ended) batch.ended = p.ended;
      batches.push(batch);
    }
    this.pending.clear();
    this.push(batches);
  }
}

const lastAt = (entries: JournalEntry[]) => (entries.length ? entries[entries.length - 1].atMs : 0);

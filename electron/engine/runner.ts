import type { CallCommand, CallEvent, JournalEntry, JournalInput, SessionSource, WorldEvent } from '../../shared/events.ts';
import { faultsFor, type Fault } from '../../shared/faults.ts';
import type { Policy, PolicyOverride } from '../../shared/policy.ts';
import { createRng } from '../../shared/rng.ts';
import { Scheduler, schedulerClock } from '../../shared/scheduler.ts';
import { CallCore } from '../../shared/core.ts';
import { maskDeep, maskPii } from '../../shared/pii.ts';
import type { CallMachine } from '../../shared/machine.ts';
import type { InspectionEvent } from 'xstate';
import type { WorldContext, WorldPart } from '../world/world.ts';

/** Where journal entries go as they happen (the session store, or nowhere). */
export interface JournalSink {
  append(entry: JournalEntry): void;
  /**
   * Commits what is buffered. `wait: false` (a realtime call's tick) does not wait for a write
   * lock another process holds: the rows stay buffered for the next flush, and the call goes on.
   */
  flush(o?: { wait?: boolean }): void;
}

/** Everything that makes one call: its inputs and the world it runs against. */
export interface CallSetup {
  source: SessionSource;
  policy: Policy;
  faults: Fault[];
  seed: number;
  strict: boolean;
  appVersion: string;
  /** Builds the world's parts on the call's context (caller, agent, tools, voice). */
  world: (ctx: WorldContext) => WorldPart[];
  machine?: CallMachine;
  /** Control actions to apply at given times (what-if and fork re-apply a session's live changes). */
  controls?: { atMs: number; action: ControlAction }[];
}

export interface RunOptions {
  /** `virtual`: as fast as the machine allows. `realtime`: paced on the wall clock, journaling as it goes. */
  pacing: 'virtual' | 'realtime';
  sink?: JournalSink;
  onEntry?: (entry: JournalEntry) => void;
  /** A call still going after this much virtual time is stopped as an error. */
  maxDurationMs?: number;
  /** Realtime only: the wall clock, in ms (injected so tests can drive it). */
  wallClock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** XState inspection events of the call machine (statechart view, Stately's inspector, coverage). */
  inspect?: (e: InspectionEvent) => void;
}

/** A live change from the control panel: journaled, then applied. */
export type ControlAction = { type: 'fault.set'; fault: Fault } | { type: 'fault.clear'; target: string } | { type: 'policy.set'; patch: PolicyOverride };

/**
 * Joins the machine and the world on one clock and journals every input before the machine
 * sees it. The machine's commands go to the world's parts; their answers come back as
 * events, scheduled on the virtual clock.
 */
export class CallRunner {
  readonly entries: JournalEntry[] = [];
  readonly scheduler = new Scheduler();
  private readonly core: CallCore;
  private readonly parts: WorldPart[];
  private faults: Fault[];
  /** Real work the world is waiting on (model and backend requests). */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly world: WorldContext;
  private seq = 0;
  private stopped = false;
  private agentSpeaking = false;
  error: Error | null = null;

  constructor(
    private readonly setup: CallSetup,
    private readonly opts: RunOptions,
  ) {
    this.faults = [...setup.faults];
    const rootRng = createRng(setup.seed);
    const ctx: WorldContext = (this.world = {
      scheduler: this.scheduler,
      deliver: (event) => this.deliver(event),
      record: (event) => this.journalInput(event),
      rng: (label) => rootRng.fork(label),
      faultFor: faultsFor(
        () => this.faults,
        () => this.scheduler.now,
        rootRng,
      ),
      agentSpeaking: () => this.agentSpeaking,
      track: (work) => {
        const p = work.then(
          () => undefined,
          (err: unknown) => {
            this.error ??= err instanceof Error ? err : new Error(String(err));
            this.stopped = true;
          },
        );
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      },
    });
    const clock = schedulerClock(this.scheduler, (timerId) => this.journalInput({ type: 'timer.fired', timerId }));
    this.core = new CallCore({
      policy: setup.policy,
      clock,
      now: () => this.scheduler.now,
      machine: setup.machine,
      inspect: opts.inspect,
      onTransition: (t) => this.append({ seq: this.seq++, atMs: t.atMs, kind: 'transition', state: t.state, cause: t.cause }),
      onCommand: (command, atMs) => {
        this.append({ seq: this.seq++, atMs, kind: 'command', command });
        this.dispatchCommand(command);
      },
    });
    this.parts = setup.world(ctx);
  }

  get done(): boolean {
    return this.core.done || this.stopped;
  }

  get now(): number {
    return this.scheduler.now;
  }

  get machineSnapshot() {
    return this.core.snapshot;
  }

  /** Runs the whole call. Resolves when the machine reaches a final state (or the call fails). */
  async run(): Promise<void> {
    this.begin();
    if (this.opts.pacing === 'virtual') await this.runVirtual();
    else await this.runRealtime();
    this.opts.sink?.flush();
  }

  /** Applies a control-panel action now. Effects: journals it; changes faults or policy. */
  control(action: ControlAction): void {
    this.scheduler.at(this.opts.pacing === 'realtime' ? this.wallNow() : this.scheduler.now, () => this.applyControl(action));
  }

  private applyControl(action: ControlAction): void {
    if (action.type === 'fault.set') {
      this.journalInput({ type: 'control.fault.set', fault: action.fault });
      this.faults = [...this.faults.filter((f) => f.target !== action.fault.target), action.fault];
    } else if (action.type === 'fault.clear') {
      this.journalInput({ type: 'control.fault.cleared', target: action.target });
      this.faults = this.faults.filter((f) => f.target !== action.target);
    } else {
      this.deliver({ type: 'control.policy.set', patch: action.patch });
    }
  }

  /** Stops a running call where it is (e.g. the user closed the window). */
  stop(): void {
    // journaled where the machine has got to, so the session says 'stopped', not 'error'
    if (!this.done && this.entries.length) this.journalInput({ type: 'control.stop' });
    this.stopped = true;
  }

  /** Delivers an event from outside the world (mic, live VAD) at the current time. */
  inject(event: CallEvent): void {
    this.scheduler.at(this.opts.pacing === 'realtime' ? this.wallNow() : this.scheduler.now, () => this.deliver(event));
  }

  /** Journals a world event from outside (live caller audio, a backchannel) at the current time. */
  injectRecord(event: WorldEvent): void {
    this.scheduler.at(this.opts.pacing === 'realtime' ? this.wallNow() : this.scheduler.now, () => this.journalInput(event));
  }

  /** Runs `step` inside the world at the current time (e.g. a live recognition result through the asr faults). */
  injectInWorld(step: (ctx: WorldContext) => void): void {
    this.scheduler.at(this.opts.pacing === 'realtime' ? this.wallNow() : this.scheduler.now, () => step(this.world));
  }

  /**
   * Realtime: runs the machine up to the clock's now at once, instead of at the pacing loop's
   * next turn. A live caller whose audio is the call's clock calls it each time that clock
   * moves, so that what it reads of the machine (is the agent speaking?) is the machine at
   * that time, however late the loop runs on a busy machine.
   */
  catchUp(): void {
    if (this.opts.pacing === 'realtime' && !this.done) this.scheduler.runUntil(this.wallNow(), () => this.done);
  }

  /** Registers outside work the call depends on; a failure stops the call with that error. */
  track(work: Promise<unknown>): void {
    this.world.track(work);
  }

  private begin(): void {
    const s = this.setup;
    // A strict session keeps no PII anywhere, not even in the scenario it records.
    const source = s.strict ? maskDeep(s.source) : s.source;
    this.journalInput({ type: 'session.started', policy: s.policy, faults: s.faults, seed: s.seed, appVersion: s.appVersion, source, strict: s.strict });
    this.core.start();
    for (const c of s.controls ?? []) this.scheduler.at(c.atMs, () => this.applyControl(c.action));
    for (const p of this.parts) p.start?.();
  }

  /**
   * Virtual time runs as fast as the jobs allow, but stands still while the world waits on
   * real work (a model or a backend over HTTP): the answer is then placed at its measured
   * latency on the virtual clock, so timers due before it still fire first.
   */
  private async runVirtual(): Promise<void> {
    const limit = this.opts.maxDurationMs ?? 60 * 60_000;
    try {
      for (;;) {
        this.scheduler.runUntil(limit, () => this.done || this.inflight.size > 0);
        if (this.done || this.inflight.size === 0) break;
        await Promise.race(this.inflight);
      }
    } catch (err) {
      this.error = err as Error;
      return;
    }
    if (!this.core.done && !this.stopped) {
      const last = this.entries[this.entries.length - 1]?.atMs ?? 0;
      this.error = new Error(this.scheduler.nextTime() === null ? `the call stalled at ${last} ms: the machine waits for an event nothing will send` : `the call was still running after ${limit} ms`);
    }
  }

  private t0 = 0;
  private wallNow(): number {
    // whole milliseconds, as on the virtual clock
    return Math.round((this.opts.wallClock ?? (() => performance.now()))() - this.t0);
  }

  private async runRealtime(): Promise<void> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    this.t0 = (this.opts.wallClock ?? (() => performance.now()))();
    const limit = this.opts.maxDurationMs ?? 60 * 60_000;
    try {
      while (!this.done) {
        const now = this.wallNow();
        if (now > limit) throw new Error(`the call was still running after ${limit} ms`);
        this.scheduler.runUntil(now, () => this.done);
        this.opts.sink?.flush({ wait: false });
        if (this.done) break;
        const next = this.scheduler.nextTime();
        await sleep(Math.max(1, Math.min(20, (next ?? now + 20) - this.wallNow())));
      }
    } catch (err) {
      this.error = err as Error;
    }
  }

  private append(entry: JournalEntry): void {
    this.entries.push(entry);
    this.opts.sink?.append(entry);
    this.opts.onEntry?.(entry);
  }

  private journalInput(event: JournalInput): void {
    this.append({ seq: this.seq++, atMs: this.scheduler.now, kind: 'input', event });
  }

  private deliver(event: CallEvent): void {
    if (this.core.done) return;
    // a strict session keeps no PII: caller words are masked before anything sees them
    const e = event.type === 'asr.result' && this.setup.strict ? { ...event, text: maskPii(event.text) } : event;
    this.journalInput(e);
    if (e.type === 'agent.speech.ended') this.agentSpeaking = false;
    this.core.send(e);
    for (const p of this.parts) p.onEvent?.(e);
  }

  private dispatchCommand(command: CallCommand): void {
    if (command.type === 'agent.speak') this.agentSpeaking = true;
    else if (command.type === 'agent.speech.stop' || command.type === 'handoff.start' || command.type === 'call.end') this.agentSpeaking = false;
    for (const p of this.parts) p.onCommand?.(command);
  }
}

import type { CallCommand, JournalEntry } from './events.ts';
import { CallCore, type TransitionRecord } from './core.ts';
import type { MachineClock } from './scheduler.ts';
import type { CallMachine } from './machine.ts';
import { asPolicy, type Policy } from './policy.ts';
import type { InspectionEvent } from 'xstate';

/** Where a replay first differs from the recorded session. */
export interface Divergence {
  index: number;
  atMs: number;
  expected: string;
  actual: string;
}

export interface ReplayResult {
  identical: boolean;
  events: number;
  transitions: TransitionRecord[];
  commands: { atMs: number; command: CallCommand }[];
  divergence: Divergence | null;
}

/**
 * A clock for replay: timers keep the virtual time they are due. The journal says which timer
 * fired when; a timer that a changed machine set to a different time shows as a divergence.
 */
export class ReplayClock implements MachineClock {
  private nextId = 1;
  readonly pending = new Map<number, { due: number; fn: () => void }>();
  constructor(private readonly now: () => number) {}
  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.pending.set(id, { due: this.now() + ms, fn });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.pending.delete(id as number);
  }
  /** The earliest pending timer due before `t`, if any (one the journal never fired). */
  overdue(t: number): { id: number; due: number } | null {
    let best: { id: number; due: number } | null = null;
    for (const [id, p] of this.pending) if (p.due < t && (!best || p.due < best.due || (p.due === best.due && id < best.id))) best = { id, due: p.due };
    return best;
  }
  fire(id: number): void {
    const p = this.pending.get(id)!;
    this.pending.delete(id);
    p.fn();
  }
}

const describe = (t: TransitionRecord | undefined) => (t ? `${t.state} at ${t.atMs} ms` : 'no transition');

/**
 * Re-executes a journal through the machine with no world at all: every input event is sent
 * at its recorded virtual time, and timers fire exactly where the journal says they fired.
 * Compares each transition with the recorded one and stops at the first difference (an error
 * thrown by a changed machine is reported as a divergence, not thrown). Pure.
 */
export function replayJournal(
  entries: readonly JournalEntry[],
  opts: {
    machine?: CallMachine;
    upToMs?: number;
    /** The machine's inspection events, with the replay's virtual time (the UI's scrubber checkpoints). */ inspect?: (e: InspectionEvent, atMs: number) => void;
  } = {},
): ReplayResult {
  const start = entries.find((e) => e.kind === 'input' && e.event.type === 'session.started');
  if (!start || start.kind !== 'input' || start.event.type !== 'session.started') throw new Error('journal has no session.started event');
  const policy: Policy = asPolicy(start.event.policy);
  const recorded = entries.filter((e): e is Extract<JournalEntry, { kind: 'transition' }> => e.kind === 'transition');
  const transitions: TransitionRecord[] = [];
  const commands: { atMs: number; command: CallCommand }[] = [];
  let now = 0;
  let divergence: Divergence | null = null;
  const clock = new ReplayClock(() => now);
  const check = (t: TransitionRecord) => {
    const i = transitions.length;
    transitions.push(t);
    if (divergence) return;
    const r = recorded[i];
    if (!r || r.state !== t.state || r.atMs !== t.atMs) {
      divergence = { index: i, atMs: t.atMs, expected: r ? `${r.state} at ${r.atMs} ms` : 'no transition', actual: describe(t) };
    }
  };
  const core = new CallCore({
    policy,
    clock,
    now: () => now,
    onTransition: check,
    onCommand: (command, atMs) => commands.push({ atMs, command }),
    machine: opts.machine,
    inspect: opts.inspect && ((e) => opts.inspect!(e, now)),
  });
  let events = 0;
  try {
    core.start();
    for (const e of entries) {
      if (divergence) break;
      if (e.kind !== 'input') continue;
      if (opts.upToMs !== undefined && e.atMs > opts.upToMs) break;
      // A timer the machine has due before this entry, that the journal never fired, fires now:
      // a changed machine shows up at the first transition it changes.
      for (let o = clock.overdue(e.atMs); o && !divergence; o = clock.overdue(e.atMs)) {
        now = o.due;
        clock.fire(o.id);
      }
      if (divergence) break;
      now = e.atMs;
      events++;
      const ev = e.event;
      if (ev.type === 'timer.fired') {
        const p = clock.pending.get(ev.timerId);
        if (!p) {
          divergence = { index: transitions.length, atMs: e.atMs, expected: `timer ${ev.timerId} to be pending`, actual: 'the machine has no such timer' };
        } else if (p.due !== e.atMs) {
          divergence = { index: transitions.length, atMs: e.atMs, expected: `timer ${ev.timerId} due at ${e.atMs} ms`, actual: `the machine set it for ${p.due} ms` };
        } else clock.fire(ev.timerId);
      } else if (isMachineEvent(ev)) {
        core.send(ev);
      }
    }
  } catch (err) {
    divergence ??= { index: transitions.length, atMs: now, expected: describe(recorded[transitions.length]), actual: `machine error: ${(err as Error).message}` };
  }
  const cutoff = opts.upToMs;
  const expectedCount = cutoff === undefined ? recorded.length : recorded.filter((r) => r.atMs <= cutoff).length;
  if (!divergence && transitions.length < expectedCount) {
    const r = recorded[transitions.length];
    divergence = { index: transitions.length, atMs: r.atMs, expected: describe(r), actual: 'no transition' };
  }
  return { identical: divergence === null, events, transitions, commands, divergence };
}

const worldOnly = new Set([
  'session.started',
  'timer.fired',
  'control.fault.set',
  'control.fault.cleared',
  'control.stop',
  'caller.audio',
  'caller.backchannel',
  'caller.partial',
  'vad.probability',
  'summarizer.result',
  'caller.model.result',
]);

/** True for journaled inputs that go to the machine (the rest steer the world). */
export function isMachineEvent(ev: { type: string }): ev is import('./events.ts').CallEvent {
  return !worldOnly.has(ev.type);
}

import type { CallCommand, JournalEntry } from './events.ts';
import { CallCore, type TransitionRecord } from './core.ts';
import type { MachineClock } from './scheduler.ts';
import type { CallMachine } from './machine.ts';
import type { Policy } from './policy.ts';

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

/** A clock whose timers fire only when the journal says they fired. */
class ReplayClock implements MachineClock {
  private nextId = 1;
  private pending = new Map<number, () => void>();
  setTimeout(fn: () => void): number {
    const id = this.nextId++;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(id: unknown): void {
    this.pending.delete(id as number);
  }
  /** Fires timer `id`; false if the machine never set it or cleared it (a divergence). */
  fire(id: number): boolean {
    const fn = this.pending.get(id);
    if (!fn) return false;
    this.pending.delete(id);
    fn();
    return true;
  }
}

const describe = (t: TransitionRecord | undefined) => (t ? `${t.state} at ${t.atMs} ms` : 'no transition');

/**
 * Re-executes a journal through the machine with no world at all: every input event is sent
 * at its recorded virtual time, and timers fire exactly where the journal says they fired.
 * Compares each transition with the recorded one and stops at the first difference (an error
 * thrown by a changed machine is reported as a divergence, not thrown). Pure.
 */
export function replayJournal(entries: readonly JournalEntry[], opts: { machine?: CallMachine; upToMs?: number } = {}): ReplayResult {
  const start = entries.find((e) => e.kind === 'input' && e.event.type === 'session.started');
  if (!start || start.kind !== 'input' || start.event.type !== 'session.started') throw new Error('journal has no session.started event');
  const policy: Policy = start.event.policy;
  const recorded = entries.filter((e): e is Extract<JournalEntry, { kind: 'transition' }> => e.kind === 'transition');
  const transitions: TransitionRecord[] = [];
  const commands: { atMs: number; command: CallCommand }[] = [];
  let now = 0;
  let divergence: Divergence | null = null;
  const clock = new ReplayClock();
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
  });
  let events = 0;
  try {
    core.start();
    for (const e of entries) {
      if (divergence) break;
      if (e.kind !== 'input') continue;
      if (opts.upToMs !== undefined && e.atMs > opts.upToMs) break;
      now = e.atMs;
      events++;
      const ev = e.event;
      if (ev.type === 'timer.fired') {
        if (!clock.fire(ev.timerId)) {
          divergence = { index: transitions.length, atMs: e.atMs, expected: `timer ${ev.timerId} to be pending`, actual: 'the machine has no such timer' };
        }
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

const worldOnly = new Set(['session.started', 'timer.fired', 'control.fault.set', 'control.fault.cleared', 'caller.audio', 'vad.probability']);

/** True for journaled inputs that go to the machine (the rest steer the world). */
export function isMachineEvent(ev: { type: string }): ev is import('./events.ts').CallEvent {
  return !worldOnly.has(ev.type);
}

import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { callMachine, type CallMachine } from './machine.ts';
import type { CallCommand, CallEvent } from './events.ts';
import type { Policy } from './policy.ts';
import type { MachineClock } from './scheduler.ts';
import { leafPaths } from './statePaths.ts';

export interface TransitionRecord {
  atMs: number;
  state: string;
  /** The event that caused it, shortened: `tool.result`, `after toolLatencyBudgetMs`, `init`. */
  cause: string;
}

export interface CallCoreOptions {
  policy: Policy;
  clock: MachineClock;
  /** Virtual time now, in ms. */
  now: () => number;
  onTransition: (t: TransitionRecord) => void;
  onCommand: (c: CallCommand, atMs: number) => void;
  /** Another machine (e.g. a changed one, in tests); defaults to the call machine. */
  machine?: CallMachine;
  /** Extra inspection observer (the UI's statechart and Stately's inspector). */
  inspect?: (e: InspectionEvent) => void;
}

/** `xstate.after.fillerAfterMs.call.active...` → `after fillerAfterMs`. Pure. */
export function shortCause(eventType: string): string {
  if (eventType.startsWith('xstate.after.')) return `after ${eventType.split('.')[2]}`;
  if (eventType === 'xstate.init') return 'init';
  return eventType;
}

/**
 * The call machine in an actor, with its transitions recorded as dotted leaf paths and its
 * emitted commands handed on. The same core serves a live run (scheduler clock) and a
 * replay (replay clock), which is why both record transitions the same way.
 */
export class CallCore {
  readonly actor: Actor<CallMachine>;
  private active: string[] = [];

  constructor(private readonly opts: CallCoreOptions) {
    const machine = opts.machine ?? callMachine;
    this.actor = createActor(machine, {
      input: { policy: opts.policy },
      clock: opts.clock,
      inspect: (e) => {
        if (e.type === '@xstate.microstep' && e.actorRef === this.actor) this.noteReentries(e._transitions);
        if (e.type === '@xstate.snapshot' && e.actorRef === this.actor) this.record(e.snapshot as unknown as { value: unknown }, e.event.type);
        opts.inspect?.(e);
      },
    });
    this.actor.on('*', (cmd) => opts.onCommand(cmd as CallCommand, opts.now()));
    // A machine that throws (a guard or action error) stops; the error is kept and rethrown to
    // the caller of send(), never thrown later from a timer.
    this.actor.subscribe({ error: (err) => (this.failure = err as Error) });
  }

  /** The error that stopped the machine, if one did. */
  failure: Error | null = null;

  /** Starts the machine (its initial state is recorded at the current time). */
  start(): void {
    this.actor.start();
    if (this.failure) throw this.failure;
  }

  /** Sends one input event. Effects: the machine steps; transitions and commands are reported. */
  send(event: CallEvent): void {
    this.actor.send(event);
    if (this.failure) throw this.failure;
  }

  get done(): boolean {
    return this.actor.getSnapshot().status === 'done';
  }

  get snapshot() {
    return this.actor.getSnapshot();
  }

  /** States a `reenter` transition of this step left and entered again (as path prefixes). */
  private reentered: string[] = [];

  private noteReentries(transitions: readonly { reenter: boolean; target?: readonly { path: readonly string[] }[] }[]): void {
    for (const t of transitions) if (t.reenter) for (const target of t.target ?? []) this.reentered.push(target.path.join('.'));
  }

  /**
   * Reports each leaf the step entered: a new one, or one inside a state that a `reenter`
   * transition left and entered again (its timers restarted, so the timeline must show it).
   */
  private record(snapshot: { value: unknown }, eventType: string): void {
    const next = leafPaths(snapshot.value);
    const atMs = this.opts.now();
    const reentered = this.reentered;
    this.reentered = [];
    for (const path of next) {
      const again = reentered.some((p) => path === p || path.startsWith(`${p}.`));
      if (again || !this.active.includes(path)) this.opts.onTransition({ atMs, state: path, cause: shortCause(eventType) });
    }
    this.active = next;
  }
}

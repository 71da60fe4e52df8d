import type { CallCommand, CallEvent, WorldEvent } from '../../shared/events.ts';
import type { FaultHit } from '../../shared/faults.ts';
import type { Rng } from '../../shared/rng.ts';
import type { Scheduler } from '../../shared/scheduler.ts';

/**
 * What every part of the simulated world sees: the virtual clock, a way to deliver an event
 * to the machine (journaled first), the seeded generator and what the live fault plan does.
 * Parts never deliver synchronously from inside a command: they schedule, even at +0 ms, so
 * the machine never re-enters itself and the journal order is the order the machine saw.
 */
export interface WorldContext {
  scheduler: Scheduler;
  deliver(event: CallEvent): void;
  /** Journals an input that steers the world but not the machine (audio, backchannels). */
  record(event: WorldEvent): void;
  rng(label: string): Rng;
  /**
   * Counts one call to `target` (a tool name, "agent", "asr", "tts"; each counted apart) and
   * says what the live fault plan does to it: the call's index, added latency, and the failure
   * that replaces its answer, which each part switches over exhaustively (shared/faults.ts).
   */
  faultFor(target: string): FaultHit;
  /**
   * Registers real work (an HTTP request) the call must wait for: on the virtual clock, time
   * stands still until it settles. The work schedules its own result; a rejection fails the call.
   */
  track(work: Promise<unknown>): void;
  /**
   * Whether the agent has a line going (spoken, or paused over the caller): from its
   * `agent.speak` to its end, stop, a handoff or the end of the call. What a caller's speech
   * starting now would talk over.
   */
  agentSpeaking(): boolean;
}

/** One part of the world: reacts to the machine's commands and to the events it delivered. */
export interface WorldPart {
  start?(): void;
  onCommand?(command: CallCommand): void;
  onEvent?(event: CallEvent): void;
}

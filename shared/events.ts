import type { JournaledPolicy, PolicyOverride } from './policy.ts';
import type { Fault } from './faults.ts';
import type { StretchSound } from './backchannel.ts';

// Each vocabulary is one list: the type comes from it here, and the schemas of scenario files
// and the handoff packet take it with z.enum, so a new member is added in one place.

/** Why the call went to a human (SPEC §1). */
export const handoffReasons = ['caller_request', 'caller_frustration', 'backend_failure', 'tool_loop', 'latency_timeout', 'dead_air', 'cost_limit', 'no_progress', 'agent_request'] as const;
export type HandoffReason = (typeof handoffReasons)[number];
export const handoffPriorities = ['high', 'normal'] as const;
export type HandoffPriority = (typeof handoffPriorities)[number];
/** How a call ended. */
/** SPEC §2's order. `stopped`: the user stopped the call (a journaled `control.stop`). */
export const outcomes = ['handoff', 'completed', 'caller_hung_up', 'stopped', 'error'] as const;
export type Outcome = (typeof outcomes)[number];
/** What one tool call came to (`timeout`: abandoned by the machine, never answered). */
export const toolOutcomes = ['ok', 'error', 'timeout', 'empty', 'malformed'] as const;
export type ToolOutcome = (typeof toolOutcomes)[number];

/** What the agent (simulated or a real model) decided after thinking. */
export type AgentResponse =
  /** Say something. `progress: false` when the agent could not act on the caller's turn. */
  | { kind: 'say'; text: string; progress: boolean }
  /** Call a tool (the orchestration layer decides whether it may). */
  | { kind: 'tool'; tool: string; args: Record<string, unknown> }
  /** The agent itself asks for a human. */
  | { kind: 'handoff'; text?: string }
  /** Say goodbye and end the call. */
  | { kind: 'end'; text: string };

/** What the agent is asked to think about. */
export type AgentInput = { kind: 'caller'; text: string } | { kind: 'tool'; callId: number; tool: string; outcome: ToolOutcome; status?: number; data?: unknown } | { kind: 'retry'; reason: string };

/**
 * Every event that enters the call machine, each journaled before it is sent (SPEC §6).
 * Names are dotted; the machine handles each with an exhaustive set of transitions.
 */
export type CallEvent =
  /**
   * `speechAtMs`: where live detection placed the start (it is confirmed, and sent, a little
   * later). `spokenMs`: how long the caller had already been speaking when this was sent (live
   * speech over the agent is held until it cannot be a backchannel); it counts towards
   * bargeInMinSpeechMs.
   */
  | { type: 'caller.speech.started'; speechAtMs?: number; spokenMs?: number }
  /**
   * `speechAtMs`: where the speech really stopped (the end-of-turn silence confirms it later).
   * `backchannel`: the stretch, begun while the agent spoke, was an acknowledgement ("mhm",
   * "okay"): not a turn and no recognition to wait for; a paused agent resumes.
   */
  | { type: 'caller.speech.ended'; speechAtMs?: number; backchannel?: true }
  /**
   * The speech that paused the agent is a turn, known before it has ended: a live call's
   * streaming recognition (a `caller.partial`) already heard words no backchannel has. The
   * paused agent stops (a barge-in); the speech's end and words follow as for any turn.
   */
  | { type: 'caller.speech.turn' }
  | { type: 'asr.result'; text: string; confidence: number }
  | { type: 'asr.failed'; error: string }
  | { type: 'caller.hungup' }
  | { type: 'agent.response'; response: AgentResponse; tokens: number }
  | { type: 'agent.failed'; error: string; tokens: number }
  | { type: 'agent.speech.ended' }
  | { type: 'tool.result'; callId: number; tool: string; outcome: Exclude<ToolOutcome, 'timeout'>; status?: number; data?: unknown; latencyMs: number }
  | { type: 'control.policy.set'; patch: PolicyOverride };

/** Inputs that are journaled but steer the world, not the machine. */
export type WorldEvent =
  | { type: 'session.started'; policy: JournaledPolicy; faults: Fault[]; seed: number; appVersion: string; source: SessionSource; strict: boolean }
  | { type: 'timer.fired'; timerId: number }
  | { type: 'control.fault.set'; fault: Fault }
  | { type: 'control.fault.cleared'; target: string }
  /** The user stopped the call where it was (stop button, `stop` of the API, the window closed, Ctrl-C). */
  | { type: 'control.stop' }
  | { type: 'caller.audio'; startMs: number; endMs: number; sampleRate: number; pcm16: string /* base64 */ }
  /** A stretch told a backchannel; `sound` (recorded, synthesized and live calls) is how it sounded, what the rule weighed with its words. */
  | { type: 'caller.backchannel'; startMs: number; endMs: number; text: string; sound?: StretchSound }
  | { type: 'vad.probability'; atMs: number; p: number }
  /**
   * What streaming recognition had heard of the caller's current speech by `atMs` (a live call's
   * partial result, at a fixed step of the audio): the words so far, not the final ones.
   */
  | { type: 'caller.partial'; atMs: number; text: string }
  /**
   * The summarizer model's answer for the handoff packet (SPEC §5), asked once the call has
   * ended: `content` is its message verbatim (checked against the journal whenever the packet is
   * built, so replay, what-if and export need no server); `error` says why there is none
   * (timeout, HTTP status, no message).
   */
  | { type: 'summarizer.result'; model: string; latencyMs: number; tokens: number; content?: string; error?: string }
  /**
   * A persona caller's model answered (README, "An LLM-played caller"), asked for the caller's
   * `turn`-th line: `action` is what the caller does with it (`say` its `line`, stay silent, hang
   * up after an optional `line`, or `failed`: dead air, with `error`); `content` is the message
   * verbatim; `request` a hash of the messages sent. `from: 'journal'` marks an answer a what-if
   * or fork took from its parent's journal instead of asking the model.
   */
  | {
      type: 'caller.model.result';
      turn: number;
      model: string;
      latencyMs: number;
      tokens: number;
      action: CallerModelAction;
      line?: string;
      content?: string;
      error?: string;
      request: string;
      from?: 'journal';
    };

/** What a persona caller does with its model's answer. */
export const callerModelActions = ['say', 'silence', 'hangup', 'failed'] as const;
export type CallerModelAction = (typeof callerModelActions)[number];

export type JournalInput = CallEvent | WorldEvent;

/** Where a session's caller came from. */
export type SessionSource =
  | { kind: 'scenario'; name: string; scenario: unknown /* the validated scenario file */ }
  | { kind: 'recording'; file: string; channel?: 'left' | 'right' | 'mix' }
  | { kind: 'mic' }
  | { kind: 'fork' | 'whatif'; parentId: string; atMs?: number; scenario?: unknown };

/** Commands the machine emits for the world to carry out (the machine executes nothing). */
export type CallCommand =
  | { type: 'agent.speak'; text: string; scripted: boolean; purpose: SpeechPurpose }
  | { type: 'agent.speech.stop'; reason: 'barge_in' | 'handoff' | 'hangup' }
  /**
   * Caller speech over the agent has lasted bargeInMinSpeechMs: the agent's audio holds where it
   * is, until the speech turns out a backchannel (resume) or not (stop, a barge-in).
   */
  | { type: 'agent.speech.pause'; reason: 'caller_speech' }
  /** The speech that paused the agent was a backchannel: its line goes on from where it held. */
  | { type: 'agent.speech.resume'; reason: 'backchannel' }
  | { type: 'filler.play'; text: string }
  | { type: 'agent.think'; input: AgentInput }
  | { type: 'agent.cancel'; reason: 'latency_timeout' | 'handoff' | 'caller_spoke' }
  | { type: 'agent.kill'; reason: 'cost_limit' }
  | { type: 'tool.call'; callId: number; tool: string; args: Record<string, unknown>; attempt: number }
  | { type: 'tool.abandon'; callId: number; reason: 'timeout' | 'handoff' }
  /** Recognition of the caller's ended speech did not answer within deadAirMs: no longer awaited. */
  | { type: 'asr.abandon'; reason: 'timeout' }
  | { type: 'handoff.start'; reason: HandoffReason; priority: HandoffPriority }
  | { type: 'call.end'; outcome: Outcome };

export type SpeechPurpose = 'greeting' | 'answer' | 'clarify' | 'reprompt' | 'fallback' | 'handoff' | 'goodbye';

/** One row of a session's journal: an input, a command, or a transition, at its virtual time. */
export type JournalEntry =
  | { seq: number; atMs: number; kind: 'input'; event: JournalInput }
  | { seq: number; atMs: number; kind: 'command'; command: CallCommand }
  | { seq: number; atMs: number; kind: 'transition'; state: string; cause: string };

// The text voice: no audio, a line takes as long as its words at a speaking rate; the agent's
// voice on the call's clock, for any voice that says how long a line lasts.
import { wordCount } from '../../shared/intent.ts';
import { assertNever } from '../../shared/assertNever.ts';
import type { CallCommand } from '../../shared/events.ts';
import type { FaultFailure } from '../../shared/faults.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';

/** Speaking-time model for text voices: about 170 words a minute plus onset. */
export function agentSpeechMs(text: string): number {
  return 200 + 330 * wordCount(text);
}

/** Caller speaking time for text voices: about 160 words a minute plus onset. */
export function callerSpeechMs(text: string): number {
  return 180 + 360 * Math.max(1, wordCount(text));
}

/**
 * What a `tts` failure does to the agent's voice: nothing yet. The voice here is a duration,
 * not a synthesizer that could fail, so only latency faults reach it; a new failure mode is
 * decided here too.
 */
function speechFailure(failure: FaultFailure | null): void {
  if (!failure) return;
  switch (failure.mode) {
    case 'error':
    case 'timeout':
    case 'empty':
    case 'malformed':
    case 'garble':
      return;
    default:
      assertNever(failure);
  }
}

/**
 * The agent's voice for text runs: `agent.speak` lasts as long as the words take to say
 * (plus `tts` latency faults), then `agent.speech.ended`. A stop, a handoff or the end of
 * the call cuts it.
 */
export class AgentVoice implements WorldPart {
  private pending: number | null = null;
  /** When the line being said ends, on the call's clock. */
  private endsAt = 0;
  /** What is left of a paused line. */
  private heldMs: number | null = null;
  constructor(
    private readonly ctx: WorldContext,
    private readonly durationMs: (text: string) => number,
  ) {}

  onCommand(command: CallCommand): void {
    if (command.type === 'agent.speak') {
      this.cut();
      const { addedLatencyMs, failure } = this.ctx.faultFor('tts');
      speechFailure(failure);
      this.play(this.durationMs(command.text) + addedLatencyMs);
    } else if (command.type === 'agent.speech.pause') {
      // the line holds where it is: what is left of it plays on a resume
      if (this.pending === null) return;
      this.ctx.scheduler.cancel(this.pending);
      this.pending = null;
      this.heldMs = Math.max(0, this.endsAt - this.ctx.scheduler.now);
    } else if (command.type === 'agent.speech.resume') {
      if (this.heldMs !== null) this.play(this.heldMs);
      this.heldMs = null;
    } else if (command.type === 'agent.speech.stop' || command.type === 'handoff.start' || command.type === 'call.end') {
      this.cut();
    }
  }

  private play(ms: number): void {
    this.endsAt = this.ctx.scheduler.now + ms;
    this.pending = this.ctx.scheduler.after(ms, () => {
      this.pending = null;
      this.ctx.deliver({ type: 'agent.speech.ended' });
    });
  }

  private cut(): void {
    if (this.pending !== null) this.ctx.scheduler.cancel(this.pending);
    this.pending = null;
    this.heldMs = null;
  }
}

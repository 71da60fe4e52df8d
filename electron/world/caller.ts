import type { CallCommand, CallEvent } from '../../shared/events.ts';
import { faultEffect } from '../../shared/faults.ts';
import type { CallerTurn } from '../../shared/scenario.ts';
import { callerSpeechMs } from './speech.ts';
import type { WorldContext, WorldPart } from './world.ts';

/** How long a caller waits after the agent stops before answering, when a turn says nothing. */
export const callerReactionMs = 500;

const garbleWords = ['uh', 'the', 'bell', 'count', 'cold', 'order', 'walk', 'um', 'fine', 'tree'];

type Waiting = { kind: 'answer'; delayMs: number } | { kind: 'speechStart'; delayMs: number } | null;

/**
 * The scripted caller of a scenario (text voice): speaks each turn when its timing says
 * (SPEC §2: `at`, `afterAgentMs`, `bargeInMs`, `silentMs`, `hangUp`, or once the agent has
 * answered), for a duration from its word count, and hands the words to recognition at the
 * end of speech, where `asr` faults apply.
 */
export class ScriptedCaller implements WorldPart {
  private index = 0;
  private waiting: Waiting = null;
  private agentAnswered = false;
  private agentSpeaking = false;
  private done = false;

  constructor(
    private readonly ctx: WorldContext,
    private readonly turns: readonly CallerTurn[],
  ) {}

  start(): void {
    this.next();
  }

  onCommand(command: CallCommand): void {
    if (command.type === 'agent.speak') {
      this.agentSpeaking = true;
      if (this.waiting?.kind === 'speechStart') this.fire(this.waiting.delayMs);
    } else if (command.type === 'agent.speech.stop' || command.type === 'handoff.start') {
      this.agentSpeaking = false;
    } else if (command.type === 'call.end') {
      this.done = true;
    }
  }

  onEvent(event: CallEvent): void {
    if (event.type !== 'agent.speech.ended') return;
    this.agentSpeaking = false;
    this.agentAnswered = true;
    if (this.waiting?.kind === 'answer') this.fire(this.waiting.delayMs);
  }

  private fire(delayMs: number): void {
    this.waiting = null;
    this.ctx.scheduler.after(delayMs, () => this.perform());
  }

  /** Decides when the current turn starts. */
  private next(): void {
    if (this.done) return;
    const turn = this.turns[this.index];
    if (!turn) return;
    if (turn.at !== undefined) {
      this.ctx.scheduler.at(turn.at, () => this.perform());
    } else if (turn.bargeInMs !== undefined) {
      this.waiting = { kind: 'speechStart', delayMs: turn.bargeInMs };
    } else {
      const delayMs = turn.afterAgentMs ?? callerReactionMs;
      if (this.agentAnswered && !this.agentSpeaking) this.fire(delayMs);
      else this.waiting = { kind: 'answer', delayMs };
    }
  }

  private perform(): void {
    if (this.done) return;
    const turn = this.turns[this.index++];
    const { ctx } = this;
    if (turn.hangUp) {
      ctx.deliver({ type: 'caller.hungup' });
      return;
    }
    if (turn.silentMs !== undefined) {
      // Silence is a turn of its own: the next turn may start once it is over.
      ctx.scheduler.after(turn.silentMs, () => {
        this.agentAnswered = !this.agentSpeaking;
        this.next();
      });
      return;
    }
    const text = turn.say!;
    ctx.deliver({ type: 'caller.speech.started' });
    ctx.scheduler.after(callerSpeechMs(text), () => {
      if (this.done) return;
      ctx.deliver({ type: 'caller.speech.ended' });
      this.recognize(text);
      this.agentAnswered = false;
      this.next();
    });
  }

  /** Text voice: the words are known; `asr` faults may delay, fail or garble them. */
  private recognize(text: string): void {
    const { ctx } = this;
    const index = ctx.nextCallIndex('asr');
    const effect = faultEffect(ctx.faults(), 'asr', index, ctx.scheduler.now, ctx.rng(`fault:asr:${index}`));
    const f = effect.failure;
    if (f?.mode === 'timeout') return;
    let event: CallEvent;
    if (f?.mode === 'error' || f?.mode === 'empty' || f?.mode === 'malformed') event = { type: 'asr.failed', error: f.mode === 'error' ? `recognizer error ${f.status}` : `recognizer returned ${f.mode}` };
    else if (f?.mode === 'garble') {
      const rng = ctx.rng(`garble:${index}`);
      const words = text.split(/\s+/).map((w) => (rng.next() < 0.5 ? rng.pick(garbleWords) : w));
      event = { type: 'asr.result', text: words.join(' '), confidence: 0.4 };
    } else event = { type: 'asr.result', text, confidence: 1 };
    if (effect.addedLatencyMs > 0) ctx.scheduler.after(effect.addedLatencyMs, () => ctx.deliver(event));
    else ctx.deliver(event);
  }
}

/**
 * The agent's voice for text runs: `agent.speak` lasts as long as the words take to say
 * (plus `tts` latency faults), then `agent.speech.ended`. A stop, a handoff or the end of
 * the call cuts it.
 */
export class AgentVoice implements WorldPart {
  private pending: number | null = null;
  constructor(
    private readonly ctx: WorldContext,
    private readonly durationMs: (text: string) => number,
  ) {}

  onCommand(command: CallCommand): void {
    if (command.type === 'agent.speak') {
      this.cut();
      const index = this.ctx.nextCallIndex('tts');
      const effect = faultEffect(this.ctx.faults(), 'tts', index, this.ctx.scheduler.now, this.ctx.rng(`fault:tts:${index}`));
      this.pending = this.ctx.scheduler.after(this.durationMs(command.text) + effect.addedLatencyMs, () => {
        this.pending = null;
        this.ctx.deliver({ type: 'agent.speech.ended' });
      });
    } else if (command.type === 'agent.speech.stop' || command.type === 'handoff.start' || command.type === 'call.end') {
      this.cut();
    }
  }

  private cut(): void {
    if (this.pending !== null) this.ctx.scheduler.cancel(this.pending);
    this.pending = null;
  }
}

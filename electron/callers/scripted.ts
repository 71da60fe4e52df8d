import type { CallCommand, CallEvent } from '../../shared/events.ts';
import { deliverRecognition, playHeardSegments, type HeardSegment } from '../world/recognition.ts';
import type { CallerTurn } from '../../shared/scenario.ts';
import { callerSpeechMs } from '../voices/text.ts';
import { isBackchannel, lineWords } from '../../shared/backchannel.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';

/** How long a caller waits after the agent stops before answering, when a turn says nothing. */
export const callerReactionMs = 500;

/** A synthesized caller line: how long its audio lasts and what was heard in it. */
export interface HeardLine {
  durationMs: number;
  segments: HeardSegment[];
}

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

  /**
   * @param heard For synthesized voices: each line's audio as detection and recognition heard it
   * (speech segments within the line, misheard words included) and its real duration.
   */
  constructor(
    private readonly ctx: WorldContext,
    private readonly turns: readonly CallerTurn[],
    private readonly heard?: ReadonlyMap<string, HeardLine>,
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
    const line = this.heard?.get(text);
    if (line) {
      playHeardSegments(ctx, ctx.scheduler.now, line.segments, () => !this.done);
      ctx.scheduler.after(line.durationMs, () => {
        this.agentAnswered = false;
        this.next();
      });
      return;
    }
    sayText(
      ctx,
      text,
      () => !this.done,
      () => {
        this.agentAnswered = false;
        this.next();
      },
    );
  }
}

/**
 * Says one line in the text voice: caller speech from now, for a duration from its word count;
 * at its end, a stretch begun over the agent that is an acknowledgement (its words are known
 * here, each certain) is a backchannel and a paused agent resumes; anything else ends the
 * caller's speech and goes to recognition, where `asr` faults may delay, fail or garble it.
 * `then` runs after the line, unless the call stopped (`stillOn`). Effects: schedules events.
 */
export function sayText(ctx: WorldContext, text: string, stillOn: () => boolean, then: () => void): void {
  const startMs = ctx.scheduler.now;
  const overAgent = ctx.agentSpeaking();
  ctx.deliver({ type: 'caller.speech.started' });
  const spokenMs = callerSpeechMs(text);
  ctx.scheduler.after(spokenMs, () => {
    if (!stillOn()) return;
    const words = lineWords(text);
    if (overAgent && isBackchannel({ durationMs: spokenMs, words, wordConfidences: words.map(() => 1), shortResponse: null })) {
      ctx.record({ type: 'caller.backchannel', startMs, endMs: ctx.scheduler.now, text });
      ctx.deliver({ type: 'caller.speech.ended', backchannel: true });
    } else {
      ctx.deliver({ type: 'caller.speech.ended' });
      deliverRecognition(ctx, text, 1);
    }
    then();
  });
}

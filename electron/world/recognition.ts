import { assertNever } from '../../shared/assertNever.ts';
import type { CallEvent } from '../../shared/events.ts';
import type { FaultFailure } from '../../shared/faults.ts';
import type { Rng } from '../../shared/rng.ts';
import type { WorldContext } from './world.ts';
import { BACKCHANNEL_DECISION_MS, type StretchSound } from '../../shared/backchannel.ts';

const garbleWords = ['uh', 'the', 'bell', 'count', 'cold', 'order', 'walk', 'um', 'fine', 'tree'];

/**
 * Delivers what recognition heard for one caller segment, through the `asr` faults of the
 * plan: latency delays it, error/empty/malformed fail it, timeout loses it, garble replaces
 * words (seeded). Effects: schedules one event on the world's clock.
 */
export function deliverRecognition(ctx: WorldContext, text: string, confidence: number, failed?: string): void {
  const { callIndex, addedLatencyMs, failure } = ctx.faultFor('asr');
  const event = recognised(text, confidence, failure, ctx.rng(`garble:${callIndex}`), failed);
  if (!event) return;
  if (addedLatencyMs > 0) ctx.scheduler.after(addedLatencyMs, () => ctx.deliver(event));
  else ctx.deliver(event);
}

/** What recognition answers for `text` under a failure; null: it never answers. Effects: garble draws from `rng`. */
function recognised(text: string, confidence: number, failure: FaultFailure | null, rng: Rng, failed?: string): CallEvent | null {
  if (!failure) return text.trim() ? { type: 'asr.result', text, confidence } : { type: 'asr.failed', error: failed ?? 'no words recognised' };
  switch (failure.mode) {
    case 'timeout':
      return null;
    case 'error':
      return { type: 'asr.failed', error: `recognizer error ${failure.status}` };
    case 'empty':
    case 'malformed':
      return { type: 'asr.failed', error: `recognizer returned ${failure.mode}` };
    case 'garble': {
      const words = text.split(/\s+/).map((w) => (rng.next() < 0.5 ? rng.pick(garbleWords) : w));
      return { type: 'asr.result', text: words.join(' '), confidence: Math.min(confidence, 0.4) };
    }
    default:
      return assertNever(failure);
  }
}

/** One stretch of caller speech as detection and recognition found it. */
export interface HeardSegment {
  /** Relative to the start of the audio it was found in. */
  startMs: number;
  endMs: number;
  text: string;
  confidence: number;
  /** A short acknowledgement ("mhm", "okay"): journaled, but neither a turn nor a barge-in. */
  backchannel: boolean;
  /** How it sounded (audio/sound.ts), journaled with a backchannel. */
  sound?: StretchSound;
  /** The segment's audio, 16 kHz mono 16-bit little-endian, base64 (journaled as caller.audio). */
  pcm16?: string;
  /** Why the recognizer gave no words: delivered as the recognition failure. */
  failed?: string;
}

/**
 * Plays heard segments onto the call from `originMs`: speech start and end where detection put
 * them, recognition at the end of each, backchannels journaled as such.
 * Effects: schedules events on the world's clock.
 */
export function playHeardSegments(ctx: WorldContext, originMs: number, segments: readonly HeardSegment[], stillOn: () => boolean): void {
  for (const [i, seg] of segments.entries()) {
    // A backchannel over the agent is heard as speech (the agent pauses once it lasts
    // bargeInMinSpeechMs) that ends as a backchannel (it resumes); one said into silence is
    // journaled and goes no further.
    let overAgent = false;
    ctx.scheduler.at(originMs + seg.startMs, () => {
      if (!stillOn()) return;
      if (seg.pcm16) ctx.record({ type: 'caller.audio', startMs: originMs + seg.startMs, endMs: originMs + seg.endMs, sampleRate: 16000, pcm16: seg.pcm16 });
      overAgent = seg.backchannel && ctx.agentSpeaking();
      if (seg.backchannel) ctx.record({ type: 'caller.backchannel', startMs: originMs + seg.startMs, endMs: originMs + seg.endMs, text: seg.text, ...(seg.sound ? { sound: seg.sound } : {}) });
      if (!seg.backchannel || overAgent) ctx.deliver({ type: 'caller.speech.started' });
    });
    if (seg.backchannel) {
      // told a backchannel as late as a live call can tell (its recognition), and before the
      // speech after it starts (a live call holds that back until then); stamped where it stopped
      const next = segments[i + 1];
      const toldAt = Math.min(seg.endMs + BACKCHANNEL_DECISION_MS, next ? next.startMs : Infinity);
      ctx.scheduler.at(originMs + toldAt, () => {
        if (stillOn() && overAgent) ctx.deliver({ type: 'caller.speech.ended', speechAtMs: originMs + seg.endMs, backchannel: true });
      });
      continue;
    }
    ctx.scheduler.at(originMs + seg.endMs, () => {
      if (!stillOn()) return;
      ctx.deliver({ type: 'caller.speech.ended' });
      deliverRecognition(ctx, seg.text, seg.confidence, seg.failed);
    });
  }
}

import type { CallEvent } from '../../shared/events.ts';
import { faultEffect } from '../../shared/faults.ts';
import type { WorldContext } from './world.ts';

const garbleWords = ['uh', 'the', 'bell', 'count', 'cold', 'order', 'walk', 'um', 'fine', 'tree'];

/**
 * Delivers what recognition heard for one caller segment, through the `asr` faults of the
 * plan: latency delays it, error/empty/malformed fail it, timeout loses it, garble replaces
 * words (seeded). Effects: schedules one event on the world's clock.
 */
export function deliverRecognition(ctx: WorldContext, text: string, confidence: number): void {
  const index = ctx.nextCallIndex('asr');
  const effect = faultEffect(ctx.faults(), 'asr', index, ctx.scheduler.now, ctx.rng(`fault:asr:${index}`));
  const f = effect.failure;
  if (f?.mode === 'timeout') return;
  let event: CallEvent;
  if (f?.mode === 'error' || f?.mode === 'empty' || f?.mode === 'malformed') {
    event = { type: 'asr.failed', error: f.mode === 'error' ? `recognizer error ${f.status}` : `recognizer returned ${f.mode}` };
  } else if (f?.mode === 'garble') {
    const rng = ctx.rng(`garble:${index}`);
    const words = text.split(/\s+/).map((w) => (rng.next() < 0.5 ? rng.pick(garbleWords) : w));
    event = { type: 'asr.result', text: words.join(' '), confidence: Math.min(confidence, 0.4) };
  } else if (!text.trim()) {
    event = { type: 'asr.failed', error: 'no words recognised' };
  } else event = { type: 'asr.result', text, confidence };
  if (effect.addedLatencyMs > 0) ctx.scheduler.after(effect.addedLatencyMs, () => ctx.deliver(event));
  else ctx.deliver(event);
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
  /** The segment's audio, 16 kHz mono 16-bit little-endian, base64 (journaled as caller.audio). */
  pcm16?: string;
}

/**
 * Plays heard segments onto the call from `originMs`: speech start and end where detection put
 * them, recognition at the end of each, backchannels journaled as such.
 * Effects: schedules events on the world's clock.
 */
export function playHeardSegments(ctx: WorldContext, originMs: number, segments: readonly HeardSegment[], stillOn: () => boolean): void {
  for (const seg of segments) {
    ctx.scheduler.at(originMs + seg.startMs, () => {
      if (!stillOn()) return;
      if (seg.pcm16) ctx.record({ type: 'caller.audio', startMs: originMs + seg.startMs, endMs: originMs + seg.endMs, sampleRate: 16000, pcm16: seg.pcm16 });
      if (seg.backchannel) ctx.record({ type: 'caller.backchannel', startMs: originMs + seg.startMs, endMs: originMs + seg.endMs, text: seg.text });
      else ctx.deliver({ type: 'caller.speech.started' });
    });
    if (seg.backchannel) continue;
    ctx.scheduler.at(originMs + seg.endMs, () => {
      if (!stillOn()) return;
      ctx.deliver({ type: 'caller.speech.ended' });
      deliverRecognition(ctx, seg.text, seg.confidence);
    });
  }
}

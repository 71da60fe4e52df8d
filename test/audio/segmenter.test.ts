import { describe, expect, it } from 'vitest';
import { SpeechSegmenter, type SegmenterOptions, type SpeechEvent } from '../../electron/audio/vad.ts';

/** Frames of 32 ms: a probability held for `ms` milliseconds. */
const hold = (probability: number, ms: number): number[] => new Array(Math.round(ms / 32)).fill(probability);

/** Feeds probabilities and returns each event with the index of the frame that caused it. */
function run(probabilities: number[], opts: SegmenterOptions = {}, energies?: number[]): { event: SpeechEvent; frame: number }[] {
  const segmenter = new SpeechSegmenter(opts);
  const out: { event: SpeechEvent; frame: number }[] = [];
  probabilities.forEach((p, frame) => {
    for (const event of segmenter.push(p, energies?.[frame])) out.push({ event, frame });
  });
  for (const event of segmenter.flush()) out.push({ event, frame: probabilities.length });
  return out;
}

const events = (probabilities: number[], opts: SegmenterOptions = {}, energies?: number[]): SpeechEvent[] => run(probabilities, opts, energies).map((e) => e.event);

describe('SpeechSegmenter', () => {
  it('stamps speech.started where speech began, although it is emitted only once minSpeechMs has passed', () => {
    const probabilities = [...hold(0.02, 320), ...hold(0.95, 960), ...hold(0.02, 1280)];
    const out = run(probabilities, { minSpeechMs: 200 });
    expect(out[0].event).toEqual({ type: 'speech.started', atMs: 320 });
    // 320 ms + 200 ms of speech: confirmed by the 7th speech frame (frame 16, ending at 544 ms).
    expect(out[0].frame).toBe(16);
  });

  it('stamps speech.ended where speech stopped, not where the silence timer ran out', () => {
    const probabilities = [...hold(0.02, 320), ...hold(0.95, 960), ...hold(0.02, 1280)];
    const out = run(probabilities, { endSilenceMs: 600 });
    expect(out[1].event).toEqual({ type: 'speech.ended', atMs: 1280 });
    // emitted once 600 ms of silence have passed: the frame covering 1280+576 .. 1280+608 ms
    expect((out[1].frame + 1) * 32).toBe(1280 + 608);
  });

  it('ignores backchannel-length blips and bursts of noise shorter than minSpeechMs', () => {
    const blips = [...hold(0, 640), ...hold(0.9, 96), ...hold(0, 800), ...hold(0.99, 160), ...hold(0, 800), ...hold(0.7, 32), ...hold(0, 800)];
    expect(events(blips, { minSpeechMs: 200 })).toEqual([]);
    // The same 160 ms blip counts when the threshold is lowered below it.
    expect(events(blips, { minSpeechMs: 150 })).toEqual([
      { type: 'speech.started', atMs: 1536 },
      { type: 'speech.ended', atMs: 1696 },
    ]);
  });

  it('keeps one turn through pauses shorter than endSilenceMs and splits at longer ones', () => {
    const speech = hold(0.9, 640);
    const shortPause = [...hold(0, 320), ...speech, ...hold(0, 544), ...speech, ...hold(0, 1000)];
    expect(events(shortPause, { endSilenceMs: 600 })).toEqual([
      { type: 'speech.started', atMs: 320 },
      { type: 'speech.ended', atMs: 320 + 640 + 544 + 640 },
    ]);
    const longPause = [...hold(0, 320), ...speech, ...hold(0, 640), ...speech, ...hold(0, 1000)];
    expect(events(longPause, { endSilenceMs: 600 })).toEqual([
      { type: 'speech.started', atMs: 320 },
      { type: 'speech.ended', atMs: 960 },
      { type: 'speech.started', atMs: 1600 },
      { type: 'speech.ended', atMs: 2240 },
    ]);
  });

  it('uses endOfTurnSilenceMs from the policy: a longer setting merges what a shorter one splits', () => {
    const probabilities = [...hold(0, 320), ...hold(0.9, 640), ...hold(0, 800), ...hold(0.9, 640), ...hold(0, 1500)];
    expect(events(probabilities, { endSilenceMs: 600 }).length).toBe(4);
    expect(events(probabilities, { endSilenceMs: 1000 }).length).toBe(2);
  });

  it('has hysteresis: once speaking, values between the stop and start thresholds keep speech going', () => {
    const probabilities = [...hold(0, 320), ...hold(0.9, 320), ...hold(0.4, 960), ...hold(0.9, 320), ...hold(0, 1000)];
    expect(events(probabilities)).toEqual([
      { type: 'speech.started', atMs: 320 },
      { type: 'speech.ended', atMs: 320 + 320 + 960 + 320 },
    ]);
    // ...but they do not start speech.
    expect(events([...hold(0, 320), ...hold(0.45, 2000), ...hold(0, 1000)])).toEqual([]);
  });

  it('in a pause, values between the thresholds count as silence: they do not hold the turn open', () => {
    const probabilities = [...hold(0, 320), ...hold(0.9, 640), ...hold(0.2, 96), ...hold(0.45, 640), ...hold(0, 600)];
    expect(events(probabilities, { endSilenceMs: 600 })).toEqual([
      { type: 'speech.started', atMs: 320 },
      { type: 'speech.ended', atMs: 960 },
    ]);
  });

  it('lets the first syllable of a word survive a short dip, but not a long gap, before confirming', () => {
    const dip = [...hold(0, 320), ...hold(0.9, 64), ...hold(0.1, 64), ...hold(0.9, 320), ...hold(0, 1000)];
    expect(events(dip)[0]).toEqual({ type: 'speech.started', atMs: 320 });
    const gap = [...hold(0, 320), ...hold(0.9, 64), ...hold(0.1, 160), ...hold(0.9, 320), ...hold(0, 1000)];
    expect(events(gap)[0]).toEqual({ type: 'speech.started', atMs: 320 + 64 + 160 });
  });

  it('ends speech still going at the end of the stream where it was last heard', () => {
    expect(events([...hold(0, 320), ...hold(0.9, 640), ...hold(0.1, 96)])).toEqual([
      { type: 'speech.started', atMs: 320 },
      { type: 'speech.ended', atMs: 960 },
    ]);
  });

  it('given energies, moves the start back over loud frames the model missed (a hissed "s"), within limits', () => {
    const background = hold(-60, 640);
    const hiss = hold(-30, 128); // the model says 0 for a fricative onset
    const voiced = hold(-20, 640);
    const probabilities = [...hold(0.01, 640), ...hold(0.01, 128), ...hold(0.95, 640), ...hold(0.01, 1000)];
    const energies = [...background, ...hiss, ...voiced, ...hold(-60, 1000)];
    expect(events(probabilities, {}, energies)[0]).toEqual({ type: 'speech.started', atMs: 640 });
    expect(events(probabilities)[0]).toEqual({ type: 'speech.started', atMs: 768 }); // without energies
    // never further back than maxBackdateMs
    const longHiss = [...background, ...hold(-30, 640), ...voiced, ...hold(-60, 1000)];
    const longProbabilities = [...hold(0.01, 640), ...hold(0.01, 640), ...hold(0.95, 640), ...hold(0.01, 1000)];
    expect(events(longProbabilities, { maxBackdateMs: 320 }, longHiss)[0]).toEqual({ type: 'speech.started', atMs: 1280 - 320 });
    // quiet frames (background level) are not speech
    const quiet = [...background, ...hold(-58, 128), ...voiced, ...hold(-60, 1000)];
    expect(events(probabilities, {}, quiet)[0]).toEqual({ type: 'speech.started', atMs: 768 });
    // after digital silence, a faint hum is far above the background but still not speech
    const hum = [...hold(-120, 640), ...hold(-72, 128), ...voiced, ...hold(-120, 1000)];
    expect(events(probabilities, {}, hum)[0]).toEqual({ type: 'speech.started', atMs: 768 });
  });

  it('never moves a start back into the previous turn', () => {
    const probabilities = [...hold(0.01, 640), ...hold(0.95, 640), ...hold(0.01, 640), ...hold(0.95, 640), ...hold(0.01, 1000)];
    const energies = [...hold(-60, 640), ...hold(-20, 640), ...hold(-30, 640), ...hold(-20, 640), ...hold(-60, 1000)];
    const out = events(probabilities, { endSilenceMs: 600 }, energies);
    expect(out[1]).toEqual({ type: 'speech.ended', atMs: 1280 });
    expect(out[2].atMs).toBeGreaterThanOrEqual(1280);
  });

  it('starts again from time 0 after reset()', () => {
    const segmenter = new SpeechSegmenter();
    for (const p of [...hold(0, 320), ...hold(0.9, 640)]) segmenter.push(p);
    segmenter.reset();
    const out: SpeechEvent[] = [];
    for (const p of [...hold(0.9, 640), ...hold(0, 700)]) out.push(...segmenter.push(p));
    expect(out).toEqual([
      { type: 'speech.started', atMs: 0 },
      { type: 'speech.ended', atMs: 640 },
    ]);
  });

  it('refuses a stop threshold above the start threshold (a programmer error)', () => {
    expect(() => new SpeechSegmenter({ startThreshold: 0.3, stopThreshold: 0.5 })).toThrow(/must not exceed/);
  });
});

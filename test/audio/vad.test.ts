import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resample, to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments, SileroVad, VAD_FRAME_SAMPLES } from '../../electron/audio/vad.ts';
import { readWavFile } from '../../electron/audio/wav.ts';
import { END_TOLERANCE_MS, loadTruth, RECORDING_NAMES, START_TOLERANCE_MS, wavPath, type TruthSegment } from './recordings.ts';
import { dataChunk, fmtChunk, riff } from './wavBuilder.ts';

/** Every true stretch of speech has exactly one detected segment, in order, within the tolerances. */
function expectMatches(detected: { startMs: number; endMs: number }[], truth: TruthSegment[]): void {
  const report = (): string => `detected ${JSON.stringify(detected.map((d) => [d.startMs, d.endMs]))} vs truth ${JSON.stringify(truth.map((t) => [t.startMs, t.endMs]))}`;
  expect(detected.length, report()).toBe(truth.length);
  truth.forEach((t, i) => {
    expect(Math.abs(detected[i].startMs - t.startMs), `start of segment ${i}: ${report()}`).toBeLessThanOrEqual(START_TOLERANCE_MS);
    expect(Math.abs(detected[i].endMs - t.endMs), `end of segment ${i}: ${report()}`).toBeLessThanOrEqual(END_TOLERANCE_MS);
  });
}

describe('SileroVad', () => {
  it('loads the bundled 16 kHz model and scores speech high and silence low', async () => {
    const vad = await SileroVad.load();
    const samples = await to16kMono(readWavFile(wavPath('librivox-call')));
    const speechAt = (ms: number): Float32Array => samples.subarray(ms * 16, ms * 16 + VAD_FRAME_SAMPLES);
    const probabilities: number[] = [];
    for (let ms = 0; ms < 3000; ms += 32) probabilities.push(await vad.process(speechAt(ms)));
    expect(Math.max(...probabilities.slice(0, 30))).toBeLessThan(0.2); // the first 960 ms are silence
    expect(Math.max(...probabilities.slice(60))).toBeGreaterThan(0.9); // speech from 1.44 s
    vad.reset();
    expect(await vad.process(speechAt(0))).toBeLessThan(0.2);
    await expect(vad.process(new Float32Array(100))).rejects.toThrow(/expected 512 samples, got 100/);
  });
});

describe('detectSpeechSegments on the sample calls', () => {
  for (const name of RECORDING_NAMES) {
    const truth = loadTruth(name);
    const label = `${name}: ${truth.segments.length} stretches of speech within ${START_TOLERANCE_MS} ms (start) and ${END_TOLERANCE_MS} ms (end)`;
    it(label, async () => {
      const samples = await to16kMono(readWavFile(wavPath(name), { channel: truth.channel ?? 'mix' }));
      expectMatches(await detectSpeechSegments(samples), truth.segments);
    });
  }

  it('hears only the agent on the other channel of the dual-channel call, and everyone when mixed', async () => {
    const truth = loadTruth('dual-channel-call') as ReturnType<typeof loadTruth> & { otherChannel: TruthSegment[] };
    const right = await to16kMono(readWavFile(wavPath('dual-channel-call'), { channel: 'right' }));
    expectMatches(await detectSpeechSegments(right), truth.otherChannel);
    // Mixed, the agent answers 300 ms after the caller stops: shorter than the end-of-turn
    // silence, so caller and agent run together. Every stretch of either is inside a segment.
    const mixed = await detectSpeechSegments(await to16kMono(readWavFile(wavPath('dual-channel-call'), { channel: 'mix' })));
    for (const t of [...truth.segments, ...truth.otherChannel]) {
      expect(mixed.some((d) => d.startMs <= t.startMs + START_TOLERANCE_MS && d.endMs >= t.endMs - END_TOLERANCE_MS)).toBe(true);
    }
  });

  describe('the same call at 44.1 kHz, 24-bit, stereo with the caller on the right', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callsim-vad-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('gives the same turns within the tolerances', async () => {
      const truth = loadTruth('librivox-call');
      const caller = await resample(readWavFile(wavPath('librivox-call')).samples, 16_000, 44_100);
      const frames = Array.from(caller, (x, i) => [0.001 * Math.sin(i / 7), x]);
      const path = join(dir, 'stereo-44k.wav');
      writeFileSync(path, riff([fmtChunk({ formatTag: 1, channels: 2, sampleRate: 44_100, bitsPerSample: 24, extensibleSubformat: 1 }), dataChunk(frames, 'pcm', 24)]));
      const wav = readWavFile(path, { channel: 'right' });
      expect(wav.sampleRate).toBe(44_100);
      expectMatches(await detectSpeechSegments(await to16kMono(wav)), truth.segments);
    });
  });

  it('follows endOfTurnSilenceMs: a long setting merges turns that the default keeps apart', async () => {
    const samples = await to16kMono(readWavFile(wavPath('backchannel-call')));
    // "yeah" and "right" are 1.4 s apart; a 2 s end-of-turn silence makes them one stretch.
    const merged = await detectSpeechSegments(samples, { endOfTurnSilenceMs: 2000 });
    expect(merged.length).toBeLessThan(loadTruth('backchannel-call').segments.length);
  });
});

describe('SileroVad misuse', () => {
  it('refuses a second frame while the first is still being scored (frames are a sequence)', async () => {
    const vad = await SileroVad.load();
    const first = vad.process(new Float32Array(VAD_FRAME_SAMPLES));
    await expect(vad.process(new Float32Array(VAD_FRAME_SAMPLES))).rejects.toThrow(/called again before the previous frame was done/);
    expect(await first).toBeLessThan(0.5);
  });
});

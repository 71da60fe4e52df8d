import { afterEach, describe, expect, it } from 'vitest';
import { AsrUnavailableError, balancedRuns, recognizeSegments, recognizeShortResponses } from '../../electron/audio/asr.ts';
import { synthesize } from '../../electron/audio/tts.ts';

/** Speech samples laid out with a second of silence before and between them. */
function layOut(parts: Float32Array[]): { samples: Float32Array; segments: { startMs: number; endMs: number }[] } {
  const gap = 16_000;
  const samples = new Float32Array(parts.reduce((n, p) => n + gap + p.length, gap));
  const segments: { startMs: number; endMs: number }[] = [];
  let at = gap;
  for (const part of parts) {
    samples.set(part, at);
    segments.push({ startMs: at / 16, endMs: (at + part.length) / 16 });
    at += part.length + gap;
  }
  return { samples, segments };
}

describe('recognizeSegments', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('hears a synthesized caller ask for a representative', async () => {
    const speech = await synthesize('I want to talk to a representative', 'flite:rms');
    const { samples, segments } = layOut([speech.samples]);
    const [result] = await recognizeSegments(samples, segments);
    expect(result.words).toContain('representative');
    expect(result.text).toBe(result.text.toLowerCase());
    expect(result.text).toBe(result.words.join(' '));
    expect(result.confidence).toBeGreaterThan(0.3);
    expect(result.confidence).toBeLessThanOrEqual(1);
    expect(result.wordConfidences.length).toBe(result.words.length);
  });

  it('decodes many segments in one run and keeps their order', async () => {
    const texts = ['I want to talk to a representative', 'my order never arrived', 'yes'];
    const parts = await Promise.all(texts.map((t) => synthesize(t, 'flite:slt')));
    const { samples, segments } = layOut(parts.map((p) => p.samples));
    const results = await recognizeSegments(samples, segments);
    expect(results.length).toBe(3);
    expect(results[0].words).toContain('representative');
    expect(results[1].words).toContain('order');
    expect(results[2].text).toBe('yes');
    expect(await recognizeSegments(samples, [])).toEqual([]);
  });

  it('hears the same words whether the segments are decoded by one process or split across several', async () => {
    const texts = ['I want to talk to a representative', 'my order never arrived', 'yes', 'what is my account balance', 'thank you goodbye'];
    const parts = await Promise.all(texts.map((t, i) => synthesize(t, i % 2 ? 'flite:slt' : 'flite:rms')));
    const { samples, segments } = layOut(parts.map((p) => p.samples));
    const one = await recognizeSegments(samples, segments, { processes: 1 });
    expect(one.map((r) => r.words.length > 0)).toEqual([true, true, true, true, true]);
    expect(await recognizeSegments(samples, segments, { processes: 3 })).toEqual(one);
    // pocketsphinx loads its model in each process, four in all here: ~8 s of CPU on a quiet
    // machine, 30 s was not enough at load 11 (a guard, not a claim about speed)
  }, 120_000);

  it('chooses among short responses with the closed list', async () => {
    const parts = await Promise.all(['okay', 'yes', 'representative'].map((t) => synthesize(t, 'flite:rms')));
    const { samples, segments } = layOut(parts.map((p) => p.samples));
    expect(await recognizeShortResponses(samples, segments)).toEqual(['okay', 'yes', 'representative']);
  });

  it('says how to install pocketsphinx when it is missing', async () => {
    process.env.PATH = '/nonexistent';
    const error = await recognizeSegments(new Float32Array(16_000), [{ startMs: 100, endMs: 900 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AsrUnavailableError);
    expect((error as Error).message).toBe('pocketsphinx_batch is not installed: apt-get install pocketsphinx pocketsphinx-en-us');
  });
});

describe('balancedRuns', () => {
  it('splits in order into contiguous runs of even weight, each run at least one item', () => {
    expect(balancedRuns([1, 1, 1, 1], 2)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(balancedRuns([10, 1, 1, 1, 1, 1], 2)).toEqual([[0], [1, 2, 3, 4, 5]]);
    expect(balancedRuns([1, 2, 3, 4, 5, 6], 3)).toEqual([[0, 1, 2], [3, 4], [5]]);
  });
  it('never makes more runs than items, and none for no items', () => {
    expect(balancedRuns([1, 1], 4)).toEqual([[0], [1]]);
    expect(balancedRuns([5], 2)).toEqual([[0]]);
    expect(balancedRuns([], 2)).toEqual([]);
  });
  it('covers every item exactly once, in order, whatever the weights', () => {
    for (let seed = 1; seed < 200; seed++) {
      const n = seed % 17;
      const weights = Array.from({ length: n }, (_, i) => ((seed * 7919 + i * 104729) % 97) + 1);
      const parts = (seed % 5) + 1;
      const runs = balancedRuns(weights, parts);
      expect(runs.flat()).toEqual(weights.map((_, i) => i));
      expect(runs.length).toBe(Math.min(parts, n));
      for (const r of runs) expect(r.length).toBeGreaterThan(0);
    }
  });
});

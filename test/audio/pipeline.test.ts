import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRecording, isBackchannel as isBackchannelRule, type AnalyzedSegment } from '../../electron/audio/pipeline.ts';
import { AudioInputError } from '../../electron/audio/wav.ts';
import { END_TOLERANCE_MS, loadTruth, START_TOLERANCE_MS, wavPath, wordErrors, words, type TruthSegment } from './recordings.ts';

function expectWithin(detected: AnalyzedSegment[], truth: TruthSegment[]): void {
  expect(detected.map((d) => [d.startMs, d.endMs]).length, JSON.stringify(detected)).toBe(truth.length);
  truth.forEach((t, i) => {
    expect(Math.abs(detected[i].startMs - t.startMs)).toBeLessThanOrEqual(START_TOLERANCE_MS);
    expect(Math.abs(detected[i].endMs - t.endMs)).toBeLessThanOrEqual(END_TOLERANCE_MS);
  });
}

function wordErrorRate(detected: AnalyzedSegment[], truth: TruthSegment[]): number {
  const reference = truth.flatMap((t) => words(t.text));
  return (
    wordErrors(
      reference,
      detected.flatMap((d) => words(d.text)),
    ) / reference.length
  );
}

describe('analyzeRecording', () => {
  it('finds the caller\'s three turns and marks "okay", "yeah", "right" as backchannels, not turns', async () => {
    const truth = loadTruth('backchannel-call');
    const result = await analyzeRecording(wavPath('backchannel-call'));
    expect(result.durationMs).toBeCloseTo(25_380, -1);
    const turns = result.segments.filter((s) => !s.backchannel);
    const backchannels = result.segments.filter((s) => s.backchannel);
    expectWithin(
      turns,
      truth.segments.filter((t) => !t.backchannel),
    );
    expectWithin(
      backchannels,
      truth.segments.filter((t) => t.backchannel),
    );
    for (const segment of result.segments) {
      expect(segment.text).toBe(segment.text.toLowerCase());
      expect(segment.confidence).toBeGreaterThanOrEqual(0);
      expect(segment.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('reads an 8 kHz telephone recording: five turns, and the words measured against the transcript', async () => {
    const truth = loadTruth('cards-call-8k');
    const result = await analyzeRecording(wavPath('cards-call-8k'));
    expectWithin(result.segments, truth.segments);
    expect(result.segments.some((s) => s.backchannel)).toBe(false);
    expect(result.segments[0].text).toBe('ten of clubs');
    // PocketSphinx's general English model on 8 kHz audio: measured 38% (8 of 21 words).
    expect(wordErrorRate(result.segments, truth.segments)).toBeLessThanOrEqual(0.4);
  });

  it('analyzes the chosen channel of a dual-channel recording', async () => {
    const truth = loadTruth('dual-channel-call');
    const result = await analyzeRecording(wavPath('dual-channel-call'), { channel: 'left' });
    expectWithin(result.segments, truth.segments);
    // Measured 49% on this reader: "he was not an illness those young man", and so on.
    expect(wordErrorRate(result.segments, truth.segments)).toBeLessThanOrEqual(0.5);
  });

  describe('refuses input it cannot use, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callsim-pipeline-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing file, and a file that is not a WAV', async () => {
      const missing = join(dir, 'missing.wav');
      await expect(analyzeRecording(missing)).rejects.toThrow(new AudioInputError(missing, 'no such file'));
      const mp3 = join(dir, 'call.mp3.wav');
      writeFileSync(mp3, 'ID3 not a wav at all');
      await expect(analyzeRecording(mp3)).rejects.toThrow(`${mp3}: not a WAV file: it does not start with RIFF....WAVE`);
    });
  });
});

describe('isBackchannel by words (no sound: the text voice)', () => {
  const open = (text: string, confidence: number) => {
    const w = text.split(' ').filter(Boolean);
    return { words: w, wordConfidences: w.map(() => confidence) };
  };
  const isBackchannel = (durationMs: number, o: { words: string[]; wordConfidences: number[] }, shortResponse: string | null): boolean => isBackchannelRule({ durationMs, ...o, shortResponse });

  it('short acknowledgements are backchannels', () => {
    expect(isBackchannel(500, open('okay', 0.8), 'okay')).toBe(true);
    expect(isBackchannel(400, open('uh-huh', 0.3), null)).toBe(true);
    expect(isBackchannel(600, open('i see', 0.9), 'i see')).toBe(true);
  });

  it('the closed list decides when the open recognizer is unsure ("yeah" heard as "you have")', () => {
    expect(isBackchannel(450, open('you have', 0.05), 'yeah')).toBe(true);
    expect(isBackchannel(450, open('you have', 0.05), 'no')).toBe(false);
  });

  it('answers, requests, long or wordy speech are turns', () => {
    expect(isBackchannel(400, open('no', 0.9), 'no')).toBe(false);
    expect(isBackchannel(700, open('agent', 0.9), 'okay')).toBe(false); // a confident content word wins
    expect(isBackchannel(1200, open('okay', 0.9), 'okay')).toBe(false); // too long
    expect(isBackchannel(900, open('ten of clubs', 0.1), 'okay')).toBe(false); // three words
    expect(isBackchannel(300, open('', 0), null)).toBe(false); // nothing recognized
  });
});

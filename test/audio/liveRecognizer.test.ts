import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { AsrUnavailableError, LiveRecognizer, recognizeSegments, recognizeShortResponses } from '../../electron/audio/asr.ts';
import { hearLiveSegment, hearSegments } from '../../electron/audio/pipeline.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments } from '../../electron/audio/vad.ts';
import { readWavFile } from '../../electron/audio/wav.ts';
import { repoRoot } from '../helpers.ts';

async function recordingSpeech(name: string) {
  const dir = path.join(repoRoot, 'recordings/audio');
  const truth = JSON.parse(fs.readFileSync(path.join(dir, `${name}.truth.json`), 'utf8')) as { channel?: 'left' | 'right' };
  const samples = await to16kMono(readWavFile(path.join(dir, `${name}.wav`), { channel: truth.channel }));
  return { samples, segments: await detectSpeechSegments(samples) };
}

describe('LiveRecognizer: one pocketsphinx process per search for the whole call', () => {
  const pathBefore = process.env.PATH;
  afterEach(() => {
    process.env.PATH = pathBefore;
  });

  for (const name of ['backchannel-call', 'cards-call-8k']) {
    it(`${name}: hears every segment exactly as a pocketsphinx run of its own, and as the offline run over the whole call`, async () => {
      const { samples, segments } = await recordingSpeech(name);
      expect(segments.length).toBeGreaterThanOrEqual(5);
      const recognizer = LiveRecognizer.start();
      try {
        const [offline, offlineShort] = await Promise.all([recognizeSegments(samples, segments), recognizeShortResponses(samples, segments)]);
        for (const [i, segment] of segments.entries()) {
          // padded as the offline run pads it, between its neighbours
          const around = { previousEndMs: i > 0 ? segments[i - 1].endMs : 0, nextStartMs: segments[i + 1]?.startMs };
          expect(await recognizer.recognize(samples, segment, around)).toEqual(offline[i]);
          expect(await recognizer.recognizeShortResponse(samples, segment, around)).toBe(offlineShort[i]);
          // alone, as a run of its own would see it (the per-utterance path)
          const [alone] = await recognizeSegments(samples, [segment]);
          expect(await recognizer.recognize(samples, segment, { previousEndMs: 0 })).toEqual(alone);
        }
        // classification too: the live path's backchannels are the offline path's
        const heard = await hearSegments(samples, segments);
        for (const [i, segment] of segments.entries()) {
          const around = { previousEndMs: i > 0 ? segments[i - 1].endMs : 0, nextStartMs: segments[i + 1]?.startMs };
          expect(await hearLiveSegment(recognizer, samples, segment, around)).toEqual(heard[i]);
        }
      } finally {
        recognizer.close();
      }
    }, 180_000);
  }

  it('decodes utterances that arrive while it is still busy, one after another, each as a run of its own would', async () => {
    const { samples, segments } = await recordingSpeech('backchannel-call');
    const recognizer = LiveRecognizer.start();
    try {
      const all = await Promise.all(segments.map((segment) => recognizer.recognize(samples, segment, { previousEndMs: 0 })));
      const one = await recognizeSegments(samples, [segments[2]]);
      expect(all[2]).toEqual(one[0]);
      expect(all.map((r) => r.text)).toContain('okay');
    } finally {
      recognizer.close();
    }
  }, 120_000);

  it('says how to install pocketsphinx when it is missing', () => {
    process.env.PATH = '/nonexistent';
    expect(() => LiveRecognizer.start()).toThrow(AsrUnavailableError);
    expect(() => LiveRecognizer.start()).toThrow('pocketsphinx_batch is not installed: apt-get install pocketsphinx pocketsphinx-en-us');
  });
});

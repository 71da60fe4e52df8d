import { afterEach, describe, expect, it } from 'vitest';
import { synthesize, TtsUnavailableError } from '../../electron/audio/tts.ts';

describe('synthesize', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('speaks with each voice as 16 kHz mono of a plausible length', async () => {
    for (const voice of ['flite:rms', 'flite:slt', 'espeak'] as const) {
      const speech = await synthesize('Hello, I need help with my order.', voice);
      expect(speech.durationMs).toBeGreaterThan(1200);
      expect(speech.durationMs).toBeLessThan(4000);
      expect(speech.samples.length).toBe(Math.round(speech.durationMs * 16));
      expect(Math.max(...speech.samples.map(Math.abs))).toBeGreaterThan(0.1);
    }
  });

  it('runs the synthesizer once per voice and text, and hands out copies', async () => {
    const first = await synthesize('cached words', 'flite:slt');
    process.env.PATH = '/nonexistent'; // a second run of flite would now fail
    const second = await synthesize('cached words', 'flite:slt');
    expect(second.samples).toEqual(first.samples);
    second.samples[0] = 0.123;
    expect((await synthesize('cached words', 'flite:slt')).samples[0]).not.toBe(0.123);
  });

  it('says how to install a missing synthesizer, and does not cache the failure', async () => {
    process.env.PATH = '/nonexistent';
    await expect(synthesize('not cached', 'flite:rms')).rejects.toThrow(new TtsUnavailableError('flite is not installed: apt-get install flite'));
    await expect(synthesize('not cached', 'espeak')).rejects.toThrow('espeak-ng is not installed: apt-get install espeak-ng');
    process.env.PATH = path;
    expect((await synthesize('not cached', 'flite:rms')).durationMs).toBeGreaterThan(0);
  });
});

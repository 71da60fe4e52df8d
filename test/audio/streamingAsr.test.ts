import { describe, expect, it } from 'vitest';
import { streamingUnavailable } from './streamingAvailable.ts';
import { DEFAULT_LIBRARIES, StreamingRecognizer, StreamingUnavailableError } from '../../electron/audio/streamingAsr.ts';
import { readWavFile } from '../../electron/audio/wav.ts';
import { partialIsTurn } from '../../shared/backchannel.ts';

const skipReason = streamingUnavailable();
if (skipReason) console.warn(`streaming recognition tests skipped: ${skipReason}`);

// LibriVox "he was not an ill disposed young man" (16 kHz mono), as pocketsphinx ships it
const SPEECH = '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav';

describe.skipIf(skipReason !== null)('streaming recognition (libpocketsphinx through koffi, on a worker thread)', () => {
  it('gives words of a real recording before its end, fed 256 ms at a time; a second decoder fed the same audio gives the same partials', async () => {
    const { samples, sampleRate } = readWavFile(SPEECH);
    expect(sampleRate).toBe(16_000);
    const r = await StreamingRecognizer.load();
    // (not the same decoder twice: its cepstral mean carries over from one utterance to the next)
    const again = await StreamingRecognizer.load();
    try {
      const hear = async (r: StreamingRecognizer) => {
        await r.start();
        const partials: { atMs: number; text: string | null }[] = [];
        for (let at = 0; at < samples.length; at += 4096) partials.push({ atMs: (at + 4096) / 16, text: await r.feed(samples.subarray(at, at + 4096)) });
        await r.end();
        return partials;
      };
      const first = await hear(r);
      const durationMs = samples.length / 16;
      const early = first.filter((p) => p.text !== null && p.atMs <= durationMs / 2);
      // words within the first half of the recording, and by the end most of its words
      expect(early.length).toBeGreaterThan(0);
      const last = first.at(-1)!.text!.split(' ');
      expect(['he', 'was', 'not', 'young', 'man'].filter((w) => last.includes(w)).length).toBeGreaterThanOrEqual(4);
      // a partial depends on the audio fed, not on when or how fast
      expect(await hear(again)).toEqual(first);
      expect(r.cpuMs).toBeGreaterThan(0);
    } finally {
      r.close();
      again.close();
    }
  }, 60_000);

  it('silence and an empty feed give no words and no error', async () => {
    const r = await StreamingRecognizer.load();
    try {
      await r.start();
      expect(await r.feed(new Float32Array(0))).toBeNull();
      expect(await r.feed(new Float32Array(16_000))).toBeNull();
      await r.end();
    } finally {
      r.close();
    }
  }, 60_000);

  it('a recognizer whose thread has ended answers every feed with an error (what a live call turns partials off on), never hangs', async () => {
    const r = await StreamingRecognizer.load();
    await r.start();
    const fed = r.feed(new Float32Array(4096)); // sent before the close: answered, or refused when the thread ends
    r.close();
    await fed.catch((err: unknown) => expect(err).toBeInstanceOf(StreamingUnavailableError));
    await expect(r.feed(new Float32Array(4096))).rejects.toBeInstanceOf(StreamingUnavailableError);
    await expect(r.feed(new Float32Array(4096))).rejects.toBeInstanceOf(StreamingUnavailableError);
  }, 60_000);

  it('a file that is not pocketsphinx in its place is refused with one line, not a crash', async () => {
    const err = await StreamingRecognizer.load({ libraries: { pocketsphinx: SPEECH, sphinxbase: DEFAULT_LIBRARIES.sphinxbase } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamingUnavailableError);
    expect((err as Error).message).toMatch(/^cannot load: /);
    expect((err as Error).message).not.toContain('\n');
  }, 60_000);
});

describe('streaming recognition that cannot load', () => {
  it('a missing library is refused before any thread starts, naming the file', async () => {
    const err = await StreamingRecognizer.load({ libraries: { pocketsphinx: '/nonexistent/libpocketsphinx.so.3', sphinxbase: '/nonexistent/libsphinxbase.so.3' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamingUnavailableError);
    expect((err as Error).message).toBe('/nonexistent/libpocketsphinx.so.3 not found (Debian: apt-get install libpocketsphinx3)');
  });
});

describe('partialIsTurn: the words so far of speech still going on', () => {
  const at = (text: string, durationMs = 512) => partialIsTurn({ words: text.split(' '), durationMs });
  it('acknowledgements, hums and what streaming recognition makes of them are not a turn yet', () => {
    for (const t of ['okay', 'yeah', 'right', 'm h m', 'h. and m.', 'an h m', 'they make', 'uh huh', '']) expect(at(t), t).toBe(false);
  });
  it('the words an acknowledgement is misheard as ("yes", "no", "what") are left to the final decode', () => {
    for (const t of ['yes', 'no', 'what', 'hello']) expect(at(t), t).toBe(false);
  });
  it('an unmistakable barge-in word, three content words, or speech over BACKCHANNEL_MAX_MS is a turn', () => {
    expect(at('stop')).toBe(true);
    expect(at('i want a representative')).toBe(true);
    expect(at('he was the')).toBe(true);
    expect(at('okay', 1001)).toBe(true);
    expect(at('okay', 1000)).toBe(false);
  });
});

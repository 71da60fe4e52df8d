// Speech synthesis for simulated callers (and agents): flite or espeak-ng write a WAV file, which
// comes back through the one WAV reader and the resampler as 16 kHz mono, like any other input.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assertNever } from '../../shared/assertNever.ts';
import { resampleTo16k } from './resample.ts';
import { decodeWav } from './wav.ts';

const run = promisify(execFile);

export type TtsVoice = 'flite:rms' | 'flite:slt' | 'espeak';

export interface SynthesizedSpeech {
  /** 16 kHz mono. */
  samples: Float32Array;
  durationMs: number;
}

/** A synthesizer program that is missing or failed. */
export class TtsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TtsUnavailableError';
  }
}

const cache = new Map<string, Promise<SynthesizedSpeech>>();

function command(voice: TtsVoice, text: string, out: string): { program: string; args: string[]; pkg: string } {
  switch (voice) {
    case 'flite:rms':
    case 'flite:slt':
      return { program: 'flite', args: ['-voice', voice.slice('flite:'.length), '-t', text, '-o', out], pkg: 'flite' };
    case 'espeak':
      // "--" so that a text starting with "-" is not taken for an option.
      return { program: 'espeak-ng', args: ['-w', out, '--', text], pkg: 'espeak-ng' };
    default:
      return assertNever(voice);
  }
}

async function synthesizeUncached(text: string, voice: TtsVoice): Promise<SynthesizedSpeech> {
  const dir = await mkdtemp(join(tmpdir(), 'callsim-tts-'));
  try {
    const out = join(dir, 'speech.wav');
    const { program, args, pkg } = command(voice, text, out);
    try {
      await run(program, args, { timeout: 30_000 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new TtsUnavailableError(`${program} is not installed: apt-get install ${pkg}`);
      }
      throw new TtsUnavailableError(`${program} failed for voice ${voice}: ${(err as Error).message.split('\n')[0]}`);
    }
    const wav = decodeWav(await readFile(out), `${program} output`);
    const samples = await resampleTo16k(wav.samples, wav.sampleRate);
    return { samples, durationMs: samples.length / 16 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Synthesizes `text` with the given voice and returns it as 16 kHz mono samples. Effects: runs
 * flite or espeak-ng once per distinct (voice, text) in this process (results are cached in
 * memory; each call gets its own copy of the samples) and uses a temporary directory.
 */
export async function synthesize(text: string, voice: TtsVoice): Promise<SynthesizedSpeech> {
  const key = `${voice}\u0000${text}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = synthesizeUncached(text, voice);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  const speech = await pending;
  return { samples: speech.samples.slice(), durationMs: speech.durationMs };
}

// Conversion of any input rate to the 16 kHz that VAD and ASR expect, with libsamplerate's
// band-limited sinc filter (WebAssembly build), so that content above the new 8 kHz Nyquist
// frequency is removed rather than folded back into the speech band.
//
// The API is async because the WebAssembly module is compiled asynchronously. One converter per
// pair of rates is created on first use and kept for the life of the process; each call uses
// libsamplerate's "simple" API, which starts from a clean filter state, so calls do not leak into
// each other (except for long inputs, see resample).

import { createRequire } from 'node:module';
import type { DecodedWav } from './wav.ts';
import { conversionProblem, TARGET_RATE } from './rates.ts';

export { TARGET_RATE };

interface SampleRateConverter {
  simple(dataIn: Float32Array): Float32Array;
  destroy(): void;
}
interface LibSampleRate {
  create(channels: number, inputRate: number, outputRate: number, opts: { converterType: number }): Promise<SampleRateConverter>;
  ConverterType: { SRC_SINC_MEDIUM_QUALITY: number };
}

// The package is CommonJS; loading it through require keeps its named members typed here.
const libsamplerate = createRequire(import.meta.url)('@alexanderolsen/libsamplerate-js') as LibSampleRate;

// Medium quality (libsamplerate: 97 dB SNR, 90% of the band kept, i.e. up to 7.2 kHz at 16 kHz).
// The "best" converter is ~4x slower (2.6 s per minute of 44.1 kHz audio on this machine) for
// no gain that matters to speech.
const CONVERTER_TYPE = libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY;

/** Samples (in or out) above which the library stops converting in one call (its 4 MB buffer). */
const LIBRARY_SINGLE_CALL_LIMIT = 1_008_000;

const converters = new Map<string, Promise<SampleRateConverter>>();

function converter(fromRate: number, toRate: number): Promise<SampleRateConverter> {
  const key = `${fromRate}->${toRate}`;
  let pending = converters.get(key);
  if (!pending) {
    pending = libsamplerate.create(1, fromRate, toRate, { converterType: CONVERTER_TYPE });
    converters.set(key, pending);
  }
  return pending;
}

/**
 * Resamples mono float samples from `fromRate` to `toRate`, anti-aliased when going down.
 * Returns the input itself when the rates are equal; throws an Error for a pair the library
 * cannot convert (see conversionProblem). The output has exactly
 * round(n * toRate / fromRate) samples, aligned in time with the input. No effects beyond
 * caching one converter per pair of rates.
 */
export async function resample(samples: Float32Array, fromRate: number, toRate: number): Promise<Float32Array> {
  if (fromRate === toRate && Number.isFinite(fromRate) && fromRate > 0) return samples;
  // checked here because the library says it with a bare string, or not at all (silence)
  const problem = conversionProblem(fromRate, toRate);
  if (problem) throw new Error(`resample: ${problem}`);
  const expected = Math.round((samples.length * toRate) / fromRate);
  if (samples.length === 0) return new Float32Array(0);
  let converted: Float32Array;
  if (Math.max(samples.length, Math.ceil((samples.length * toRate) / fromRate)) > LIBRARY_SINGLE_CALL_LIMIT) {
    // Past this size the library converts in chunks through libsamplerate's streaming API and
    // keeps the filter state in the converter: a second long input through the same converter
    // would start from the first one's tail. So a long input gets a converter of its own (~40 ms).
    const once = await libsamplerate.create(1, fromRate, toRate, { converterType: CONVERTER_TYPE });
    try {
      converted = once.simple(samples);
    } finally {
      once.destroy();
    }
  } else {
    converted = (await converter(fromRate, toRate)).simple(samples);
  }
  if (converted.length === expected) return converted;
  // The chunked conversion drops the last filter-length of output (a few ms), and the one-shot
  // one may be a sample short: pad with silence so that durations and times stay exact.
  const exact = new Float32Array(expected);
  exact.set(converted.subarray(0, expected));
  return exact;
}

/** Resamples mono samples to the 16 kHz that VAD and ASR expect; see resample. */
export async function resampleTo16k(samples: Float32Array, fromRate: number): Promise<Float32Array> {
  return resample(samples, fromRate, TARGET_RATE);
}

/** Converts a decoded WAV (already one channel, see decodeWav's `channel` option) to 16 kHz mono samples. No effects. */
export async function to16kMono(wav: Pick<DecodedWav, 'samples' | 'sampleRate'>): Promise<Float32Array> {
  return resampleTo16k(wav.samples, wav.sampleRate);
}

// The sample rates the resampler (resample.ts) can convert, kept apart from it so that the WAV
// reader can refuse a file the pipeline cannot take without loading the WebAssembly library.

/** The rate VAD and ASR take: every input is converted to it. */
export const TARGET_RATE = 16_000;

/** libsamplerate-js refuses to create a converter for a rate above this (input or output). */
export const LIBRARY_MAX_RATE = 192_000;

/**
 * libsamplerate converts at ratios from 1/256 to 256; outside them its simple API fails and the
 * JS wrapper returns no samples at all, so a 62 Hz file would become silence, not an error.
 */
export const LIBRARY_MAX_RATIO = 256;

/** Why `fromRate` cannot be converted to `toRate`, or null when it can. Pure. */
export function conversionProblem(fromRate: number, toRate: number): string | null {
  for (const rate of [fromRate, toRate]) {
    if (!Number.isFinite(rate) || rate <= 0) return `bad rate ${rate}`;
    if (rate > LIBRARY_MAX_RATE) return `${rate} Hz is above the ${LIBRARY_MAX_RATE} Hz the resampler takes`;
  }
  const ratio = toRate / fromRate;
  if (ratio > LIBRARY_MAX_RATIO || ratio < 1 / LIBRARY_MAX_RATIO) return `${fromRate} Hz to ${toRate} Hz is a ratio beyond the resampler's 1/${LIBRARY_MAX_RATIO} to ${LIBRARY_MAX_RATIO}`;
  return null;
}

/** The whole-number input rates that convert to TARGET_RATE: what the WAV reader accepts. */
export const CONVERTIBLE_RATES = {
  min: Math.ceil(TARGET_RATE / LIBRARY_MAX_RATIO),
  max: Math.min(LIBRARY_MAX_RATE, TARGET_RATE * LIBRARY_MAX_RATIO),
} as const;

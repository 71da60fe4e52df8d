// How a stretch of speech sounds, without its words: the backchannel rule's acoustic features
// (shared/backchannel.ts). Pure arithmetic over 16 kHz mono samples, the same for a recorded
// call, a synthesized voice and a live one.

import type { StretchSound } from '../../shared/backchannel.ts';

const RATE = 16_000;
/** 32 ms frames (512 samples, the VAD's), stepped by 16 ms. */
const FRAME = 512;
const HOP = 256;
/** Pitch lags searched: 70–400 Hz. */
const MIN_LAG = Math.floor(RATE / 400);
const MAX_LAG = Math.ceil(RATE / 70);
/** A frame this periodic (normalised autocorrelation at its best lag) is voiced. */
const VOICED_PERIODICITY = 0.6;
/** Frames within this many dB of the stretch's loudest frame are "loud" (speech, not the gaps in it). */
const LOUD_DB = 25;
/** The low band: a nasal hum ("mm") has nearly all its energy below this; vowels and fricatives do not. */
const LOW_HZ = 1000;
/** An energy peak counts as a syllable when the envelope dips this many dB on each side of it. */
const SYLLABLE_DIP_DB = 4;

/** The samples through an RBJ second-order low-pass at LOW_HZ (Q 0.707). Pure. */
function lowPass(x: Float32Array): Float32Array {
  const w = (2 * Math.PI * LOW_HZ) / RATE;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  const b0 = (1 - c) / 2 / a0;
  const b1 = (1 - c) / a0;
  const a1 = (-2 * c) / a0;
  const a2 = (1 - alpha) / a0;
  const y = new Float32Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i] + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

/** Peaks of the energy envelope (dB, one value a frame) that stand SYLLABLE_DIP_DB above the dips either side, within LOUD_DB of the loudest. Pure. */
function syllables(db: number[]): number {
  const top = Math.max(...db);
  let count = 0;
  let rising = true;
  let peak = -Infinity;
  let dip = Infinity;
  for (const v of db) {
    if (rising) {
      if (v > peak) peak = v;
      else if (peak - v >= SYLLABLE_DIP_DB) {
        if (peak >= top - LOUD_DB && peak - dip >= SYLLABLE_DIP_DB) count++;
        rising = false;
        dip = v;
      }
    } else if (v < dip) dip = v;
    else if (v - dip >= SYLLABLE_DIP_DB) {
      rising = true;
      peak = v;
    }
  }
  if (rising && peak >= top - LOUD_DB && peak - dip >= SYLLABLE_DIP_DB) count++;
  return Math.max(1, count);
}

interface Frame {
  energy: number;
  /** Energy below LOW_HZ (a second-order low-pass), the frame's own. */
  lowEnergy: number;
  zcr: number;
  periodicity: number;
  pitchHz: number;
}

function frameOf(x: Float32Array, low: Float32Array): Frame {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let energy = 0;
  let crossings = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] - mean;
    energy += v * v;
    if (i > 0 && x[i - 1] - mean < 0 !== v < 0) crossings++;
  }
  let best = 0;
  let bestLag = 0;
  for (let lag = MIN_LAG; lag <= MAX_LAG && lag < x.length; lag++) {
    let r = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i + lag < x.length; i++) {
      const u = x[i] - mean;
      const w = x[i + lag] - mean;
      r += u * w;
      a += u * u;
      b += w * w;
    }
    const n = a > 0 && b > 0 ? r / Math.sqrt(a * b) : 0;
    if (n > best) {
      best = n;
      bestLag = lag;
    }
  }
  let lowEnergy = 0;
  for (const v of low) lowEnergy += v * v;
  return { energy: energy / x.length, lowEnergy: lowEnergy / low.length, zcr: crossings / x.length, periodicity: best, pitchHz: bestLag ? RATE / bestLag : 0 };
}

/**
 * The sound of `samples` (16 kHz mono) between startMs and endMs: how much of its loud part is
 * voiced (periodic), how much of its energy is in unvoiced frames (fricatives, bursts: the
 * "s" of "stop", the "k" of "cancel"), its zero-crossing rate, and how far its pitch moves. Pure.
 */
export function stretchSound(samples: Float32Array, startMs: number, endMs: number): StretchSound {
  const from = Math.max(0, Math.floor(startMs * 16));
  const to = Math.min(samples.length, Math.ceil(endMs * 16));
  const low = lowPass(samples.subarray(from, to));
  const frames: Frame[] = [];
  for (let i = from; i + FRAME <= to; i += HOP) frames.push(frameOf(samples.subarray(i, i + FRAME), low.subarray(i - from, i - from + FRAME)));
  if (frames.length === 0) return { voicedFraction: 0, unvoicedEnergyFraction: 1, zeroCrossingRate: 0, pitchSpreadSemitones: 0, lowBandFraction: 0, syllables: 0 };
  const peak = Math.max(...frames.map((f) => f.energy));
  const loud = frames.filter((f) => f.energy > 0 && f.energy >= peak * 10 ** (-LOUD_DB / 10));
  const voiced = loud.filter((f) => f.periodicity >= VOICED_PERIODICITY);
  const loudEnergy = loud.reduce((s, f) => s + f.energy, 0);
  const unvoicedEnergy = loud.filter((f) => f.periodicity < VOICED_PERIODICITY).reduce((s, f) => s + f.energy, 0);
  const semitones = voiced.map((f) => 12 * Math.log2(f.pitchHz / 100)).sort((a, b) => a - b);
  // the spread between the 10th and 90th percentiles: robust to one octave error
  const q = (p: number): number => semitones[Math.min(semitones.length - 1, Math.floor(p * semitones.length))];
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    voicedFraction: round(voiced.length / loud.length),
    unvoicedEnergyFraction: round(loudEnergy > 0 ? unvoicedEnergy / loudEnergy : 1),
    zeroCrossingRate: round(loud.reduce((s, f) => s + f.zcr, 0) / loud.length),
    pitchSpreadSemitones: round(semitones.length >= 2 ? q(0.9) - q(0.1) : 0),
    lowBandFraction: round(loudEnergy > 0 ? Math.min(1, loud.reduce((s, f) => s + f.lowEnergy, 0) / loudEnergy) : 0),
    syllables: syllables(frames.map((f) => 10 * Math.log10(f.energy + 1e-12))),
  };
}

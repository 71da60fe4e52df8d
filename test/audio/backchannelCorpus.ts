// The backchannel test set: flite and espeak-ng voices saying acknowledgements and the short
// commands and answers they must be told apart from, at 8 kHz and 16 kHz, clean and with seeded
// white noise at 10 dB SNR. Each condition is one recording (clips 1.5 s apart), heard through
// the real path (to16kMono, detectSpeechSegments, and hearSegments' two recognitions), so recognition runs batched.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recognizeSegments, recognizeShortResponses, type RecognizedUtterance } from '../../electron/audio/asr.ts';
import { BACKCHANNEL_MAX_MS } from '../../shared/backchannel.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments } from '../../electron/audio/vad.ts';
import { decodeWav } from '../../electron/audio/wav.ts';

export const ACKNOWLEDGEMENTS = ['mhm', 'uh-huh', 'okay', 'yeah', 'right', 'hmm', 'sure'] as const;
export const COMMANDS = ['No', 'Stop', 'Wait', 'Representative', 'Agent', 'Cancel', 'Yes I do'] as const;
export const VOICES: { name: string; argv: (text: string, out: string) => [string, string[]] }[] = [
  ...['rms', 'slt', 'awb', 'kal'].map((v) => ({ name: `flite ${v}`, argv: (t: string, o: string): [string, string[]] => ['flite', ['-voice', v, '-t', t, '-o', o]] })),
  ...[
    ['en-us', 140],
    ['en-gb', 175],
    ['en-us', 210],
  ].map(([v, s]) => ({
    name: `espeak-ng ${v} -s ${s}`,
    argv: (t: string, o: string): [string, string[]] => ['espeak-ng', ['-v', String(v), '-s', String(s), '-w', o, t]],
  })),
];
export const CONDITIONS = [
  { rate: 16_000, noisy: false },
  { rate: 16_000, noisy: true },
  { rate: 8_000, noisy: false },
  { rate: 8_000, noisy: true },
] as const;
const GAP_S = 1.5;
const SNR_DB = 10;

export interface Clip {
  voice: string;
  text: string;
  acknowledgement: boolean;
  rate: number;
  noisy: boolean;
}
/** A detected stretch with what the rule is given: hearSegments' two recognitions. */
export interface HeardStretch {
  startMs: number;
  endMs: number;
  open: RecognizedUtterance;
  shortResponse: string | null;
}
/** A clip as heard: the stretch(es) detected within it and the 16 kHz samples they index. */
export interface HeardClip extends Clip {
  stretches: HeardStretch[];
  samples: Float32Array;
}

/** Deterministic white noise: a 32-bit LCG, uniform in [-1, 1). */
function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Mean power of the samples louder than -40 dB of the peak (the speech, not the padding). */
function speechPower(x: Float32Array): number {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  let sum = 0;
  let n = 0;
  for (const v of x) {
    if (Math.abs(v) > peak / 100) {
      sum += v * v;
      n++;
    }
  }
  return n ? sum / n : 0;
}

/**
 * Synthesizes every clip once into `dir` (sox to each rate), then builds and hears one recording
 * per condition. Effects: runs flite, espeak-ng, sox, the VAD and pocketsphinx.
 */
export async function hearCorpus(): Promise<HeardClip[]> {
  const dir = mkdtempSync(join(tmpdir(), 'callsim-backchannel-'));
  try {
    const texts = [...ACKNOWLEDGEMENTS.map((t) => ({ t, ack: true })), ...COMMANDS.map((t) => ({ t, ack: false }))];
    const raw: { voice: string; text: string; ack: boolean; byRate: Map<number, Float32Array> }[] = [];
    let k = 0;
    for (const voice of VOICES) {
      for (const { t, ack } of texts) {
        const src = join(dir, `${k}.wav`);
        const [cmd, args] = voice.argv(t, src);
        execFileSync(cmd, args, { stdio: 'ignore' });
        const byRate = new Map<number, Float32Array>();
        for (const rate of [8_000, 16_000]) {
          const out = join(dir, `${k}-${rate}.wav`);
          execFileSync('sox', [src, '-r', String(rate), '-c', '1', '-b', '16', out], { stdio: 'ignore' });
          byRate.set(rate, decodeWav(readFileSync(out), out).samples);
        }
        raw.push({ voice: voice.name, text: t, ack, byRate });
        k++;
      }
    }
    const heard: HeardClip[] = [];
    for (const { rate, noisy } of CONDITIONS) {
      const gap = Math.round(GAP_S * rate);
      const clips = raw.map((r) => r.byRate.get(rate)!);
      const total = clips.reduce((n, c) => n + c.length + gap, gap);
      const mix = new Float32Array(total);
      const spans: { fromMs: number; toMs: number }[] = [];
      let at = gap;
      for (const c of clips) {
        mix.set(c, at);
        spans.push({ fromMs: (at / rate) * 1000, toMs: ((at + c.length) / rate) * 1000 });
        at += c.length + gap;
      }
      if (noisy) {
        const power = clips.reduce((p, c) => p + speechPower(c), 0) / clips.length;
        const amp = Math.sqrt((power / 10 ** (SNR_DB / 10)) * 3); // uniform noise: power amp^2 / 3
        const n = noise(total, rate);
        for (let i = 0; i < total; i++) mix[i] += amp * n[i];
      }
      const samples = await to16kMono({ samples: mix, sampleRate: rate });
      const speech = await detectSpeechSegments(samples);
      // as hearSegments: open vocabulary for all, the closed list for the short ones
      const short = speech.filter((x) => x.endMs - x.startMs <= BACKCHANNEL_MAX_MS);
      const [open, shortTexts] = await Promise.all([recognizeSegments(samples, speech), recognizeShortResponses(samples, short)]);
      const segments: HeardStretch[] = speech.map((x, i) => ({ ...x, open: open[i], shortResponse: short.includes(x) ? shortTexts[short.indexOf(x)] : null }));
      raw.forEach((r, i) => {
        const { fromMs, toMs } = spans[i];
        heard.push({
          voice: r.voice,
          text: r.text,
          acknowledgement: r.ack,
          rate,
          noisy,
          samples,
          stretches: segments.filter((s) => s.endMs > fromMs && s.startMs < toMs),
        });
      });
    }
    return heard;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

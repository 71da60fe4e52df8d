import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hearSegments } from '../../electron/audio/pipeline.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments, SileroVad, VAD_FRAME_SAMPLES } from '../../electron/audio/vad.ts';
import { readWavFile } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import type { ExtraBench } from './bench.ts';
import { wordErrors as editDistance } from '../tools/measure-recordings.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Word errors of a hypothesis against a reference, punctuation aside (the edit distance of measure-recordings.ts). Pure. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z' ]+/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
  const r = norm(reference);
  return { errors: editDistance(r, norm(hypothesis)), words: r.length };
}

type Truth = { segments: { startMs: number; endMs: number; text: string; backchannel?: boolean }[]; channel?: 'left' | 'right' };

/** Caller lines the scenarios say, for the word error rate on flite's voices. */
const fliteLines = [
  "Hi, what's my account balance?",
  'I want to talk to a representative.',
  'Where is my order? It was supposed to arrive yesterday.',
  'I would like a refund please.',
  'Can you check the shipping status of my package?',
  "Thanks, that's all. Bye.",
];

/**
 * The audio pipeline on the sample calls: boundary error of detected turns against the truth
 * (a truth turn nothing was detected on is a miss, a detected turn on no truth turn a false
 * alarm), recognition word error rate (a missed turn's words all count as errors), and speed
 * as a multiple of real time (decoding, resampling, VAD and recognition, on the wall clock),
 * next to a bare pass of the VAD model over the same audio.
 */
export const audioBench: ExtraBench = async (rows) => {
  const dir = path.join(root, 'recordings/audio');
  const calls = fs.readdirSync(dir).filter((f) => f.endsWith('.truth.json'));
  const startErr: number[] = [];
  const endErr: number[] = [];
  const perCall: string[] = [];
  let errors = 0;
  let words = 0;
  let missed = 0;
  let falseAlarms = 0;
  let truthTurns = 0;
  let audioMs = 0;
  let pipelineMs = 0;
  let bareMs = 0;
  const vad = await SileroVad.load();
  for (const t of calls) {
    const truth = JSON.parse(fs.readFileSync(path.join(dir, t), 'utf8')) as Truth;
    const p0 = performance.now();
    const wav = readWavFile(path.join(dir, t.replace('.truth.json', '.wav')), { channel: truth.channel });
    const samples = await to16kMono(wav);
    const speech = await detectSpeechSegments(samples);
    const heard = await hearSegments(samples, speech);
    pipelineMs += performance.now() - p0;
    audioMs += wav.durationMs;

    vad.reset();
    const b0 = performance.now();
    for (let at = 0; at + VAD_FRAME_SAMPLES <= samples.length; at += VAD_FRAME_SAMPLES) await vad.process(samples.subarray(at, at + VAD_FRAME_SAMPLES));
    bareMs += performance.now() - b0;

    let callErrors = 0;
    let callWords = 0;
    for (const seg of truth.segments) {
      truthTurns++;
      const match = heard.find((h) => h.startMs < seg.endMs && h.endMs > seg.startMs);
      const e = seg.backchannel ? { errors: 0, words: 0 } : wordErrors(seg.text, match?.text ?? '');
      callErrors += e.errors;
      callWords += e.words;
      if (!match) {
        missed++;
        continue;
      }
      startErr.push(Math.abs(match.startMs - seg.startMs));
      endErr.push(Math.abs(match.endMs - seg.endMs));
    }
    falseAlarms += heard.filter((h) => !truth.segments.some((seg) => h.startMs < seg.endMs && h.endMs > seg.startMs)).length;
    errors += callErrors;
    words += callWords;
    perCall.push(`${t.replace('.truth.json', '').replace(/-call.*/, '')} ${((100 * callErrors) / Math.max(1, callWords)).toFixed(0)}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  rows.push({
    name: `VAD turn boundaries on ${calls.length} sample calls (${truthTurns} turns: ${missed} missed, ${falseAlarms} false alarms)`,
    value: `start mean ${mean(startErr).toFixed(0)} / worst ${Math.max(...startErr).toFixed(0)} ms, end mean ${mean(endErr).toFixed(0)} / worst ${Math.max(...endErr).toFixed(0)} ms`,
    goal: '≤ 200/300',
    ok: missed === 0 && falseAlarms === 0 && Math.max(...startErr) <= 200 && Math.max(...endErr) <= 300,
  });
  rows.push({
    name: 'ASR word error rate on the recorded calls (pocketsphinx 0.8, en-us)',
    value: `${((100 * errors) / Math.max(1, words)).toFixed(1)} % of ${words} words (${perCall.join(', ')} %)`,
    goal: '',
    ok: null,
  });
  rows.push({ name: "ASR word error rate on flite's voices (the scenarios' caller lines)", value: await fliteWer(), goal: '', ok: null });
  const rt = audioMs / pipelineMs;
  rows.push({
    name: 'audio pipeline (decode, resample, VAD, ASR) vs real time; bare VAD pass',
    value: `${rt.toFixed(1)}× (${(pipelineMs / 1000).toFixed(2)} s for ${(audioMs / 1000).toFixed(0)} s); bare model ${(audioMs / bareMs).toFixed(0)}×`,
    goal: '≥ 5×',
    ok: rt >= 5,
  });
};

/** Word error rate of the pipeline on the scenario lines said by flite's two voices. */
async function fliteWer(): Promise<string> {
  let errors = 0;
  let words = 0;
  for (const voice of ['flite:rms', 'flite:slt'] as const) {
    for (const line of fliteLines) {
      const { samples } = await synthesize(line, voice);
      const heard = await hearSegments(samples, await detectSpeechSegments(samples));
      const e = wordErrors(line, heard.map((h) => h.text).join(' '));
      errors += e.errors;
      words += e.words;
    }
  }
  return `${((100 * errors) / Math.max(1, words)).toFixed(1)} % of ${words} words`;
}

// Measures the audio layer on the sample calls in recordings/audio against their truth files:
// VAD boundary errors, word error rate, and CPU time per second of audio (real-time factor).
//
//   npx tsx test/tools/measure-recordings.ts [recordingsDir]
//
// Effects: reads the recordings, runs the VAD model and pocketsphinx; prints a report. CPU time
// is what this process (VAD, one onnxruntime thread) and its children (pocketsphinx, single
// threaded) used, read from /proc on Linux, so the numbers hold on a busy machine too.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { recognizeSegments } from '../../electron/audio/asr.ts';
import { analyzeRecording } from '../../electron/audio/pipeline.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments } from '../../electron/audio/vad.ts';
import { readWavFile } from '../../electron/audio/wav.ts';

const NAMES = ['librivox-call', 'cards-call-8k', 'dual-channel-call', 'noisy-call', 'backchannel-call'];

interface TruthSegment {
  startMs: number;
  endMs: number;
  text: string;
  backchannel?: boolean;
}

/** CPU seconds used by reaped child processes (Linux /proc/self/stat cutime + cstime). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17 of stat(5), at 100 Hz
}

const ownCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** Word-level edit distance (substitutions, insertions, deletions) of a hypothesis from a reference. Pure. */
export function wordErrors(reference: string[], hypothesis: string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[hypothesis.length];
}

/** Lower-case words of a transcript; "mister" as the recognizer writes it, "mr". Pure. */
export const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/\bmister\b/g, 'mr')
    .split(/\s+/)
    .filter(Boolean);

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? 'recordings/audio');
  const totals = { audioS: 0, vadCpuS: 0, asrCpuS: 0, speechS: 0, errors: 0, words: 0, pipelineErrors: 0 };
  for (const name of NAMES) {
    const truth = JSON.parse(readFileSync(join(dir, `${name}.truth.json`), 'utf8')) as { channel?: 'left' | 'right'; segments: TruthSegment[] };
    const path = join(dir, `${name}.wav`);
    const wav = readWavFile(path, { channel: truth.channel });
    const samples = await to16kMono(wav);
    await detectSpeechSegments(samples.subarray(0, 16_000)); // load the model outside the measure

    const vadStart = ownCpuSeconds();
    const detected = await detectSpeechSegments(samples);
    const vadCpuS = ownCpuSeconds() - vadStart;

    const asrStart = childrenCpuSeconds();
    const recognized = await recognizeSegments(samples, truth.segments);
    const asrCpuS = childrenCpuSeconds() - asrStart;

    const analyzed = await analyzeRecording(path, { channel: truth.channel });

    const audioS = wav.durationMs / 1000;
    const speechS = truth.segments.reduce((s, t) => s + (t.endMs - t.startMs), 0) / 1000;
    const reference = truth.segments.flatMap((t) => words(t.text));
    const errors = truth.segments.reduce((n, t, i) => n + wordErrors(words(t.text), words(recognized[i].text)), 0);
    const pipelineErrors = wordErrors(
      reference,
      analyzed.segments.flatMap((s) => words(s.text)),
    );
    totals.audioS += audioS;
    totals.vadCpuS += vadCpuS;
    totals.asrCpuS += asrCpuS;
    totals.speechS += speechS;
    totals.errors += errors;
    totals.words += reference.length;
    totals.pipelineErrors += pipelineErrors;

    console.log(`\n${name}: ${audioS.toFixed(1)} s of audio, ${truth.segments.length} true segments, ${detected.length} detected`);
    truth.segments.forEach((t) => {
      const d = detected.find((s) => s.startMs < t.endMs && s.endMs > t.startMs);
      const a = analyzed.segments.find((s) => s.startMs < t.endMs && s.endMs > t.startMs);
      const boundary = d ? `start ${signed(d.startMs - t.startMs)} ms, end ${signed(d.endMs - t.endMs)} ms` : 'MISSED';
      console.log(`  ${t.backchannel ? '(backchannel) ' : ''}${boundary}; "${t.text}" -> "${a?.text ?? ''}"${a?.backchannel ? ' [backchannel]' : ''}`);
    });
    for (const d of detected) {
      if (!truth.segments.some((t) => d.startMs < t.endMs && d.endMs > t.startMs)) console.log(`  EXTRA ${d.startMs}-${d.endMs}`);
    }
    console.log(
      `  WER ${pct(errors / reference.length)} on the true segments, ${pct(pipelineErrors / reference.length)} through analyzeRecording;` +
        ` CPU: VAD ${(vadCpuS * 1000).toFixed(0)} ms (RTF ${(vadCpuS / audioS).toFixed(4)}),` +
        ` ASR ${asrCpuS.toFixed(2)} s (RTF ${(asrCpuS / audioS).toFixed(3)} of the call, ${(asrCpuS / speechS).toFixed(3)} of its speech)`,
    );
  }
  console.log(
    `\nall: WER ${pct(totals.errors / totals.words)} (${totals.errors}/${totals.words} words) on true segments,` +
      ` ${pct(totals.pipelineErrors / totals.words)} through analyzeRecording;` +
      ` VAD RTF ${(totals.vadCpuS / totals.audioS).toFixed(4)}; ASR RTF ${(totals.asrCpuS / totals.audioS).toFixed(3)} of audio,` +
      ` ${(totals.asrCpuS / totals.speechS).toFixed(3)} of speech`,
  );
}

const signed = (n: number): string => (n >= 0 ? `+${Math.round(n)}` : `${Math.round(n)}`);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  await main();
}

// Offline speech recognition with CMU PocketSphinx 0.8 (the Debian pocketsphinx package).
//
// Loading the acoustic model, language model and dictionary takes about a quarter of a second,
// longer than decoding a short utterance, so every segment of a call is decoded by ONE run of
// pocketsphinx_batch: the whole call is written once as a 16-bit WAV and a control file
// lists each segment as a frame range of it. Word confidences are the posterior probabilities
// pocketsphinx writes in its CTM output.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeWav16 } from './wav.ts';

const run = promisify(execFile);

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const INSTALL_HINT = 'apt-get install pocketsphinx pocketsphinx-en-us';
/** PocketSphinx works in 10 ms frames. */
const FRAME_MS = 10;

export interface RecognizedUtterance {
  /** Lower-case words separated by single spaces; empty when nothing was recognized. */
  text: string;
  /** Mean posterior probability of the words, 0..1; 0 when there are no words. */
  confidence: number;
  words: string[];
  /** Posterior probability of each word, 0..1. */
  wordConfidences: number[];
}

export interface RecognizeOptions {
  /**
   * Audio kept on each side of a segment (never reaching into the neighbouring segment): the
   * recognizer needs some silence around the words to place them. Default 300 (on the sample
   * calls, 0 ms gave 57% WER, 100-500 ms 52-55%).
   */
  padMs?: number;
}

/** The recognizer program or its English models are not installed, or it failed to run. */
export class AsrUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AsrUnavailableError';
  }
}

/** Drops pocketsphinx's alternate-pronunciation marks: "was(2)" is the word "was". */
const plainWord = (word: string): string => word.replace(/\(\d+\)$/, '').toLowerCase();

type Segment = { startMs: number; endMs: number };
interface DecodedWord {
  word: string;
  confidence: number;
}

/**
 * Runs pocketsphinx_batch once over all segments of the recording with the given search (a
 * language model or a grammar) and returns the words of each segment with their posteriors.
 */
async function decodeSegments(samples16k: Float32Array, segments: Segment[], search: string[], padMs: number, dir: string): Promise<DecodedWord[][]> {
  const totalFrames = Math.floor(samples16k.length / 16 / FRAME_MS);
  const lines = segments.map((segment, i) => {
    const previousEnd = i > 0 ? segments[i - 1].endMs : 0;
    const nextStart = i + 1 < segments.length ? segments[i + 1].startMs : Infinity;
    const fromMs = Math.max(segment.startMs - padMs, Math.min(segment.startMs, previousEnd), 0);
    const toMs = Math.min(segment.endMs + padMs, Math.max(segment.endMs, nextStart));
    const fromFrame = Math.min(Math.floor(fromMs / FRAME_MS), totalFrames);
    const toFrame = Math.max(fromFrame + 1, Math.min(Math.ceil(toMs / FRAME_MS), totalFrames));
    return `call ${fromFrame} ${toFrame} seg${i}`;
  });
  await writeFile(join(dir, 'segments.ctl'), lines.join('\n') + '\n');
  const ctm = join(dir, 'out.ctm');
  await rm(ctm, { force: true });
  const args = [
    '-hmm', join(MODEL_DIR, 'en-us'),
    '-dict', join(MODEL_DIR, 'cmudict-en-us.dict'),
    ...search,
    '-adcin', 'yes',
    '-adchdr', '44', // the header encodeWav16 writes; pocketsphinx skips it
    '-samprate', '16000',
    '-cepdir', dir,
    '-cepext', '.wav',
    '-ctl', join(dir, 'segments.ctl'),
    '-hyp', join(dir, 'out.hyp'),
    '-ctm', ctm,
    '-logfn', join(dir, 'pocketsphinx.log'),
    // Caps on the active HMMs and words per frame. On the sample calls they halve the CPU time
    // (a third of it in noise, where the search otherwise explodes) for the same word error
    // rate (52% vs 53% over 182 words, within the noise of so small a sample).
    '-maxhmmpf', '3000',
    '-maxwpf', '10',
  ];
  try {
    await run('pocketsphinx_batch', args, { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AsrUnavailableError(`pocketsphinx_batch is not installed: ${INSTALL_HINT}`);
    }
    const log = await readFile(join(dir, 'pocketsphinx.log'), 'utf8').catch(() => '');
    const lastError = log.split('\n').filter((l) => /ERROR|FATAL/.test(l)).pop();
    throw new AsrUnavailableError(`pocketsphinx_batch failed: ${lastError ?? (err as Error).message.split('\n')[0]}`);
  }
  const words: DecodedWord[][] = segments.map(() => []);
  // CTM line: <utterance> <channel> <start s> <duration s> <word> <posterior>
  for (const line of (await readFile(ctm, 'utf8').catch(() => '')).split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const index = Number(/^seg(\d+)$/.exec(fields[0])?.[1] ?? NaN);
    if (!Number.isInteger(index) || index >= segments.length) continue;
    words[index].push({ word: plainWord(fields[4]), confidence: Math.max(0, Math.min(1, Number(fields[5]) || 0)) });
  }
  return words;
}

/** Writes the recording where pocketsphinx can read it, runs `work`, and cleans up. */
async function withRecording<T>(samples16k: Float32Array, work: (dir: string) => Promise<T>): Promise<T> {
  if (!existsSync(join(MODEL_DIR, 'en-us', 'mdef'))) {
    throw new AsrUnavailableError(`pocketsphinx English models not found in ${MODEL_DIR}: ${INSTALL_HINT}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'callsim-asr-'));
  try {
    await writeFile(join(dir, 'call.wav'), encodeWav16(samples16k, 16_000));
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Recognizes the words in each segment of a 16 kHz mono recording with the general English
 * language model. Returns one result per segment, in the same order. Effects: runs
 * pocketsphinx_batch once for all segments (one model load), in a temporary directory that is
 * removed afterwards. Throws AsrUnavailableError when pocketsphinx is not installed.
 */
export async function recognizeSegments(
  samples16k: Float32Array,
  segments: Segment[],
  opts: RecognizeOptions = {},
): Promise<RecognizedUtterance[]> {
  if (segments.length === 0) return [];
  const decoded = await withRecording(samples16k, (dir) =>
    decodeSegments(samples16k, segments, ['-lm', join(MODEL_DIR, 'en-us.lm.bin')], opts.padMs ?? 300, dir),
  );
  return decoded.map((words) => ({
    text: words.map((w) => w.word).join(' '),
    confidence: words.length ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0,
    words: words.map((w) => w.word),
    wordConfidences: words.map((w) => w.confidence),
  }));
}

/**
 * The closed list of short responses that recognizeShortResponses chooses from: acknowledgements
 * and the short answers and requests they must be told apart from.
 */
export const SHORT_RESPONSES = [
  'mhm', 'hmm', 'mm', 'uh-huh', 'uh', 'um', 'oh', 'okay', 'yeah', 'yep', 'right', 'alright', 'sure', 'i see', 'got it',
  'yes', 'no', 'nope', 'hello', 'hi', 'thanks', 'thank you', 'bye', 'goodbye', 'help', 'agent', 'operator',
  'representative', 'human', 'person', 'stop', 'wait', 'what', 'sorry', 'please', 'repeat', 'cancel', 'refund',
] as const;

/**
 * Decodes short segments against the closed list SHORT_RESPONSES instead of the open
 * vocabulary, returning the phrase that fits each segment best. A forced choice: every segment
 * gets one of the phrases, whatever was said, so use it only to decide between them where the
 * open decoder is unsure (a one-word "yeah" in line noise comes out of the language model as
 * "you have"). Effects and errors as recognizeSegments.
 */
export async function recognizeShortResponses(
  samples16k: Float32Array,
  segments: Segment[],
  opts: RecognizeOptions = {},
): Promise<string[]> {
  if (segments.length === 0) return [];
  const decoded = await withRecording(samples16k, async (dir) => {
    const grammar = join(dir, 'short.gram');
    await writeFile(grammar, `#JSGF V1.0;\ngrammar short;\npublic <short> = ${SHORT_RESPONSES.join(' | ')};\n`);
    return decodeSegments(samples16k, segments, ['-jsgf', grammar], opts.padMs ?? 300, dir);
  });
  return decoded.map((words) => words.map((w) => w.word).join(' '));
}

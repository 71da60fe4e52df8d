// Offline speech recognition with CMU PocketSphinx 0.8 (the Debian pocketsphinx package).
//
// Loading the acoustic model, language model and dictionary takes about a quarter of a second,
// longer than decoding a short utterance, so every segment of a call is decoded by ONE run of
// pocketsphinx_batch: the whole call is written once as a 16-bit WAV and a control file
// lists each segment as a frame range of it. Word confidences are the posterior probabilities
// pocketsphinx writes in its CTM output.
//
// A live call does not have its segments in advance, so LiveRecognizer keeps one
// pocketsphinx_batch per search running for the whole call, its control list read line by line
// from a pipe: each utterance is decoded as it arrives, with the model already loaded.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { encodeWav16 } from './wav.ts';
import { processAlive } from '../processes.ts';

const run = promisify(execFile);

export const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const INSTALL_HINT = 'apt-get install pocketsphinx pocketsphinx-en-us';
/** The English acoustic model and dictionary every pocketsphinx run here loads (the batch processes and the streaming decoder). */
export const MODEL_ARGS: readonly string[] = ['-hmm', join(MODEL_DIR, 'en-us'), '-dict', join(MODEL_DIR, 'cmudict-en-us.dict')];
/** The open-vocabulary language model (the closed list of short responses is the other search). */
export const OPEN_LM_ARGS: readonly string[] = ['-lm', join(MODEL_DIR, 'en-us.lm.bin')];
/**
 * Caps on the active HMMs and words per frame. On the sample calls they halve the CPU time (a
 * third of it in noise, where the search otherwise explodes) for the same word error rate (52%
 * vs 53% over 182 words, within the noise of so small a sample).
 */
export const SEARCH_CAPS: readonly string[] = ['-maxhmmpf', '3000', '-maxwpf', '10'];
/** Whether the English models are installed. Effects: one stat. */
export const modelsInstalled = (): boolean => existsSync(join(MODEL_DIR, 'en-us', 'mdef'));
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
  /** Recognizer processes decoding side by side (default: one per core). */
  processes?: number;
}

/** RecognizeOptions.padMs when not given. */
export const DEFAULT_PAD_MS = 300;

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

/** Frames [fromFrame, toFrame) of a recording that pocketsphinx decodes for one segment. */
interface FrameRange {
  fromFrame: number;
  toFrame: number;
}

/**
 * The frames decoded for a segment: padMs of audio on each side, never reaching into the
 * neighbouring segments, within the recording's totalFrames. Pure.
 */
function decodeRange(segment: Segment, previousEndMs: number, nextStartMs: number, padMs: number, totalFrames: number): FrameRange {
  const fromMs = Math.max(segment.startMs - padMs, Math.min(segment.startMs, previousEndMs), 0);
  const toMs = Math.min(segment.endMs + padMs, Math.max(segment.endMs, nextStartMs));
  const fromFrame = Math.min(Math.floor(fromMs / FRAME_MS), totalFrames);
  const toFrame = Math.max(fromFrame + 1, Math.min(Math.ceil(toMs / FRAME_MS), totalFrames));
  return { fromFrame, toFrame };
}

/** The pocketsphinx_batch arguments common to the offline run and the live process. */
function batchArgs(search: string[], dir: string, io: { ctl: string; hyp: string; ctm: string; log?: string }): string[] {
  return [
    ...MODEL_ARGS,
    ...search,
    '-adcin',
    'yes',
    '-adchdr',
    '44', // the header encodeWav16 writes; pocketsphinx skips it
    '-samprate',
    '16000',
    '-cepdir',
    dir,
    '-cepext',
    '.wav',
    '-ctl',
    io.ctl,
    '-hyp',
    io.hyp,
    '-ctm',
    io.ctm,
    '-logfn',
    join(dir, io.log ?? 'pocketsphinx.log'),
    ...SEARCH_CAPS,
  ];
}

/** A CTM line, `<utterance> <channel> <start s> <duration s> <word> <posterior>`, as its utterance and word; null for any other line. */
function ctmWord(line: string): { utterance: string; word: DecodedWord } | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 6) return null;
  return { utterance: fields[0], word: { word: plainWord(fields[4]), confidence: Math.max(0, Math.min(1, Number(fields[5]) || 0)) } };
}

/** The last ERROR or FATAL line of a pocketsphinx log in `dir`, if any. */
async function lastLoggedError(dir: string, logName = 'pocketsphinx.log'): Promise<string | undefined> {
  const log = await readFile(join(dir, logName), 'utf8').catch(() => '');
  return log
    .split('\n')
    .filter((l) => /ERROR|FATAL/.test(l))
    .pop();
}

/**
 * Contiguous runs of the items, at most `parts` of them, whose weights are as even as the order
 * allows: each run closes once it holds its share of what is left. Pure.
 */
export function balancedRuns(weights: readonly number[], parts: number): number[][] {
  const runs: number[][] = [];
  let left = weights.reduce((a, b) => a + b, 0);
  let i = 0;
  for (let k = Math.max(1, Math.min(parts, weights.length)); k > 0 && i < weights.length; k--) {
    const share = left / k;
    const run: number[] = [];
    let sum = 0;
    // a run takes at least one item, and leaves at least one for each run after it
    while (i < weights.length && (run.length === 0 || (sum + weights[i] / 2 <= share && weights.length - i > k - 1))) {
      sum += weights[i];
      run.push(i++);
    }
    if (k === 1) while (i < weights.length) run.push(i++);
    left -= sum;
    runs.push(run);
  }
  return runs;
}

/**
 * Runs pocketsphinx_batch over all segments of the recording with the given search (a language
 * model or a grammar) and returns the words of each segment with their posteriors. The segments
 * are split into contiguous runs, one recognizer process per core, decoded side by side: each
 * segment is decoded on its own (per-utterance normalisation in batch mode), so the words are
 * the same as from one process, and a recorded call is heard in about half the time on two cores.
 */
async function decodeSegments(samples16k: Float32Array, segments: Segment[], search: string[], padMs: number, dir: string, processes = availableParallelism()): Promise<DecodedWord[][]> {
  const totalFrames = Math.floor(samples16k.length / 16 / FRAME_MS);
  const lines = segments.map((segment, i) => {
    const previousEnd = i > 0 ? segments[i - 1].endMs : 0;
    const nextStart = i + 1 < segments.length ? segments[i + 1].startMs : Infinity;
    const { fromFrame, toFrame } = decodeRange(segment, previousEnd, nextStart, padMs, totalFrames);
    return `call ${fromFrame} ${toFrame} seg${i}`;
  });
  const words: DecodedWord[][] = segments.map(() => []);
  const runs = balancedRuns(
    segments.map((s) => s.endMs - s.startMs),
    processes,
  );
  await Promise.all(
    runs.map(async (slice, k) => {
      const ctl = join(dir, `segments-${k}.ctl`);
      const ctm = join(dir, `out-${k}.ctm`);
      const log = `pocketsphinx-${k}.log`;
      await writeFile(ctl, slice.map((i) => lines[i]).join('\n') + '\n');
      await rm(ctm, { force: true });
      const args = batchArgs(search, dir, { ctl, hyp: join(dir, `out-${k}.hyp`), ctm, log });
      try {
        await run('pocketsphinx_batch', args, { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new AsrUnavailableError(`pocketsphinx_batch is not installed: ${INSTALL_HINT}`);
        }
        throw new AsrUnavailableError(`pocketsphinx_batch failed: ${(await lastLoggedError(dir, log)) ?? (err as Error).message.split('\n')[0]}`);
      }
      for (const line of (await readFile(ctm, 'utf8').catch(() => '')).split('\n')) {
        const decoded = ctmWord(line);
        const index = Number(/^seg(\d+)$/.exec(decoded?.utterance ?? '')?.[1] ?? NaN);
        if (!decoded || !Number.isInteger(index) || index >= segments.length) continue;
        words[index].push(decoded.word);
      }
    }),
  );
  return words;
}

/** Writes the recording where pocketsphinx can read it, runs `work`, and cleans up. */
async function withRecording<T>(samples16k: Float32Array, work: (dir: string) => Promise<T>): Promise<T> {
  if (!modelsInstalled()) {
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
export async function recognizeSegments(samples16k: Float32Array, segments: Segment[], opts: RecognizeOptions = {}): Promise<RecognizedUtterance[]> {
  if (segments.length === 0) return [];
  const decoded = await withRecording(samples16k, (dir) => decodeSegments(samples16k, segments, [...OPEN_LM_ARGS], opts.padMs ?? DEFAULT_PAD_MS, dir, opts.processes));
  return decoded.map(utterance);
}

/** Decoded words as a recognized utterance. Pure. */
function utterance(words: DecodedWord[]): RecognizedUtterance {
  return {
    text: words.map((w) => w.word).join(' '),
    confidence: words.length ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0,
    words: words.map((w) => w.word),
    wordConfidences: words.map((w) => w.confidence),
  };
}

/**
 * The closed list of short responses that recognizeShortResponses chooses from: acknowledgements
 * and the short answers and requests they must be told apart from.
 */
export const SHORT_RESPONSES = [
  'mhm',
  'hmm',
  'mm',
  'uh-huh',
  'uh',
  'um',
  'oh',
  'okay',
  'yeah',
  'yep',
  'right',
  'alright',
  'sure',
  'i see',
  'got it',
  'yes',
  'no',
  'nope',
  'hello',
  'hi',
  'thanks',
  'thank you',
  'bye',
  'goodbye',
  'help',
  'agent',
  'operator',
  'representative',
  'human',
  'person',
  'stop',
  'wait',
  'what',
  'sorry',
  'please',
  'repeat',
  'cancel',
  'refund',
] as const;

/**
 * Decodes short segments against the closed list SHORT_RESPONSES instead of the open
 * vocabulary, returning the phrase that fits each segment best. A forced choice: every segment
 * gets one of the phrases, whatever was said, so use it only to decide between them where the
 * open decoder is unsure (a one-word "yeah" in line noise comes out of the language model as
 * "you have"). Effects and errors as recognizeSegments.
 */
export async function recognizeShortResponses(samples16k: Float32Array, segments: Segment[], opts: RecognizeOptions = {}): Promise<string[]> {
  if (segments.length === 0) return [];
  const decoded = await withRecording(samples16k, async (dir) => {
    const grammar = join(dir, 'short.gram');
    await writeFile(grammar, SHORT_GRAMMAR);
    return decodeSegments(samples16k, segments, ['-jsgf', grammar], opts.padMs ?? DEFAULT_PAD_MS, dir, opts.processes);
  });
  return decoded.map((words) => words.map((w) => w.word).join(' '));
}

const SHORT_GRAMMAR = `#JSGF V1.0;\ngrammar short;\npublic <short> = ${SHORT_RESPONSES.join(' | ')};\n`;
/** Samples pocketsphinx reads past a segment's last frame for its last analysis window (-wlen 0.025625 s at 16 kHz). */
const WINDOW_SAMPLES = 410;
/** 10 ms of silence decoded after every utterance: its result line says the utterance's words are all written. */
const MARK_FILE = 'mark';
/** The line the shell writes after pocketsphinx_batch, however it ended. */
const EXITED_MARK = 'callsim: pocketsphinx_batch exited';

/**
 * One pocketsphinx_batch process that stays up: the model loads once, and each utterance is a
 * WAV file in its directory named on a line of the control list it reads from its stdin. Its
 * hypotheses and word posteriors come on one pipe (stdout, written unbuffered, in order): an
 * utterance's CTM lines follow its hypothesis, and the hypothesis of the silent mark decoded
 * after it says they are complete. Utterances are decoded one at a time, in order.
 */
class BatchProcess {
  private readonly child: ChildProcess;
  /** Resolves once the process has exited and its output is closed. */
  readonly gone: Promise<void>;
  private readonly waiting: { id: string; words: DecodedWord[]; resolve: (w: DecodedWord[]) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private closed = false;
  private buffered = '';
  private next = 0;

  constructor(
    program: string,
    search: string[],
    private readonly dir: string,
    private readonly name: string,
  ) {
    writeFileSync(join(dir, `${MARK_FILE}.wav`), encodeWav16(new Float32Array(160), 16_000));
    const args = batchArgs(search, dir, { ctl: '/dev/stdin', hyp: '/dev/stdout', ctm: '/dev/stdout' });
    // its own log, not the shared one: two processes share the directory
    args[args.indexOf('-logfn') + 1] = join(dir, `${name}.log`);
    // pocketsphinx opens its control list and outputs by name, and /dev/stdin cannot be opened
    // when it is a socket (what Node gives a child for 'pipe'): `cat` puts real pipes between.
    // The first cat outlives a program that died until it next writes, and the shell's output
    // stays open while it waits for it, so the program's end is said on the output itself.
    this.child = spawn('/bin/sh', ['-c', `cat | { "$0" "$@"; echo "${EXITED_MARK} $?"; } | cat`, program, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.on('error', (err) => this.fail(err));
    this.gone = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', () => resolve());
    });
    this.child.stdin!.on('error', () => undefined); // a dead process is reported by its output
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.take(chunk));
    this.child.stdout!.on('end', () => this.exited('it exited'));
  }

  /** The program is gone while utterances may still be owed: they fail with its last logged error. */
  private exited(how: string): void {
    if (this.failure || this.closed) return;
    void lastLoggedError(this.dir, `${this.name}.log`).then((lastError) => this.fail(new AsrUnavailableError(`pocketsphinx_batch failed: ${lastError ?? how}`)));
  }

  /** Decodes one utterance (16 kHz samples, the whole file). Effects: writes and removes a WAV file. */
  decode(samples16k: Float32Array): Promise<DecodedWord[]> {
    if (this.closed) return new Promise(() => undefined); // abandoned, as those pending at close()
    if (this.failure) return Promise.reject(this.failure);
    const id = `u${this.next++}`;
    writeFileSync(join(this.dir, `${this.name}-${id}.wav`), encodeWav16(samples16k, 16_000));
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, words: [], resolve, reject });
      this.child.stdin!.write(`${this.name}-${id} 0 -1 ${id}\n${MARK_FILE} 0 -1 ${id}-done\n`);
    });
  }

  /** Ends the process (its control list ends; it exits). Pending and later decodes are abandoned: they never settle. */
  close(): void {
    this.closed = true;
    this.waiting.splice(0);
    this.child.stdin!.end();
  }

  private take(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.startsWith(EXITED_MARK)) {
        this.exited(`it exited with status ${line.slice(EXITED_MARK.length + 1)}`);
        continue;
      }
      const head = this.waiting[0];
      if (!head) continue;
      // a hypothesis line ends with "(<utterance id> <score>)"
      const hypothesisOf = /\((\S+) -?\d+\)\s*$/.exec(line)?.[1];
      if (hypothesisOf === `${head.id}-done`) {
        this.waiting.shift();
        rmSync(join(this.dir, `${this.name}-${head.id}.wav`), { force: true });
        head.resolve(head.words);
      } else if (hypothesisOf === undefined) {
        const decoded = ctmWord(line);
        if (decoded?.utterance === head.id) head.words.push(decoded.word);
      }
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}

/** LiveRecognizer's directories: the prefix, then the pid of the process that owns it. */
const LIVE_DIR_PREFIX = 'callsim-live-asr-';
/** A directory of the old name (no pid) this long untouched belongs to no running call. */
const UNOWNED_DIR_STALE_MS = 24 * 3600_000;

/**
 * Removes the LiveRecognizer directories in `parent` left by calls that were killed (close()
 * never ran): those whose owning process is gone, and those of the old pid-less name untouched
 * for a day. Others' directories, and whatever cannot be removed, are left alone. Returns the
 * names removed. Effects: deletes directories.
 */
export function removeStaleLiveDirs(parent: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(LIVE_DIR_PREFIX)) continue;
    const owner = /^(\d+)-/.exec(name.slice(LIVE_DIR_PREFIX.length));
    try {
      const stale = owner ? !processAlive(Number(owner[1])) : now - statSync(join(parent, name)).mtimeMs > UNOWNED_DIR_STALE_MS;
      if (!stale) continue;
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/**
 * Recognition for a live call, where utterances arrive one by one: one pocketsphinx_batch per
 * search (open vocabulary, and the closed list of SHORT_RESPONSES) kept running for the call, so
 * the model is loaded once, not per utterance. Given the same audio it hears exactly what
 * recognizeSegments and recognizeShortResponses hear. Effects: starts two processes and a
 * temporary directory named with this process's pid (removes those of killed calls first);
 * close() ends them and removes it.
 */
export class LiveRecognizer {
  private readonly dir: string;
  private readonly open: BatchProcess;
  private readonly short: BatchProcess;
  private readonly padMs: number;

  private constructor(program: string, opts: RecognizeOptions) {
    this.padMs = opts.padMs ?? DEFAULT_PAD_MS;
    this.dir = mkdtempSync(join(tmpdir(), `${LIVE_DIR_PREFIX}${process.pid}-`));
    writeFileSync(join(this.dir, 'short.gram'), SHORT_GRAMMAR);
    this.open = new BatchProcess(program, [...OPEN_LM_ARGS], this.dir, 'open');
    this.short = new BatchProcess(program, ['-jsgf', join(this.dir, 'short.gram')], this.dir, 'short');
  }

  /**
   * Starts the recognizer processes; the models load while the call goes on. Throws
   * AsrUnavailableError when pocketsphinx or its English models are not installed.
   */
  static start(opts: RecognizeOptions = {}): LiveRecognizer {
    const program = (process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'pocketsphinx_batch'))
      .find((p) => existsSync(p));
    if (!program) throw new AsrUnavailableError(`pocketsphinx_batch is not installed: ${INSTALL_HINT}`);
    if (!modelsInstalled()) {
      throw new AsrUnavailableError(`pocketsphinx English models not found in ${MODEL_DIR}: ${INSTALL_HINT}`);
    }
    removeStaleLiveDirs(tmpdir());
    return new LiveRecognizer(program, opts);
  }

  /**
   * What recognizeSegments hears in `segment` of the 16 kHz audio heard so far, with padding
   * that reaches back no further than the previous segment's end (and forward no further than
   * the audio there is, or nextStartMs).
   */
  async recognize(samples16k: Float32Array, segment: Segment, around: { previousEndMs: number; nextStartMs?: number }): Promise<RecognizedUtterance> {
    return utterance(await this.open.decode(this.audioFor(samples16k, segment, around)));
  }

  /** What recognizeShortResponses chooses for `segment`, as recognize() takes it. */
  async recognizeShortResponse(samples16k: Float32Array, segment: Segment, around: { previousEndMs: number; nextStartMs?: number }): Promise<string> {
    const words = await this.short.decode(this.audioFor(samples16k, segment, around));
    return words.map((w) => w.word).join(' ');
  }

  /** Ends both processes and removes their directory (again once they have exited). Effects: as said. */
  close(): void {
    this.open.close();
    this.short.close();
    // a process still starting may write its log into the directory while it is removed
    // (ENOTEMPTY): what is left goes once both have exited, or at a later start if we are killed
    const remove = (): void => {
      try {
        rmSync(this.dir, { recursive: true, force: true });
      } catch {
        // retried below
      }
    };
    remove();
    void Promise.all([this.open.gone, this.short.gone]).then(remove);
  }

  /** Exactly the samples pocketsphinx_batch reads for the segment's frame range of the whole recording. */
  private audioFor(samples16k: Float32Array, segment: Segment, around: { previousEndMs: number; nextStartMs?: number }): Float32Array {
    const totalFrames = Math.floor(samples16k.length / 16 / FRAME_MS);
    const { fromFrame, toFrame } = decodeRange(segment, around.previousEndMs, around.nextStartMs ?? Infinity, this.padMs, totalFrames);
    const samplesPerFrame = 16 * FRAME_MS;
    return samples16k.subarray(fromFrame * samplesPerFrame, Math.min(samples16k.length, toFrame * samplesPerFrame + WINDOW_SAMPLES));
  }
}

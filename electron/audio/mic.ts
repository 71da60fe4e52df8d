// Live audio sources: the microphone, and a WAV file played as if it were one. Both emit 16 kHz
// mono float chunks stamped with their time in the stream, so the live pipeline (VAD, barge-in,
// dead air) cannot tell them apart and tests need no sound card.

import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TARGET_RATE, to16kMono } from './resample.ts';
import { readWavFile, type ChannelChoice } from './wav.ts';

/** Every source emits 16 kHz mono, what VAD and ASR take. */
export const SOURCE_SAMPLE_RATE = TARGET_RATE;
/** 512 samples: one VAD frame. */
const DEFAULT_CHUNK_SAMPLES = 512;

export type AudioSourceEvent =
  /** `atMs`: time of the chunk's first sample from the start of the stream, counted in samples (not read from a clock). */
  | { type: 'audio.chunk'; samples: Float32Array; atMs: number }
  /** The stream is over (end of file, or stop()); `atMs` is the time just after the last sample. */
  | { type: 'audio.ended'; atMs: number }
  | { type: 'audio.error'; error: Error };

/** A stream of 16 kHz mono audio. Listeners see every event from start() until audio.ended or audio.error. */
export interface AudioSource {
  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: (event: AudioSourceEvent) => void): () => void;
  /** Starts the stream. Rejects if it cannot start (no such file, no recorder program). */
  start(): Promise<void>;
  /** Stops the stream; emits audio.ended unless it had already ended. */
  stop(): void;
}

/** The microphone could not be opened. */
export class MicrophoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

/** Re-chunks a stream of samples into fixed-size chunks and keeps the sample count for their times. */
class Chunker {
  private pending: Float32Array;
  private filled = 0;
  private emitted = 0;

  constructor(private readonly chunkSamples: number) {
    this.pending = new Float32Array(chunkSamples);
  }

  /** Time just after the last sample that went in. */
  get endMs(): number {
    return ((this.emitted + this.filled) / SOURCE_SAMPLE_RATE) * 1000;
  }

  push(samples: Float32Array, emit: (chunk: Float32Array, atMs: number) => void): void {
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(this.chunkSamples - this.filled, samples.length - at);
      this.pending.set(samples.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.chunkSamples) this.flush(emit);
    }
  }

  flush(emit: (chunk: Float32Array, atMs: number) => void): void {
    if (this.filled === 0) return;
    const chunk = this.pending.slice(0, this.filled);
    emit(chunk, (this.emitted / SOURCE_SAMPLE_RATE) * 1000);
    this.emitted += this.filled;
    this.filled = 0;
  }
}

/** Shared listener bookkeeping for the two sources. */
abstract class BaseSource implements AudioSource {
  private readonly listeners = new Set<(event: AudioSourceEvent) => void>();
  protected ended = false;

  subscribe(listener: (event: AudioSourceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(event: AudioSourceEvent): void {
    if (this.ended) return;
    if (event.type !== 'audio.chunk') this.ended = true;
    for (const listener of [...this.listeners]) listener(event);
  }

  abstract start(): Promise<void>;
  abstract stop(): void;
}

export interface MicrophoneOptions {
  /** The program that records: 'sox' (default, `sox --default-device`), 'rec' or 'arecord'. */
  recorder?: 'sox' | 'rec' | 'arecord';
  /** A device name for the recorder (ALSA name for arecord, AUDIODEV for sox). */
  device?: string;
  /** Samples per emitted chunk; default 512 (32 ms, one VAD frame). */
  chunkSamples?: number;
}

interface Recording {
  process: ChildProcess;
  stream(): Readable;
  stop(): void;
}
interface RecordModule {
  record(options: Record<string, unknown>): Recording;
}

const RECORDER_PACKAGES: Record<NonNullable<MicrophoneOptions['recorder']>, string> = {
  sox: 'sox',
  rec: 'sox',
  arecord: 'alsa-utils',
};

/**
 * The microphone, through node-record-lpcm16 (which runs sox, rec or arecord and reads raw
 * 16 kHz mono 16-bit PCM from its output). Effects: starts a recorder process; stop() kills it.
 */
export class MicrophoneSource extends BaseSource {
  private recording: Recording | null = null;
  private readonly chunker: Chunker;
  private carry: number | null = null; // a byte of a sample split across two reads

  constructor(private readonly opts: MicrophoneOptions = {}) {
    super();
    this.chunker = new Chunker(opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES);
  }

  start(): Promise<void> {
    if (this.recording) return Promise.reject(new Error('MicrophoneSource.start: already started'));
    const recorder = this.opts.recorder ?? 'sox';
    const { record } = createRequire(import.meta.url)('node-record-lpcm16') as RecordModule;
    const recording = record({
      sampleRate: SOURCE_SAMPLE_RATE,
      channels: 1,
      audioType: 'raw',
      recorder,
      device: this.opts.device,
    });
    this.recording = recording;
    return new Promise((resolve, reject) => {
      let started = false;
      const fail = (message: string): void => {
        const error = new MicrophoneError(message);
        if (!started) reject(error);
        else this.emit({ type: 'audio.error', error });
      };
      recording.process.once('error', (err: NodeJS.ErrnoException) => {
        fail(err.code === 'ENOENT' ? `microphone: ${recorder} is not installed: apt-get install ${RECORDER_PACKAGES[recorder]}` : `microphone: ${recorder} could not start: ${err.message}`);
      });
      recording.process.once('spawn', () => {
        started = true;
        resolve();
      });
      const stderr: string[] = [];
      recording.process.stderr?.on('data', (data: Buffer) => stderr.push(data.toString()));
      recording.process.once('close', (code) => {
        if (code !== 0 && code !== null && !this.ended) {
          const detail = stderr.join('').trim().split('\n').pop();
          fail(`microphone: ${recorder} exited with code ${code}${detail ? `: ${detail}` : ''}`);
        } else {
          this.finish();
        }
      });
      const stream = recording.stream();
      // The library re-emits a recorder failure as an 'error' string on the stream; the
      // close handler above reports it with the recorder's own message.
      stream.on('error', () => undefined);
      stream.on('data', (data: Buffer) => this.onData(data));
    });
  }

  stop(): void {
    if (!this.recording) return;
    this.recording.process.kill();
    this.finish();
  }

  private finish(): void {
    this.chunker.flush((samples, atMs) => this.emit({ type: 'audio.chunk', samples, atMs }));
    this.emit({ type: 'audio.ended', atMs: this.chunker.endMs });
  }

  private onData(data: Buffer): void {
    let bytes: Uint8Array = data;
    if (this.carry !== null) {
      bytes = new Uint8Array(data.length + 1);
      bytes[0] = this.carry;
      bytes.set(data, 1);
      this.carry = null;
    }
    const whole = bytes.length - (bytes.length % 2);
    if (whole < bytes.length) this.carry = bytes[bytes.length - 1];
    const view = new DataView(bytes.buffer, bytes.byteOffset, whole);
    const samples = new Float32Array(whole / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    this.chunker.push(samples, (chunk, atMs) => this.emit({ type: 'audio.chunk', samples: chunk, atMs }));
  }
}

export interface WavFileSourceOptions {
  /** 'realtime' (default): one chunk per chunk-duration of wall-clock time, as a live call; 'fast': as fast as listeners take them. */
  pace?: 'realtime' | 'fast';
  /** Which channel of a stereo file is the caller; default 'mix'. */
  channel?: ChannelChoice;
  /** Samples per emitted chunk; default 512 (32 ms). */
  chunkSamples?: number;
}

/**
 * A WAV file streamed like a microphone: decoded and converted to 16 kHz mono, then emitted in
 * chunks paced on the wall clock (or as fast as possible). Effects: reads the file on start();
 * uses timers. A file that cannot be used rejects start() with its AudioInputError.
 */
export class WavFileSource extends BaseSource {
  private cancelNext: (() => void) | null = null;
  private stopped = false;
  /** Time just after the last emitted sample. */
  private emittedUntilMs = 0;

  constructor(
    private readonly path: string,
    private readonly opts: WavFileSourceOptions = {},
  ) {
    super();
  }

  async start(): Promise<void> {
    const wav = readWavFile(this.path, { channel: this.opts.channel });
    const samples = await to16kMono(wav);
    if (this.stopped) return;
    const fast = this.opts.pace === 'fast';
    const chunkSamples = this.opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES;
    const chunkMs = (chunkSamples / SOURCE_SAMPLE_RATE) * 1000;
    const chunkCount = Math.ceil(samples.length / chunkSamples);
    let next = 0;
    const startedAt = performance.now();
    const schedule = (step: () => void, delayMs: number): void => {
      if (fast) {
        const immediate = setImmediate(step);
        this.cancelNext = () => clearImmediate(immediate);
      } else {
        const timer = setTimeout(step, Math.max(0, delayMs));
        this.cancelNext = () => clearTimeout(timer);
      }
    };
    const step = (): void => {
      this.cancelNext = null;
      // Real time: a chunk is available once its last sample has been "spoken", as from a
      // sound card; every chunk that is due by now goes out (catching up after a late timer).
      // Fast: one chunk per turn of the event loop, so listeners and stop() get their turn.
      const elapsedMs = performance.now() - startedAt;
      do {
        if (next >= chunkCount) break;
        const from = next * chunkSamples;
        const chunk = samples.slice(from, from + chunkSamples);
        const atMs = (from / SOURCE_SAMPLE_RATE) * 1000;
        next++;
        this.emittedUntilMs = atMs + (chunk.length / SOURCE_SAMPLE_RATE) * 1000;
        this.emit({ type: 'audio.chunk', samples: chunk, atMs });
        if (this.stopped) return;
      } while (!fast && (next + 1) * chunkMs <= elapsedMs);
      if (next >= chunkCount) {
        this.emit({ type: 'audio.ended', atMs: this.emittedUntilMs });
        return;
      }
      schedule(step, (next + 1) * chunkMs - (performance.now() - startedAt));
    };
    schedule(step, fast ? 0 : chunkMs);
  }

  stop(): void {
    this.stopped = true;
    this.cancelNext?.();
    this.cancelNext = null;
    this.emit({ type: 'audio.ended', atMs: this.emittedUntilMs });
  }
}

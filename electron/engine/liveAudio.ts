import type { CallEvent, WorldEvent } from '../../shared/events.ts';
import { LiveRecognizer } from '../audio/asr.ts';
import type { AudioSource } from '../audio/mic.ts';
import { hearLiveSegment } from '../audio/pipeline.ts';
import { frameEnergyDb, SileroVad, SpeechSegmenter, VAD_FRAME_SAMPLES } from '../audio/vad.ts';
import { pcm16Base64 } from './audioCall.ts';

/** How the live caller reaches the running call: events delivered at the wall clock's now. */
export interface LiveCallInput {
  /** Delivers a machine event at the call's current time (journaled first). */
  inject(event: CallEvent): void;
  /** Journals a world event (caller audio, a backchannel) at the call's current time. */
  record(event: WorldEvent): void;
  /** Registers work the call waits on (recognition), so errors fail the call. */
  track(work: Promise<unknown>): void;
  /** Delivers what recognition heard, through the plan's `asr` faults. */
  recognized(text: string, confidence: number): void;
}

/**
 * A caller on a live audio stream (the microphone, or a WAV file paced in real time): Silero
 * VAD on each 512-sample frame, the speech segmenter on top, recognition of each finished
 * segment by a recognizer kept running for the call (the model loads once, not per utterance);
 * backchannels ("mhm", "okay") are journaled. Every result is journaled as it happens, so the
 * call replays without the audio pipeline. Effects: reads the stream, runs the VAD model and
 * the recognizer.
 */
export class LiveAudioCaller {
  private samples = new Float32Array(16_000 * 60);
  private sampleCount = 0;
  private chain: Promise<void> = Promise.resolve();
  private openStartMs: number | null = null;
  private previousEndMs = 0;
  private unsubscribe: (() => void) | null = null;
  private ended = false;

  private constructor(
    private readonly source: AudioSource,
    private readonly vad: SileroVad,
    private readonly segmenter: SpeechSegmenter,
    private readonly recognizer: LiveRecognizer,
    private readonly input: LiveCallInput,
    private readonly onEnd: () => void,
    /** Call time (ms) at which the stream's first sample was heard. */
    private readonly origin: number,
  ) {}

  /** Loads the VAD model, starts the recognizer and starts listening. */
  static async start(source: AudioSource, input: LiveCallInput, o: { endOfTurnSilenceMs: number; onEnd: () => void; originMs: number }): Promise<LiveAudioCaller> {
    const vad = await SileroVad.load();
    const caller = new LiveAudioCaller(source, vad, new SpeechSegmenter({ endSilenceMs: o.endOfTurnSilenceMs }), LiveRecognizer.start(), input, o.onEnd, o.originMs);
    caller.unsubscribe = source.subscribe((e) => {
      if (e.type === 'audio.chunk') caller.enqueue(() => caller.onChunk(e.samples));
      else if (e.type === 'audio.ended') caller.enqueue(async () => caller.finish());
      else caller.input.track(Promise.reject(e.error));
    });
    await source.start();
    return caller;
  }

  /** Stops listening (the call ended) and ends the recognizer. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    this.source.stop();
    this.recognizer.close();
  }

  /** Resolves when every chunk received so far has been processed. */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step);
    this.input.track(this.chain);
  }

  private async onChunk(chunk: Float32Array): Promise<void> {
    if (this.ended) return;
    this.keep(chunk);
    for (let at = 0; at + VAD_FRAME_SAMPLES <= chunk.length; at += VAD_FRAME_SAMPLES) {
      const frame = chunk.subarray(at, at + VAD_FRAME_SAMPLES);
      const p = await this.vad.process(frame);
      for (const e of this.segmenter.push(p, frameEnergyDb(frame))) this.onSpeech(e.type, e.atMs);
    }
  }

  private onSpeech(type: 'speech.started' | 'speech.ended', atMs: number): void {
    if (type === 'speech.started') {
      // Not a turn yet: it may be a backchannel. The machine hears of it now, and
      // recognition decides at the end whether it counted.
      this.openStartMs = atMs;
      this.input.inject({ type: 'caller.speech.started', speechAtMs: this.origin + atMs });
      return;
    }
    const startMs = this.openStartMs ?? atMs;
    this.openStartMs = null;
    this.input.inject({ type: 'caller.speech.ended', speechAtMs: this.origin + atMs });
    this.input.record({ type: 'caller.audio', startMs, endMs: atMs, sampleRate: 16000, pcm16: pcm16Base64(this.slice(startMs, atMs)) });
    const previousEndMs = this.previousEndMs;
    this.previousEndMs = atMs;
    this.input.track(
      hearLiveSegment(this.recognizer, this.samples.subarray(0, this.sampleCount), { startMs, endMs: atMs }, { previousEndMs }).then((heard) => {
        if (this.ended) return;
        if (heard.backchannel) this.input.record({ type: 'caller.backchannel', startMs, endMs: atMs, text: heard.text });
        this.input.recognized(heard.text, heard.confidence);
      }),
    );
  }

  private async finish(): Promise<void> {
    for (const e of this.segmenter.flush()) this.onSpeech(e.type, e.atMs);
    this.onEnd();
  }

  /** Appends a chunk to the stream's samples. */
  private keep(chunk: Float32Array): void {
    if (this.sampleCount + chunk.length > this.samples.length) {
      const grown = new Float32Array(Math.max(this.samples.length * 2, this.sampleCount + chunk.length));
      grown.set(this.samples.subarray(0, this.sampleCount));
      this.samples = grown;
    }
    this.samples.set(chunk, this.sampleCount);
    this.sampleCount += chunk.length;
  }

  /** The stream's samples between two times (ms from its start). */
  private slice(fromMs: number, toMs: number): Float32Array {
    return this.samples.slice(Math.floor(fromMs * 16), Math.min(this.sampleCount, Math.ceil(toMs * 16)));
  }
}

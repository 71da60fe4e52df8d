import type { CallEvent, WorldEvent } from '../../shared/events.ts';
import { DEFAULT_PAD_MS, LiveRecognizer } from '../audio/asr.ts';
import type { AudioSource } from '../audio/mic.ts';
import { BACKCHANNEL_MAX_MS, hearLiveSegment, type AnalyzedSegment } from '../audio/pipeline.ts';
import { frameEnergyDb, SileroVad, SpeechSegmenter, VAD_FRAME_MS, VAD_FRAME_SAMPLES } from '../audio/vad.ts';
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
  /** Whether the agent's voice is playing now (from its agent.speak to its end or stop). */
  agentSpeaking(): boolean;
  /** The policy's bargeInMinSpeechMs now (it may be changed during the call). */
  bargeInMinSpeechMs(): number;
  /** Resolves once `ms` have passed on the call's clock, after the machine's own timers due then. */
  later(ms: number): Promise<void>;
  /** The call's time now (ms). */
  now(): number;
}

/**
 * Silence after which live speech counts as stopped. The call machine waits
 * endOfTurnSilenceMs after that before it takes the turn, so this is kept as short as the VAD
 * allows: Silero's score dips below the stop threshold between words for up to ~100 ms (at
 * 96 ms it splits a sentence of librivox-call; at 128 ms the sample calls split only where
 * cards-call-8k pauses inside a command). A pause that long inside a turn is a pause to the
 * machine (callerPaused), and the caller's next words continue the same turn.
 */
export const LIVE_PAUSE_MS = 128;

/** A stretch of caller speech the segmenter has confirmed and not yet ended. */
interface OpenStretch {
  /** ms from the start of the stream, where the speech started. */
  startMs: number;
  /**
   * Started while the agent spoke: maybe a backchannel, so the machine has not heard of it.
   * It becomes a turn once it outlasts BACKCHANNEL_MAX_MS, or when recognition says so.
   */
  held: boolean;
}

/**
 * A caller on a live audio stream (the microphone, or a WAV file paced in real time): Silero
 * VAD on each 512-sample frame, the speech segmenter on top, recognition of each finished
 * stretch by a recognizer kept running for the call. Backchannels are classified as the
 * offline path does (isBackchannel): caller speech that starts while the agent is speaking is
 * held back from the machine until it lasts longer than any backchannel (BACKCHANNEL_MAX_MS)
 * or has ended and been recognised; a backchannel is journaled and dropped, neither stopping
 * the agent nor becoming a turn; anything else is delivered, with its true start and end, as
 * the offline path would have (a barge-in if it lasted bargeInMinSpeechMs). Speech is ended
 * LIVE_PAUSE_MS into the silence, stamped where it stopped, so endOfTurnSilenceMs is the
 * machine's wait alone. Every result is journaled as it happens, so the call replays without
 * the audio pipeline. Effects: reads the stream, runs the VAD model and the recognizer.
 */
export class LiveAudioCaller {
  private samples = new Float32Array(16_000 * 60);
  private sampleCount = 0;
  private frames = 0;
  private chain: Promise<void> = Promise.resolve();
  /** What the machine hears of caller speech, in order: a held stretch holds back what follows it. */
  private speech: Promise<unknown> = Promise.resolve();
  /** Recognition results, delivered in the order the stretches ended, each after its stretch's end. */
  private results: Promise<unknown> = Promise.resolve();
  private open: OpenStretch | null = null;
  private previousEndMs = 0;
  /** Ended stretches waiting for the audio after them that recognition pads them with. */
  private awaitingPadding: { untilMs: number; go: (nextStartMs?: number) => void }[] = [];
  /** Call time (ms) of the stream's first sample. */
  private origin: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private ended = false;

  private constructor(
    private readonly source: AudioSource,
    private readonly vad: Promise<SileroVad>,
    private readonly segmenter: SpeechSegmenter,
    private readonly recognizer: LiveRecognizer,
    private readonly input: LiveCallInput,
    private readonly onEnd: () => void,
  ) {}

  /** Loads the VAD model, starts the recognizer and starts listening. */
  static async start(source: AudioSource, input: LiveCallInput, o: { endOfTurnSilenceMs: number; onEnd: () => void }): Promise<LiveAudioCaller> {
    // The stream starts at once, with the call: what it brings while the model loads waits in the queue.
    const vad = SileroVad.load();
    input.track(vad);
    const segmenter = new SpeechSegmenter({ endSilenceMs: Math.min(LIVE_PAUSE_MS, o.endOfTurnSilenceMs) });
    const caller = new LiveAudioCaller(source, vad, segmenter, LiveRecognizer.start(), input, o.onEnd);
    caller.unsubscribe = source.subscribe((e) => {
      if (e.type === 'audio.chunk') {
        // The stream's time 0 is no later than a chunk's arrival less the audio up to its end;
        // the earliest such time is the best estimate (a chunk may come late, never early).
        const origin = input.now() - (e.atMs + e.samples.length / 16);
        caller.origin = Math.min(caller.origin ?? origin, origin);
        caller.enqueue(() => caller.onChunk(e.samples));
      } else if (e.type === 'audio.ended') caller.enqueue(async () => caller.finish());
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
      const p = await (await this.vad).process(frame);
      this.frames++;
      for (const e of this.segmenter.push(p, frameEnergyDb(frame))) this.onSpeech(e.type, e.atMs);
      this.padded();
      const open = this.open;
      if (open?.held && this.segmenter.inSpeech && this.frames * VAD_FRAME_MS - open.startMs > BACKCHANNEL_MAX_MS) {
        // longer than any backchannel: a turn, whatever its words, that has already lasted
        // longer than bargeInMinSpeechMs (the machine counts what it was held for)
        open.held = false;
        this.announce(open.startMs, this.frames * VAD_FRAME_MS - open.startMs);
      }
    }
  }

  private onSpeech(type: 'speech.started' | 'speech.ended', atMs: number): void {
    if (type === 'speech.started') {
      for (const waiting of this.awaitingPadding.splice(0)) waiting.go(atMs);
      this.open = { startMs: atMs, held: this.input.agentSpeaking() };
      if (!this.open.held) this.announce(atMs);
      return;
    }
    const stretch = this.open ?? { startMs: atMs, held: false };
    this.open = null;
    const segment = { startMs: stretch.startMs, endMs: atMs };
    this.input.record({ type: 'caller.audio', startMs: this.callMs(segment.startMs), endMs: this.callMs(segment.endMs), sampleRate: 16000, pcm16: pcm16Base64(this.slice(segment.startMs, segment.endMs)) });
    const previousEndMs = this.previousEndMs;
    this.previousEndMs = atMs;
    // Speech short enough to be a backchannel is recognised with all of the padding the offline
    // path gives it, so that it is classified the same; longer speech is a turn whatever it
    // says, and is recognised at once.
    const padding = atMs - stretch.startMs <= BACKCHANNEL_MAX_MS ? this.awaitPadding(atMs + DEFAULT_PAD_MS) : Promise.resolve(undefined);
    const heard = padding.then((nextStartMs) => hearLiveSegment(this.recognizer, this.samples.subarray(0, this.sampleCount), segment, { previousEndMs, nextStartMs }));
    this.input.track(heard);
    const delivered = stretch.held ? this.after(() => this.decideHeld(segment, heard)) : this.after(async () => this.speechEnded(atMs));
    this.results = this.results.then(() => Promise.all([delivered, heard])).then(([turn, h]) => {
      if (turn !== false && !this.ended) this.input.recognized(h.text, h.confidence);
    });
    this.input.track(this.results);
  }

  /**
   * A held stretch that ended within BACKCHANNEL_MAX_MS, now recognised: a backchannel is
   * journaled and goes no further; anything else is the start and end of a turn, delivered as
   * the offline path delivers them (the end bargeInMinSpeechMs after the start when the speech
   * lasted that long, so that over the agent it is a barge-in). Resolves false for a backchannel.
   */
  private async decideHeld(segment: { startMs: number; endMs: number }, heard: Promise<AnalyzedSegment>): Promise<boolean> {
    const h = await heard;
    if (this.ended) return false;
    if (h.backchannel) {
      this.input.record({ type: 'caller.backchannel', startMs: this.callMs(segment.startMs), endMs: this.callMs(segment.endMs), text: h.text });
      return false;
    }
    this.input.inject({ type: 'caller.speech.started', speechAtMs: this.callMs(segment.startMs) });
    const bargeInMs = this.input.bargeInMinSpeechMs();
    if (segment.endMs - segment.startMs >= bargeInMs && this.input.agentSpeaking()) await this.input.later(bargeInMs);
    this.speechEnded(segment.endMs);
    return true;
  }

  /** The machine hears that speech started at `atMs` (after anything held before it), `spokenMs` ago. */
  private announce(atMs: number, spokenMs?: number): void {
    void this.after(async () => {
      if (!this.ended) this.input.inject({ type: 'caller.speech.started', speechAtMs: this.callMs(atMs), ...(spokenMs ? { spokenMs: Math.round(spokenMs) } : {}) });
    });
  }

  private speechEnded(atMs: number): void {
    if (!this.ended) this.input.inject({ type: 'caller.speech.ended', speechAtMs: this.callMs(atMs) });
  }

  /** Runs `step` once what the machine was to hear before it has been delivered. */
  private after<T>(step: () => Promise<T>): Promise<T> {
    const done = this.speech.then(step);
    this.speech = done;
    this.input.track(done);
    return done;
  }

  /** Resolves when the stream reaches `untilMs`, or ends, or (with its start) when the next speech starts. */
  private awaitPadding(untilMs: number): Promise<number | undefined> {
    return new Promise((go) => {
      this.awaitingPadding.push({ untilMs, go });
      this.padded();
    });
  }

  /** Lets go of the stretches whose padding has been heard. */
  private padded(): void {
    const heardMs = this.sampleCount / 16;
    const ready = this.awaitingPadding.filter((waiting) => waiting.untilMs <= heardMs);
    this.awaitingPadding = this.awaitingPadding.filter((waiting) => waiting.untilMs > heardMs);
    for (const waiting of ready) waiting.go();
  }

  private async finish(): Promise<void> {
    for (const e of this.segmenter.flush()) this.onSpeech(e.type, e.atMs);
    for (const waiting of this.awaitingPadding.splice(0)) waiting.go();
    // the hang-up comes after whatever the caller said before it, words included: a result
    // still being decoded when the stream ends is the caller's last turn, not lost to the hang-up
    void this.after(async () => {
      await this.results.catch(() => undefined); // a failed recognition is reported where it is tracked
      this.onEnd();
    });
  }

  /** The call time of a time in the stream (ms from its start); whole ms, as the journal's clock. */
  private callMs(streamMs: number): number {
    // audio a source buffered before the call started is placed at its start
    return Math.max(0, Math.round((this.origin ?? 0) + streamMs));
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

import type { CallEvent, WorldEvent } from '../../shared/events.ts';
import { DEFAULT_PAD_MS, LiveRecognizer } from '../audio/asr.ts';
import type { AudioSource } from '../audio/mic.ts';
import { BACKCHANNEL_MAX_MS, hearLiveSegment, pcm16Base64, type AnalyzedSegment } from '../audio/pipeline.ts';
import { frameEnergyDb, SileroVad, SpeechSegmenter, VAD_FRAME_MS, VAD_FRAME_SAMPLES } from '../audio/vad.ts';
import { StreamingRecognizer, type StreamingOptions } from '../audio/streamingAsr.ts';
import { partialIsTurn } from '../../shared/backchannel.ts';

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
  /**
   * Moves the call's clock to `callMs` (never back) and runs the machine up to it: the caller's
   * audio is the call's clock while it streams.
   */
  advanceTo(callMs: number): void;
  /** The stream is over and everything it said delivered: from here the call's clock runs on the wall clock. */
  release(): void;
}

/**
 * How long after a stretch ends (and after the audio it is padded with) its words reach the
 * machine, on the stream's clock. Recognition answers in 0.2–0.3 s here when the machine is
 * quiet; the answer is delivered at this time whatever it took, the stream's clock waiting for
 * it if it takes longer, so that a call is the same on a busy machine as on a quiet one. It is
 * shorter than endOfTurnSilenceMs's default, so the words come before the turn is taken.
 */
export const LIVE_RECOGNITION_MS = 300;

/** A recognition answer owed to the machine, delivered at `dueMs` on the stream's clock. */
interface OwedAnswer {
  dueMs: number;
  heard: Promise<AnalyzedSegment>;
  deliver: (h: AnalyzedSegment) => void;
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

/**
 * How often a held stretch's streaming recognition is asked for its words so far: at each
 * multiple of this much audio after the stretch's detected start (8 VAD frames), each answer
 * awaited before the stream goes on, so that when a partial comes (and the turn it may decide)
 * depends on the audio alone.
 */
export const PARTIAL_STEP_MS = 256;
/** Audio before a stretch's detected start that its streaming recognition hears first (as the whole-utterance decode is padded). */
const PARTIAL_LEAD_MS = 96;

/** Partial results for live calls: on (the default, where libpocketsphinx loads), off, or with other libraries. */
export type PartialsOption = false | (StreamingOptions & { /** Where the one line saying partials are off goes (default stderr, once a process). */ notice?: (line: string) => void });

let noticeGiven = false;
const defaultNotice = (line: string): void => {
  if (noticeGiven) return;
  noticeGiven = true;
  process.stderr.write(`${line}\n`);
};

/** A stretch of caller speech the segmenter has confirmed and not yet ended. */
interface OpenStretch {
  /** ms from the start of the stream, where the speech started. */
  startMs: number;
  /**
   * Started while the agent spoke: maybe a backchannel, so the machine has not heard of it.
   * It becomes a turn once it outlasts BACKCHANNEL_MAX_MS, or when recognition says so.
   */
  held: boolean;
  /** Stream ms up to which its audio has been fed to streaming recognition; null when it is not being fed. */
  fedToMs: number | null;
  /** Stream ms of its next partial: its start plus a whole number of PARTIAL_STEP_MS. */
  partialAtMs: number;
  /** The last partial journaled for it. */
  partial: string | null;
}

/**
 * A caller on a live audio stream (the microphone, or a WAV file paced in real time): Silero
 * VAD on each 512-sample frame, the speech segmenter on top, recognition of each finished
 * stretch by a recognizer kept running for the call. Backchannels are classified as the
 * offline path does (isBackchannel), and follow the same rule: caller speech is delivered as it
 * starts, over the agent too, so the machine pauses the agent once it has lasted
 * bargeInMinSpeechMs; the end of a stretch begun over the agent waits for its recognition and
 * is delivered as a backchannel's (journaled with its words, the agent resumes, no turn) or a
 * turn's (the agent stops: a barge-in), stamped where the speech stopped. Speech is ended
 * LIVE_PAUSE_MS into the silence, stamped where it stopped, so endOfTurnSilenceMs is the
 * machine's wait alone. Every result is journaled as it happens, so the call replays without
 * the audio pipeline.
 *
 * The stream is the call's clock: its first sample is the call's time 0, and the call's time
 * moves to the end of each 32 ms frame once the VAD has heard it (advanceTo), the machine run up
 * to it before the frame's speech events are read. A recognition answer is delivered
 * LIVE_RECOGNITION_MS after its stretch (and its padding), the clock waiting for the recognizer
 * if it is slower. So every time in the journal is a function of the audio's samples, not of
 * when its chunks arrived or how busy the machine was: a WAV played as the microphone gives the
 * same call every time. On a real microphone the clock is the sound card's (it delivers samples
 * in real time); where processing falls behind, the call's clock lags the wall clock by as much
 * and catches up as the queued audio is heard. After the stream's end the clock runs on through
 * silence until the hang-up is delivered, then on the wall clock (release).
 * Effects: reads the stream, runs the VAD model and the recognizer.
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
  /** Recognition answers not yet delivered, in the order their stretches ended (dueMs ascending). */
  private owed: OwedAnswer[] = [];
  /** Where the call's clock stands on the stream's (ms from its first sample). */
  private clockMs = 0;
  private unsubscribe: (() => void) | null = null;
  private ended = false;
  /** The streaming recognizer once loaded, while it works; null when partials are off, unavailable or it failed. */
  private partialsBy: StreamingRecognizer | null = null;

  private constructor(
    private readonly source: AudioSource,
    private readonly vad: Promise<SileroVad>,
    /** Streaming recognition for partial results; null when off or unavailable (today's behaviour). */
    private readonly streaming: Promise<StreamingRecognizer | null>,
    private readonly segmenter: SpeechSegmenter,
    private readonly recognizer: LiveRecognizer,
    private readonly input: LiveCallInput,
    private readonly onEnd: () => void,
  ) {}

  /** Loads the VAD model, starts the recognizer and starts listening. */
  static async start(source: AudioSource, input: LiveCallInput, o: { endOfTurnSilenceMs: number; onEnd: () => void; partials?: PartialsOption }): Promise<LiveAudioCaller> {
    // The stream starts at once, with the call: what it brings while the model loads waits in the queue.
    const vad = SileroVad.load();
    input.track(vad);
    const partials = o.partials ?? {};
    const streaming =
      partials === false
        ? Promise.resolve(null)
        : StreamingRecognizer.load(partials).catch((err: unknown) => {
            // today's behaviour: a held stretch is decided once it has ended and been recognised
            (partials.notice ?? defaultNotice)(`callsim: live partial results off (${(err as Error).message}); barge-in is decided when the caller's speech ends`);
            return null;
          });
    const segmenter = new SpeechSegmenter({ endSilenceMs: Math.min(LIVE_PAUSE_MS, o.endOfTurnSilenceMs) });
    const caller = new LiveAudioCaller(source, vad, streaming, segmenter, LiveRecognizer.start(), input, o.onEnd);
    caller.unsubscribe = source.subscribe((e) => {
      if (e.type === 'audio.chunk') caller.enqueue(() => caller.onChunk(e.samples));
      else if (e.type === 'audio.ended') caller.enqueue(async () => caller.finish());
      else caller.input.track(Promise.reject(e.error));
    });
    try {
      await source.start();
    } catch (err) {
      // no caller is handed back to stop later: the recognizer's processes would keep the process alive
      caller.stop();
      throw err;
    }
    return caller;
  }

  /** Stops listening (the call ended) and ends the recognizer. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    this.source.stop();
    this.recognizer.close();
    void this.streaming.then((s) => s?.close());
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
      // loaded (or not) before the first frame is heard, however long that takes: whether a
      // stretch has partials does not depend on how fast the models loaded
      if (this.frames === 0) this.partialsBy = await this.streaming;
      const streaming = this.partialsBy;
      if (this.ended) return;
      this.frames++;
      // answers due within this frame first, at their own times; then the clock to its end
      await this.deliverOwed(this.frames * VAD_FRAME_MS);
      if (this.ended) return;
      this.advance(this.frames * VAD_FRAME_MS);
      for (const e of this.segmenter.push(p, frameEnergyDb(frame))) this.onSpeech(e.type, e.atMs);
      this.padded();
      const open = this.open;
      if (streaming && open?.held && open.fedToMs !== null && this.frames * VAD_FRAME_MS >= open.partialAtMs) await this.hearPartial(streaming, open);
      if (this.ended) return;
      if (open?.held && this.segmenter.inSpeech && this.frames * VAD_FRAME_MS - open.startMs > BACKCHANNEL_MAX_MS) {
        // longer than any backchannel: a turn, whatever its words (the paused agent stops
        // when it ends, or at falseInterruptionTimeoutMs)
        open.held = false;
      }
    }
  }

  private onSpeech(type: 'speech.started' | 'speech.ended', atMs: number): void {
    if (type === 'speech.started') {
      for (const waiting of this.awaitingPadding.splice(0)) waiting.go(atMs);
      // heard at once, over the agent too: the machine pauses the agent once it has lasted
      // bargeInMinSpeechMs, and hears at its end whether it was a backchannel
      const held = this.input.agentSpeaking();
      this.open = { startMs: atMs, held, fedToMs: null, partialAtMs: atMs + PARTIAL_STEP_MS, partial: null };
      this.announce(atMs);
      if (held) this.startPartials(this.open);
      return;
    }
    const stretch = this.open ?? { startMs: atMs, held: false, fedToMs: null, partialAtMs: Infinity, partial: null };
    this.open = null;
    this.endPartials(stretch);
    const segment = { startMs: stretch.startMs, endMs: atMs };
    this.input.record({
      type: 'caller.audio',
      startMs: this.callMs(segment.startMs),
      endMs: this.callMs(segment.endMs),
      sampleRate: 16000,
      pcm16: pcm16Base64(this.slice(segment.startMs, segment.endMs)),
    });
    const previousEndMs = this.previousEndMs;
    this.previousEndMs = atMs;
    // Speech short enough to be a backchannel is recognised with all of the padding the offline
    // path gives it, so that it is classified the same; longer speech is a turn whatever it
    // says, and is recognised at once.
    const short = atMs - stretch.startMs <= BACKCHANNEL_MAX_MS;
    const padding = short ? this.awaitPadding(atMs + DEFAULT_PAD_MS) : Promise.resolve(undefined);
    const heard = padding.then((nextStartMs) => hearLiveSegment(this.recognizer, this.samples.subarray(0, this.sampleCount), segment, { previousEndMs, nextStartMs }));
    this.input.track(heard);
    const dueMs = Math.max(atMs + (short ? DEFAULT_PAD_MS : 0) + LIVE_RECOGNITION_MS, this.owed.at(-1)?.dueMs ?? 0);
    const answered = new Promise<AnalyzedSegment>((deliver) => this.owed.push({ dueMs, heard, deliver }));
    const delivered = stretch.held ? this.after(() => this.decideHeld(segment, answered)) : this.after(async () => this.speechEnded(atMs));
    this.results = this.results
      .then(() => Promise.all([delivered, answered]))
      .then(([turn, h]) => {
        if (turn !== false && !this.ended) this.input.recognized(h.text, h.confidence);
      });
    this.input.track(this.results);
  }

  /**
   * Starts streaming recognition of a held stretch (when it is on): its first PARTIAL_LEAD_MS of
   * lead-in is fed with the first step. Requests are answered in order, so the feeds queued
   * after this one follow it; nothing waits on it here.
   */
  private startPartials(stretch: OpenStretch): void {
    const streaming = this.partialsBy;
    if (!streaming || this.ended) return;
    stretch.fedToMs = Math.max(0, stretch.startMs - PARTIAL_LEAD_MS);
    void streaming.start().catch(() => this.partialsFailed(streaming));
  }

  /** Streaming recognition failed (its worker died): the rest of the call is decided as without partials. */
  private partialsFailed(streaming: StreamingRecognizer): void {
    if (this.partialsBy !== streaming) return;
    this.partialsBy = null;
    if (this.open) this.open.fedToMs = null;
    streaming.close();
  }

  /** Ends a stretch's streaming recognition, if it had one; its last answer is not needed. */
  private endPartials(stretch: OpenStretch): void {
    if (stretch.fedToMs === null) return;
    stretch.fedToMs = null;
    const streaming = this.partialsBy;
    void streaming?.end().catch(() => this.partialsFailed(streaming));
  }

  /**
   * Feeds a held stretch's audio since the last step to streaming recognition and waits for its
   * words so far (the stream waits with it): journaled as a `caller.partial` when they changed,
   * and if they (with how long the speech has lasted) already make a turn by the backchannel
   * rule (partialIsTurn), the machine hears so (`caller.speech.turn`: a paused agent stops now)
   * and the stretch is no longer held. A recognizer that fails turns partials off for the call.
   */
  private async hearPartial(streaming: StreamingRecognizer, stretch: OpenStretch): Promise<void> {
    const nowMs = this.frames * VAD_FRAME_MS;
    const from = stretch.fedToMs!;
    stretch.fedToMs = nowMs;
    while (stretch.partialAtMs <= nowMs) stretch.partialAtMs += PARTIAL_STEP_MS;
    let text: string | null;
    try {
      text = await streaming.feed(this.slice(from, nowMs));
    } catch {
      this.partialsFailed(streaming);
      stretch.fedToMs = null;
      return;
    }
    if (this.ended || text === null) return;
    if (text !== stretch.partial) {
      stretch.partial = text;
      this.input.record({ type: 'caller.partial', atMs: this.callMs(nowMs), text });
    }
    if (!stretch.held || this.open !== stretch || !partialIsTurn({ words: text.split(' '), durationMs: nowMs - stretch.startMs })) return;
    stretch.held = false;
    this.endPartials(stretch);
    void this.after(async () => {
      if (!this.ended) this.input.inject({ type: 'caller.speech.turn' });
    });
  }

  /**
   * A stretch begun over the agent that ended within BACKCHANNEL_MAX_MS, now recognised: its
   * end is delivered as a backchannel's (journaled with its words; the agent resumes, no turn)
   * or as a turn's, stamped where the speech stopped. Resolves false for a backchannel.
   */
  private async decideHeld(segment: { startMs: number; endMs: number }, heard: Promise<AnalyzedSegment>): Promise<boolean> {
    const h = await heard;
    if (this.ended) return false;
    if (h.backchannel) {
      this.input.record({ type: 'caller.backchannel', startMs: this.callMs(segment.startMs), endMs: this.callMs(segment.endMs), text: h.text, ...(h.sound ? { sound: h.sound } : {}) });
      this.input.inject({ type: 'caller.speech.ended', speechAtMs: this.callMs(segment.endMs), backchannel: true });
      return false;
    }
    this.speechEnded(segment.endMs);
    return true;
  }

  /**
   * The machine hears that speech started at `atMs` (after anything held before it), with how
   * long it has lasted by then (detection confirms a start some frames late): over the agent,
   * bargeInMinSpeechMs counts from where the speech began, as offline.
   */
  private announce(atMs: number): void {
    void this.after(async () => {
      const spokenMs = Math.round(this.clockMs - atMs);
      if (!this.ended) this.input.inject({ type: 'caller.speech.started', speechAtMs: this.callMs(atMs), ...(spokenMs > 0 ? { spokenMs } : {}) });
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

  /** Moves the call's clock to `streamMs` of the stream, running the machine up to it. */
  private advance(streamMs: number): void {
    if (streamMs <= this.clockMs) return;
    this.clockMs = streamMs;
    this.input.advanceTo(this.callMs(streamMs));
  }

  /**
   * Delivers the recognition answers due by `untilMs`, each with the clock at its due time,
   * waiting for the recognizer where it has not answered yet. Between two answers it lets what
   * each one sets off (a held stretch's decision, the words) run at that time.
   */
  private async deliverOwed(untilMs: number): Promise<void> {
    while (this.owed.length > 0 && this.owed[0].dueMs <= untilMs && !this.ended) {
      const owed = this.owed.shift()!;
      this.advance(owed.dueMs);
      const h = await owed.heard.catch((err: unknown) => {
        if (this.ended) return null; // the call ended while it was being recognised
        throw err;
      });
      if (h === null) return;
      owed.deliver(h);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Resolves when the stream reaches `untilMs`, or ends, or (with its start) when the next speech starts. */
  private awaitPadding(untilMs: number): Promise<number | undefined> {
    return new Promise((go) => {
      this.awaitingPadding.push({ untilMs, go });
      this.padded();
    });
  }

  /** Lets go of the stretches whose padding has been heard (by the VAD, so at a frame of the stream's clock). */
  private padded(): void {
    const heardMs = this.frames * VAD_FRAME_MS;
    const ready = this.awaitingPadding.filter((waiting) => waiting.untilMs <= heardMs);
    this.awaitingPadding = this.awaitingPadding.filter((waiting) => waiting.untilMs > heardMs);
    for (const waiting of ready) waiting.go();
  }

  private async finish(): Promise<void> {
    if (this.ended) return;
    for (const e of this.segmenter.flush()) this.onSpeech(e.type, e.atMs);
    for (const waiting of this.awaitingPadding.splice(0)) waiting.go();
    // the hang-up comes after whatever the caller said before it, words included: a result
    // still being decoded when the stream ends is the caller's last turn, not lost to the hang-up
    let hungUp = false;
    void this.after(async () => {
      await this.results.catch(() => undefined); // a failed recognition is reported where it is tracked
      this.onEnd();
      hungUp = true;
    });
    // silence after the end, frame by frame, until all of that has been delivered
    let atMs = this.clockMs;
    while (!hungUp && !this.ended) {
      atMs += VAD_FRAME_MS;
      await this.deliverOwed(atMs);
      this.advance(atMs);
      await new Promise((r) => setImmediate(r));
    }
    this.input.release();
  }

  /** The call time of a time in the stream (ms from its start): the same, in whole ms, as the journal's clock. */
  private callMs(streamMs: number): number {
    return Math.max(0, Math.round(streamMs));
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

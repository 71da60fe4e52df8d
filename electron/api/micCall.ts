import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../shared/validate.ts';
import type { Request } from '../../shared/ipc.ts';
import type { AudioSource, AudioSourceEvent } from '../audio/mic.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { LiveCalls } from './live.ts';
import { libraryPath } from './library.ts';
import { UnavailableError } from './errors.ts';
import { setupFor } from '../engine/setup.ts';

/** How long a source may take to deliver its first audio before it counts as not opened. */
export const firstAudioWithinMs = 5000;

/**
 * A source that is already streaming: it buffers what it hears until the call's caller
 * subscribes and starts it, then hands the buffer over and forwards the rest. Effects: none
 * beyond the source's own; stop() stops the source.
 */
class OpenedSource implements AudioSource {
  private readonly listeners = new Set<(event: AudioSourceEvent) => void>();
  private buffer: AudioSourceEvent[] | null = [];

  constructor(private readonly source: AudioSource) {
    source.subscribe((e) => {
      if (this.buffer) this.buffer.push(e);
      else for (const l of [...this.listeners]) l(e);
    });
  }

  subscribe(listener: (event: AudioSourceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const held = this.buffer ?? [];
    this.buffer = null;
    for (const e of held) for (const l of [...this.listeners]) l(e);
  }

  stop(): void {
    this.source.stop();
  }
}

/**
 * Starts a source and waits for its first chunk of audio, so that a microphone that cannot be
 * opened (no sox, no sound card: the recorder starts, then exits) fails here, before any session
 * exists. Resolves with the source, still streaming, buffered until the call starts it; rejects
 * with the source's own error (the source is stopped). Effects: starts the source.
 */
export function openAudioSource(source: AudioSource, withinMs = firstAudioWithinMs): Promise<AudioSource> {
  const opened = new OpenedSource(source);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      if (!error) return resolve(opened);
      source.stop();
      reject(error);
    };
    const timer = setTimeout(() => settle(new Error(`no audio arrived within ${withinMs} ms`)), withinMs);
    const unsubscribe = source.subscribe((e) => {
      if (e.type === 'audio.chunk') settle(null);
      else if (e.type === 'audio.error') settle(e.error);
      else settle(new Error('the audio ended before any sound arrived'));
    });
    source.start().catch((err: Error) => settle(err));
  });
}

export interface MicCallOptions {
  live: LiveCalls;
  store: SessionStore;
  recordingsDir: string;
}

/**
 * `call.start` with the microphone as the caller: opens the microphone (or plays a WAV of the
 * library, or one the user opened, as if it were the microphone), then runs the call through
 * `runLiveCall` on the wall clock, followed by the live calls like any other (pushes, control
 * panel, stop). A source that cannot be opened is an error and leaves no session behind.
 * Effects: starts a recorder or reads a file; writes one session; a temporary file while an
 * opened WAV plays.
 */
export async function startMicCall(o: MicCallOptions, r: Request<'call.start'> & { source: { kind: 'mic' } }): Promise<{ sessionId: string }> {
  if (r.pacing !== 'realtime') throw new InputError('call.start', 'pacing', 'a microphone call runs on the wall clock: use "realtime"');
  const [{ MicrophoneSource, WavFileSource }, { runLiveCall }] = await Promise.all([import('../audio/mic.ts'), import('../callers/liveCall.ts')]);
  const wav = r.source.wav;
  let tempDir: string | null = null;
  const removeTemp = () => tempDir && fs.rmSync(tempDir, { recursive: true, force: true });
  let source: AudioSource;
  let wavName: string | null = null;
  let wavPath: string | null = null;
  if (!wav) source = new MicrophoneSource();
  else {
    if (wav.kind === 'library') {
      wavName = wav.file;
      wavPath = libraryPath(o.recordingsDir, wav.file);
      if (!wavPath.endsWith('.wav')) throw new InputError(wav.file, '', 'not a recorded call of the library (audio/*.wav)');
    } else {
      wavName = wav.name;
      if (!/\.wav$/i.test(wav.name)) throw new InputError(wav.name, '', 'open a .wav file to play as the microphone');
      tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-mic-'));
      wavPath = path.join(tempDir, 'opened.wav');
      fs.writeFileSync(wavPath, Buffer.from(wav.base64, 'base64'));
    }
    source = new WavFileSource(wavPath, { pace: 'realtime' });
  }

  let opened: AudioSource;
  try {
    opened = await openAudioSource(source);
  } catch (err) {
    removeTemp();
    const e = err as Error;
    // A file the reader refuses names the file as the user knows it, not where we put it.
    if (e.name === 'AudioInputError' && wavName) throw new InputError(wavName, '', e.message.slice(wavPath!.length + 2));
    if (wavName) throw new UnavailableError(`${wavName}: could not be played as the microphone: ${e.message}`);
    const said = e.name === 'MicrophoneError' ? e.message : `microphone: ${e.message}`;
    throw new UnavailableError(`${said} (no call was started; choose a WAV to play as the microphone instead)`);
  }

  try {
    const setup = await setupFor({ kind: 'live', session: { kind: 'mic' }, speak: r.source.speak ?? false }, { policy: r.policy, faults: r.faults, seed: r.seed });
    const { sessionId, done } = await o.live.follow({ source: 'mic', pacing: 'realtime', policy: setup.policy }, (hooks) =>
      runLiveCall({
        setup,
        source: opened,
        store: o.store,
        onEntry: hooks.onEntry,
        inspect: hooks.inspect,
        onStart: (_stop, runner, id) => hooks.onStart(runner, id),
      }),
    );
    void done.finally(() => {
      opened.stop();
      removeTemp();
    });
    return { sessionId };
  } catch (err) {
    opened.stop();
    removeTemp();
    throw err;
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallCommand } from '../../shared/events.ts';
import type { AudioSource } from '../audio/mic.ts';
import { AgentVoice } from '../voices/text.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import type { SessionStore } from '../store/sessions.ts';
import { fliteDurationMs } from '../voices/flite.ts';
import { LiveAudioCaller } from './liveAudio.ts';
import { deliverRecognition } from '../world/recognition.ts';
import type { CallRunner, CallSetup, RunOptions } from './runner.ts';
import { runSession, type SessionRun } from './session.ts';

/**
 * The agent's voice out loud: each line is synthesized with flite and played with sox's
 * `play`; a barge-in or a handoff kills the player at once. Where `play` is missing it
 * falls back to silent timing. Effects: runs flite and play.
 */
export class SpeakerVoice implements WorldPart {
  private player: ChildProcess | null = null;
  private readonly timing: AgentVoice;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-voice-'));
  private n = 0;
  constructor(ctx: WorldContext) {
    this.timing = new AgentVoice(ctx, fliteDurationMs);
  }
  onCommand(c: CallCommand): void {
    this.timing.onCommand(c);
    if (c.type === 'agent.speak') {
      this.cut();
      const file = path.join(this.dir, `${this.n++}.wav`);
      if (spawnSync('flite', ['-voice', 'slt', '-t', c.text, '-o', file]).status === 0) {
        this.player = spawn('play', ['-q', file], { stdio: 'ignore' });
        this.player.on('error', () => (this.player = null));
      }
    } else if (c.type === 'agent.speech.pause') {
      // the player holds where it is (sox's play stops and goes on with its process)
      this.player?.kill('SIGSTOP');
    } else if (c.type === 'agent.speech.resume') {
      this.player?.kill('SIGCONT');
    } else if (c.type === 'agent.speech.stop' || c.type === 'handoff.start' || c.type === 'call.end') {
      this.cut();
      if (c.type === 'call.end') fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
  private cut(): void {
    this.player?.kill('SIGKILL');
    this.player = null;
  }
}

export interface LiveCallOptions {
  /** The call: setupFor({ kind: 'live', … }), whose world has no caller part (the stream is the caller). */
  setup: CallSetup;
  source: AudioSource;
  store: SessionStore;
  onEntry?: RunOptions['onEntry'];
  /** XState inspection events of the call machine (the desktop app's statechart and monitors). */
  inspect?: RunOptions['inspect'];
  /**
   * Called once the call is running, synchronously within `runLiveCall()`, with a way to end it
   * (Ctrl-C), and the runner and session for those who also control it (the desktop app's panel).
   */
  onStart?: (stop: () => void, runner: CallRunner, sessionId: string) => void;
}

/**
 * A live call: the caller is an audio stream (microphone or a WAV file paced in real time)
 * through VAD and recognition, and the stream's samples are the call's clock (see
 * LiveAudioCaller), so a call's times are the audio's; the agent and tools are the setup's.
 * Journaled as it goes; the stream's end hangs up. Effects: writes one session.
 */
export async function runLiveCall(o: LiveCallOptions): Promise<SessionRun> {
  const { setup } = o;
  const { policy } = setup;
  let caller: LiveAudioCaller | null = null;
  // whether the agent's voice is playing: from its agent.speak to its end, a stop, or the call's end
  let agentSpeaking = false;
  // The call's clock: the caller's audio while it streams (LiveAudioCaller moves it as the VAD
  // hears each frame), then, once the stream is over, the wall clock from where the audio ended.
  let audioMs = 0;
  let released: { atMs: number; wallMs: number } | null = null;
  const callClock = (): number => (released ? released.atMs + (performance.now() - released.wallMs) : audioMs);
  // whatever ends the call, an error included, stops the caller: its recognizer's processes and
  // the source's timers would keep the process alive
  const stopCaller = () => (caller as LiveAudioCaller | null)?.stop();
  const run = await runSession(setup, { store: o.store }, {
    pacing: 'realtime',
    wallClock: callClock,
    inspect: o.inspect,
    onEntry: (e) => {
      o.onEntry?.(e);
      if (e.kind === 'command') {
        if (e.command.type === 'agent.speak') agentSpeaking = true;
        else if (e.command.type === 'agent.speech.stop' || e.command.type === 'call.end') agentSpeaking = false;
        if (e.command.type === 'call.end') caller?.stop();
      } else if (e.kind === 'input' && e.event.type === 'agent.speech.ended') agentSpeaking = false;
    },
    onStart: (started, sessionId) => {
      const runner = started;
      o.onStart?.(() => runner.stop(), runner, sessionId);
      runner.track(
        LiveAudioCaller.start(
          o.source,
          {
            inject: (e) => runner.inject(e),
            record: (e) => runner.injectRecord(e),
            track: (p) => runner.track(p),
            recognized: (text, confidence) => runner.injectInWorld((ctx) => deliverRecognition(ctx, text, confidence)),
            agentSpeaking: () => agentSpeaking,
            // a job on the call's scheduler, queued after the machine's timers for the same time
            advanceTo: (callMs) => {
              if (released || callMs <= audioMs) return;
              audioMs = callMs;
              runner.catchUp();
            },
            release: () => {
              released ??= { atMs: audioMs, wallMs: performance.now() };
            },
          },
          { endOfTurnSilenceMs: policy.endOfTurnSilenceMs, onEnd: () => runner.inject({ type: 'caller.hungup' }) },
        ).then((c) => {
          caller = c;
          if (runner.done) c.stop();
        }),
      );
    },
  }).finally(stopCaller);
  return run;
}

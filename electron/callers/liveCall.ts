import type { AudioSource } from '../audio/mic.ts';
import type { SessionStore } from '../store/sessions.ts';
import { LiveAudioCaller, type PartialsOption } from './live.ts';
import { deliverRecognition } from '../world/recognition.ts';
import type { CallRunner, CallSetup, RunOptions } from '../engine/runner.ts';
import { runSession, type SessionRun } from '../engine/session.ts';

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
  /**
   * Streaming partial results, which tell a barge-in from a backchannel before the speech ends:
   * on by default where libpocketsphinx loads (one line on stderr and today's behaviour where it
   * does not); `false` turns them off.
   */
  partials?: PartialsOption;
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
  const run = await runSession(
    setup,
    { store: o.store },
    {
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
            { endOfTurnSilenceMs: policy.endOfTurnSilenceMs, onEnd: () => runner.inject({ type: 'caller.hungup' }), partials: o.partials },
          ).then((c) => {
            caller = c;
            if (runner.done) c.stop();
          }),
        );
      },
    },
  ).finally(stopCaller);
  return run;
}

import { agentSide } from '../world/simulated.ts';
import { agentDefaults, type Scenario } from '../../shared/scenario.ts';
import { resolvePolicy, type PolicyOverride } from '../../shared/policy.ts';
import type { Fault } from '../../shared/faults.ts';
import { SimulatedAgent, type AgentBrain } from '../world/agent.ts';
import { ScriptedCaller, type HeardLine } from '../callers/scripted.ts';
import { agentSpeechMs } from '../voices/text.ts';
import type { ToolBackend } from '../world/tools.ts';
import { modelBrainFor } from '../world/model.ts';
import { httpBackendsFor } from '../world/httpTools.ts';
import type { CallEnv } from '../world/secrets.ts';
import type { CallSetup } from './runner.ts';
import { appVersion } from './version.ts';
import { assertNever } from '../../shared/assertNever.ts';
import type { JournalEntry, SessionSource } from '../../shared/events.ts';
import type { ChannelChoice } from '../audio/wav.ts';
import type { HttpTranscriber } from '../audio/transcriber.ts';
import type { HearProgress } from '../audio/pipeline.ts';
import { journaledCallerSetup } from '../callers/journaled.ts';
import { PersonaCaller, type CallerModelResult } from '../callers/persona.ts';

export interface SetupOverrides {
  policy?: PolicyOverride;
  faults?: Fault[];
  seed?: number;
  strict?: boolean;
  /** Replace the agent's brain (a model-backed agent); the default is the simulated agent. */
  brain?: AgentBrain;
  backends?: ToolBackend[];
  /** The environment variables the agent's model and HTTP tools may read (world/secrets.ts); none by default. */
  env?: CallEnv;
  /** Synthesized voices: each caller line as detection and recognition heard it. */
  heard?: ReadonlyMap<string, HeardLine>;
  /** How long the agent takes to say a line (real TTS for audio runs; a word-rate estimate otherwise). */
  agentVoiceMs?: (text: string) => number;
  /** A recording: told how hearing its audio goes, before the call starts. */
  onProgress?: (p: HearProgress) => void;
  /** A persona caller's answers from a parent session's journal (what-if, fork): asked again only where the conversation differs. */
  callerAnswers?: readonly CallerModelResult[];
  /** A persona caller with a synthesized voice: says and hears each line as its model answers it. */
  hearLine?: (text: string) => Promise<HeardLine>;
}

/**
 * Where a call's caller comes from: every way into a call. The CLI (`run`, `mic`), the app's API
 * (`call.start`, microphone calls) and what-if/fork all build their call with setupFor from one
 * of these. A new kind of caller (an LLM persona, issue 20) lives in callers/ beside the others
 * and comes in here: one more member of this union and one more case in setupFor, which the
 * compiler asks for (assertNever) — or, for a scenario whose caller it plays, the caller part
 * scenarioSetup picks (the ScriptedCaller, or the PersonaCaller of a `caller.persona`). Nothing else in the product builds a
 * CallSetup (tests and benches call scenarioSetup directly).
 */
export type CallerSource =
  /** A scenario's scripted caller: text voice, or a synthesized voice heard through VAD and ASR (SPEC §2). */
  | { kind: 'scenario'; scenario: Scenario }
  /** A recorded call (WAV), heard through VAD and offline recognition (or your own recognizer) before the call. */
  | { kind: 'recording'; file: string; channel?: ChannelChoice; transcriber?: HttpTranscriber }
  /**
   * An audio stream heard as it plays (the microphone, or a WAV paced in real time): the setup
   * has no caller part; runLiveCall attaches the stream to the running call. `speak` plays the
   * agent's lines on the speakers.
   */
  | { kind: 'live'; session: SessionSource & { kind: 'mic' | 'recording' }; speak?: boolean }
  /** The caller input of a saved session's journal, said again at the same times (what-if, fork of audio calls). */
  | { kind: 'journal'; entries: readonly JournalEntry[] };

/**
 * The one way a call is set up: the policy, fault plan, seed and world for a caller source and
 * the overrides of the command or request. Effects: a scenario with a synthesized voice runs
 * flite and recognition over its lines; a recording is read and heard (throws AudioInputError
 * for a file that is not a usable WAV, before anything is stored). The audio modules are loaded
 * only for the sources that need them.
 */
export async function setupFor(source: CallerSource, o: SetupOverrides = {}): Promise<CallSetup> {
  switch (source.kind) {
    case 'scenario': {
      const { scenario } = source;
      const voice = scenario.caller.voice;
      if (!voice || voice === 'text' || o.heard || o.hearLine) return scenarioSetup(scenario, o);
      // a synthesized caller goes through the real detection and recognition path
      const { hearLines, hearScenarioLines, fliteDurationMs } = await import('../voices/flite.ts');
      const endOfTurnSilenceMs = resolvePolicy(scenario.policy, o.policy).endOfTurnSilenceMs;
      if (scenario.caller.persona) {
        // a persona's lines are not known before the call: each is said and heard as it is answered
        const hearLine = async (text: string) => (await hearLines([text], voice, endOfTurnSilenceMs)).get(text)!;
        return scenarioSetup(scenario, { ...o, hearLine, agentVoiceMs: fliteDurationMs });
      }
      return scenarioSetup(scenario, { ...o, heard: await hearScenarioLines(scenario, endOfTurnSilenceMs), agentVoiceMs: fliteDurationMs });
    }
    case 'recording': {
      const [{ analyzeRecording }, { recordingSetup }] = await Promise.all([import('../audio/pipeline.ts'), import('../callers/recorded.ts')]);
      const heard = await analyzeRecording(source.file, {
        channel: source.channel,
        endOfTurnSilenceMs: resolvePolicy(o.policy).endOfTurnSilenceMs,
        transcriber: source.transcriber,
        onProgress: o.onProgress,
      });
      return recordingSetup(source.file, heard, { ...o, channel: source.channel });
    }
    case 'live': {
      const [{ SpeakerVoice }, { fliteDurationMs }] = await Promise.all([import('../voices/speaker.ts'), import('../voices/flite.ts')]);
      const seed = o.seed ?? defaultSeed;
      return {
        source: source.session,
        policy: resolvePolicy(o.policy),
        faults: o.faults ?? [],
        seed,
        strict: o.strict ?? false,
        appVersion,
        // the caller is the audio stream, attached by runLiveCall once the call runs
        world: (ctx) => agentSide(ctx, { seed, brain: o.brain, backends: o.backends, voiceMs: fliteDurationMs, voice: source.speak ? new SpeakerVoice(ctx) : undefined }),
      };
    }
    case 'journal':
      return journaledCallerSetup(source.entries, { seed: o.seed ?? defaultSeed, faults: o.faults ?? [], strict: o.strict ?? false });
    default:
      return assertNever(source);
  }
}

/** The default seed when neither the scenario nor the flags give one. */
export const defaultSeed = 1;

/**
 * Builds the call of a scenario: policy (defaults < scenario < --policy), fault plan
 * (scenario's, or --faults instead), seed, and a world of caller (scripted, or a persona
 * played by its chat model), agent (simulated,
 * or the scenario's `agent.model`), tools (simulated, or the user's HTTP backend for each
 * tool listed in `tools`) and text voice.
 */
export function scenarioSetup(scenario: Scenario, o: SetupOverrides = {}): CallSetup {
  const seed = o.seed ?? scenario.seed ?? defaultSeed;
  const strict = o.strict ?? scenario.strict ?? false;
  const habits = { ...agentDefaults, ...scenario.agent };
  const policy = resolvePolicy(scenario.policy, o.policy);
  return {
    source: { kind: 'scenario', name: scenario.name, scenario },
    policy,
    faults: o.faults ?? scenario.faults ?? [],
    seed,
    strict,
    appVersion,
    world: (ctx) => [
      scenario.caller.persona
        ? new PersonaCaller(ctx, scenario.caller.persona, { env: o.env ?? {}, answers: o.callerAnswers, hearLine: o.hearLine })
        : new ScriptedCaller(ctx, scenario.caller.turns, o.heard),
      // configuration picks the brain and backends (a model and HTTP tools for `agent.model`
      // and `tools`), as machine.provide swaps implementations; unlisted tools stay simulated
      ...agentSide(ctx, {
        seed,
        brain: o.brain ?? modelBrainFor(scenario, policy, o.env ?? {}) ?? new SimulatedAgent(habits),
        backends: o.backends ?? httpBackendsFor(scenario, policy, o.env ?? {}),
        voiceMs: o.agentVoiceMs ?? agentSpeechMs,
      }),
    ],
  };
}

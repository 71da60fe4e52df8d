import { agentSide } from '../world/simulated.ts';
import { agentDefaults, type Scenario } from '../../shared/scenario.ts';
import { resolvePolicy, type PolicyOverride } from '../../shared/policy.ts';
import type { Fault } from '../../shared/faults.ts';
import { SimulatedAgent, type AgentBrain } from '../world/agent.ts';
import { ScriptedCaller, type HeardLine } from '../world/caller.ts';
import { agentSpeechMs } from '../world/speech.ts';
import type { ToolBackend } from '../world/tools.ts';
import { modelBrainFor } from '../world/model.ts';
import { httpBackendsFor } from '../world/httpTools.ts';
import type { CallEnv } from '../world/secrets.ts';
import type { CallSetup } from './runner.ts';
import { appVersion } from './version.ts';

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
}

/** The default seed when neither the scenario nor the flags give one. */
export const defaultSeed = 1;

/**
 * Builds the call of a scenario: policy (defaults < scenario < --policy), fault plan
 * (scenario's, or --faults instead), seed, and a world of scripted caller, agent (simulated,
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
      new ScriptedCaller(ctx, scenario.caller.turns, o.heard),
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

import { agentDefaults, type Scenario } from '../../shared/scenario.ts';
import { resolvePolicy, type PolicyOverride } from '../../shared/policy.ts';
import type { Fault } from '../../shared/faults.ts';
import { createRng } from '../../shared/rng.ts';
import { maskPii } from '../../shared/pii.ts';
import { AgentPart, SimulatedAgent, type AgentBrain } from '../world/agent.ts';
import { AgentVoice, ScriptedCaller } from '../world/caller.ts';
import { agentSpeechMs } from '../world/speech.ts';
import { SimulatedBackend, ToolsPart, type ToolBackend } from '../world/tools.ts';
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
}

/** The default seed when neither the scenario nor the flags give one. */
export const defaultSeed = 1;

/**
 * Builds the call of a scenario: policy (defaults < scenario < --policy), fault plan
 * (scenario's, or --faults instead), seed, and a simulated world of scripted caller,
 * simulated agent, simulated tools and text voice.
 */
export function scenarioSetup(scenario: Scenario, o: SetupOverrides = {}): CallSetup {
  const seed = o.seed ?? scenario.seed ?? defaultSeed;
  const strict = o.strict ?? scenario.strict ?? false;
  const habits = { ...agentDefaults, ...scenario.agent };
  return {
    source: { kind: 'scenario', name: scenario.name, scenario },
    policy: resolvePolicy(scenario.policy, o.policy),
    faults: o.faults ?? scenario.faults ?? [],
    seed,
    strict,
    appVersion,
    maskCallerText: strict ? maskPii : undefined,
    world: (ctx) => [
      new ScriptedCaller(ctx, scenario.caller.turns),
      new AgentPart(ctx, o.brain ?? new SimulatedAgent(habits)),
      new ToolsPart(ctx, o.backends ?? [new SimulatedBackend(createRng(seed).fork('backend'))]),
      new AgentVoice(ctx, agentSpeechMs),
    ],
  };
}

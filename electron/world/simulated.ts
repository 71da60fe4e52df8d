import { createRng } from '../../shared/rng.ts';
import { agentDefaults } from '../../shared/scenario.ts';
import { AgentPart, SimulatedAgent, type AgentBrain } from './agent.ts';
import { AgentVoice } from '../voices/text.ts';
import { SimulatedBackend, ToolsPart, type ToolBackend } from './tools.ts';
import type { WorldContext, WorldPart } from './world.ts';

/**
 * The agent side of a call: its brain (the simulated agent unless configuration gives a
 * model), the tool backends (the user's first, the simulated ones for the rest) and its voice
 * (how long each line takes to say; a part that also plays it may replace it).
 */
export function agentSide(ctx: WorldContext, o: { seed: number; brain?: AgentBrain; backends?: ToolBackend[]; voiceMs: (text: string) => number; voice?: WorldPart }): WorldPart[] {
  return [
    new AgentPart(ctx, o.brain ?? new SimulatedAgent(agentDefaults)),
    new ToolsPart(ctx, [...(o.backends ?? []), new SimulatedBackend(createRng(o.seed).fork('backend'))]),
    o.voice ?? new AgentVoice(ctx, o.voiceMs),
  ];
}

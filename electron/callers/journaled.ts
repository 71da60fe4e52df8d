import { agentSide } from '../world/simulated.ts';
import type { CallEvent, JournalEntry } from '../../shared/events.ts';
import type { Fault } from '../../shared/faults.ts';
import { resolvePolicy } from '../../shared/policy.ts';
import { agentSpeechMs } from '../voices/text.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import type { CallSetup } from '../engine/runner.ts';
import { appVersion } from '../engine/version.ts';

const callerEvents = new Set(['caller.speech.started', 'caller.speech.ended', 'caller.speech.turn', 'asr.result', 'asr.failed', 'caller.hungup']);

/** The caller input of a journal: speech, recognition results and hang-up, at their times. */
export function callerInput(entries: readonly JournalEntry[]): { atMs: number; event: CallEvent }[] {
  return entries.flatMap((e) => (e.kind === 'input' && callerEvents.has(e.event.type) ? [{ atMs: e.atMs, event: e.event as CallEvent }] : []));
}

/**
 * A caller that says again what a recorded or live caller said, at the same times: the
 * caller side of a what-if or fork of a recording or microphone session.
 */
export class JournaledCaller implements WorldPart {
  constructor(
    private readonly ctx: WorldContext,
    private readonly input: { atMs: number; event: CallEvent }[],
  ) {}

  start(): void {
    for (const { atMs, event } of this.input) this.ctx.scheduler.at(atMs, () => this.ctx.deliver(event));
  }
}

/** A call whose caller is a journal's caller input, against the simulated agent and tools. */
export function journaledCallerSetup(entries: readonly JournalEntry[], o: { seed: number; faults: Fault[]; strict: boolean }): CallSetup {
  const input = callerInput(entries);
  return {
    source: { kind: 'mic' },
    policy: resolvePolicy(),
    faults: o.faults,
    seed: o.seed,
    strict: o.strict,
    appVersion,
    world: (ctx) => [new JournaledCaller(ctx, input), ...agentSide(ctx, { seed: o.seed, voiceMs: agentSpeechMs })],
  };
}

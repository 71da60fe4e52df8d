import { agentSide } from '../world/simulated.ts';
import path from 'node:path';
import { resolvePolicy } from '../../shared/policy.ts';
import type { AnalyzedRecording } from '../audio/pipeline.ts';
import type { ChannelChoice } from '../audio/wav.ts';
import { playHeardSegments } from '../world/recognition.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import type { CallSetup } from '../engine/runner.ts';
import type { SetupOverrides } from '../engine/setup.ts';
import { appVersion } from '../engine/version.ts';
import { fliteDurationMs } from '../voices/flite.ts';

/** A recorded call as the audio pipeline heard it (audio/pipeline.ts's analyzeRecording). */
export type HeardRecording = AnalyzedRecording;

/** The caller of a recorded call: what was heard, at the times it was said; hangs up when the recording ends. */
class RecordedCaller implements WorldPart {
  private done = false;
  constructor(
    private readonly ctx: WorldContext,
    private readonly heard: HeardRecording,
  ) {}
  start(): void {
    playHeardSegments(this.ctx, 0, this.heard.segments, () => !this.done);
    this.ctx.scheduler.at(this.heard.durationMs, () => !this.done && this.ctx.deliver({ type: 'caller.hungup' }));
  }
  onCommand(c: { type: string }): void {
    if (c.type === 'call.end') this.done = true;
  }
}

/** A recorded call against the simulated agent and tools, with the agent's real TTS durations. */
export function recordingSetup(file: string, heard: HeardRecording, o: SetupOverrides & { channel?: ChannelChoice } = {}): CallSetup {
  const seed = o.seed ?? 1;
  const strict = o.strict ?? false;
  return {
    source: { kind: 'recording', file: path.basename(file), channel: o.channel },
    policy: resolvePolicy(o.policy),
    faults: o.faults ?? [],
    seed,
    strict,
    appVersion,
    world: (ctx) => [new RecordedCaller(ctx, heard), ...agentSide(ctx, { seed, brain: o.brain, backends: o.backends, voiceMs: fliteDurationMs })],
  };
}

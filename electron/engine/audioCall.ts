import { agentSide } from '../world/simulated.ts';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolvePolicy } from '../../shared/policy.ts';
import { type Scenario } from '../../shared/scenario.ts';
import { hear, type AnalyzedRecording } from '../audio/pipeline.ts';
import { synthesize } from '../audio/tts.ts';
import { readWavFile, type ChannelChoice } from '../audio/wav.ts';
import { type HeardLine } from '../world/caller.ts';
import { playHeardSegments } from '../world/recognition.ts';
import { agentSpeechMs } from '../world/speech.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import type { CallSetup } from './runner.ts';
import type { SetupOverrides } from './setup.ts';
import { appVersion } from './version.ts';

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

const ttsCache = new Map<string, number>();
/**
 * How long flite takes to say a line (the agent's voice), measured by synthesizing it; the
 * word-rate estimate where flite is not installed. Effects: runs flite once per new line.
 */
export function fliteDurationMs(text: string): number {
  const hit = ttsCache.get(text);
  if (hit !== undefined) return hit;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-agent-tts-'));
  let ms = agentSpeechMs(text);
  try {
    const out = path.join(dir, 'a.wav');
    const r = spawnSync('flite', ['-voice', 'slt', '-t', text, '-o', out], { timeout: 20_000 });
    if (r.status === 0) ms = Math.round(readWavFile(out).durationMs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  ttsCache.set(text, ms);
  return ms;
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

/**
 * For a scenario with a synthesized voice: says each caller line with flite, and runs it
 * through the same detection and recognition as a recording (misheard words included), all
 * lines in one recognizer run. Effects: runs flite, the VAD model and pocketsphinx.
 */
export async function hearScenarioLines(scenario: Scenario, endOfTurnSilenceMs: number): Promise<Map<string, HeardLine>> {
  const voice = scenario.caller.voice;
  if (!voice || voice === 'text') return new Map();
  const lines = [...new Set(scenario.caller.turns.flatMap((t) => (t.say ? [t.say] : [])))];
  const gap = new Float32Array(16_000); // a second of silence between lines keeps them apart
  const parts: { text: string; offsetMs: number; samples: Float32Array }[] = [];
  let offset = 0;
  for (const text of lines) {
    const { samples } = await synthesize(text, voice);
    parts.push({ text, offsetMs: offset / 16, samples });
    offset += Math.ceil(samples.length / 16) * 16 + gap.length; // lines start on whole milliseconds
  }
  const all = new Float32Array(offset);
  for (const p of parts) all.set(p.samples, p.offsetMs * 16);
  const heard = await hear(all, { endOfTurnSilenceMs });
  const out = new Map<string, HeardLine>();
  for (const p of parts) {
    const end = p.offsetMs + p.samples.length / 16;
    const segments = heard.filter((s) => s.startMs >= p.offsetMs - 50 && s.startMs < end).map((s) => ({ ...s, startMs: Math.max(0, s.startMs - p.offsetMs), endMs: Math.round(Math.min(end, s.endMs) - p.offsetMs) }));
    out.set(p.text, { durationMs: Math.round(p.samples.length / 16), segments });
  }
  return out;
}

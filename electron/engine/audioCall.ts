import { agentSide } from '../world/simulated.ts';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolvePolicy } from '../../shared/policy.ts';
import { type Scenario } from '../../shared/scenario.ts';
import { hearSegments } from '../audio/pipeline.ts';
import type { HttpTranscriber } from '../audio/transcriber.ts';
import { to16kMono } from '../audio/resample.ts';
import { synthesize } from '../audio/tts.ts';
import { detectSpeechSegments } from '../audio/vad.ts';
import { readWavFile, type ChannelChoice } from '../audio/wav.ts';
import { type HeardLine } from '../world/caller.ts';
import { playHeardSegments, type HeardSegment } from '../world/recognition.ts';
import { agentSpeechMs } from '../world/speech.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import type { CallSetup } from './runner.ts';
import type { SetupOverrides } from './setup.ts';
import { appVersion } from './version.ts';

/** A recorded call as the audio pipeline heard it. */
export interface HeardRecording {
  durationMs: number;
  segments: HeardSegment[];
}

/** 16 kHz mono float samples → base64 of 16-bit little-endian PCM. Pure. */
export function pcm16Base64(samples: Float32Array): string {
  const buf = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]));
    buf.writeInt16LE(Math.round(x < 0 ? x * 32768 : x * 32767), i * 2);
  }
  return buf.toString('base64');
}

/** Detection and recognition over 16 kHz audio: segments with words, backchannels marked, audio attached. */
async function hear(samples: Float32Array, endOfTurnSilenceMs: number, transcriber?: HttpTranscriber): Promise<HeardSegment[]> {
  const speech = await detectSpeechSegments(samples, { endOfTurnSilenceMs });
  const heard = await hearSegments(samples, speech, transcriber);
  // whole milliseconds: the journal's clock has no finer grain
  return heard.map((h) => {
    const startMs = Math.round(h.startMs);
    const endMs = Math.round(h.endMs);
    return { ...h, startMs, endMs, pcm16: pcm16Base64(samples.subarray(startMs * 16, endMs * 16)) };
  });
}

/**
 * Reads a recorded call (the one WAV reader; any rate, 16 kHz mono after resampling) and
 * runs voice activity detection and offline recognition over it (pocketsphinx, or your own
 * recognizer: `transcriber`). Throws AudioInputError for
 * a file that is not a usable WAV — before anything is stored.
 */
export async function hearRecording(file: string, o: { channel?: ChannelChoice; endOfTurnSilenceMs: number; transcriber?: HttpTranscriber }): Promise<HeardRecording> {
  const wav = readWavFile(file, { channel: o.channel });
  const samples = await to16kMono(wav);
  return { durationMs: Math.round(wav.durationMs), segments: await hear(samples, o.endOfTurnSilenceMs, o.transcriber) };
}

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
  const heard = await hear(all, endOfTurnSilenceMs);
  const out = new Map<string, HeardLine>();
  for (const p of parts) {
    const end = p.offsetMs + p.samples.length / 16;
    const segments = heard.filter((s) => s.startMs >= p.offsetMs - 50 && s.startMs < end).map((s) => ({ ...s, startMs: Math.max(0, s.startMs - p.offsetMs), endMs: Math.round(Math.min(end, s.endMs) - p.offsetMs) }));
    out.set(p.text, { durationMs: Math.round(p.samples.length / 16), segments });
  }
  return out;
}

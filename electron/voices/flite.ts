// The flite voice: how long the agent takes to say a line when it speaks with flite, and how a
// scenario's caller with a flite voice is heard, through the same detection and recognition as
// a recorded call.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Scenario } from '../../shared/scenario.ts';
import { hear } from '../audio/pipeline.ts';
import { synthesize } from '../audio/tts.ts';
import { readWavFile } from '../audio/wav.ts';
import type { HeardLine } from '../callers/scripted.ts';
import { agentSpeechMs } from '../voices/text.ts';

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

/**
 * For a scenario with a synthesized voice: says each caller line with flite, and runs it
 * through the same detection and recognition as a recording (misheard words included), all
 * lines in one recognizer run. Effects: runs flite, the VAD model and pocketsphinx.
 */
export async function hearScenarioLines(scenario: Scenario, endOfTurnSilenceMs: number): Promise<Map<string, HeardLine>> {
  const voice = scenario.caller.voice;
  if (!voice || voice === 'text') return new Map();
  return hearLines([...new Set(scenario.caller.turns.flatMap((t) => (t.say ? [t.say] : [])))], voice, endOfTurnSilenceMs);
}

/**
 * Says `lines` with a flite voice and hears them as a recording is heard (detection and
 * recognition, in one recognizer run): each line's duration and segments. Used for a
 * scenario's lines before its call, and for a persona caller's line as its model answers it.
 * Effects: runs flite, the VAD model and pocketsphinx.
 */
export async function hearLines(lines: readonly string[], voice: Exclude<Scenario['caller']['voice'], 'text' | undefined>, endOfTurnSilenceMs: number): Promise<Map<string, HeardLine>> {
  if (lines.length === 0) return new Map();
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
    const segments = heard
      .filter((s) => s.startMs >= p.offsetMs - 50 && s.startMs < end)
      .map((s) => ({ ...s, startMs: Math.max(0, s.startMs - p.offsetMs), endMs: Math.round(Math.min(end, s.endMs) - p.offsetMs) }));
    out.set(p.text, { durationMs: Math.round(p.samples.length / 16), segments });
  }
  return out;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WavFileSource } from '../../electron/audio/mic.ts';
import { runLiveCall } from '../../electron/callers/liveCall.ts';
import { setupFor } from '../../electron/engine/setup.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import type { ExtraBench } from './bench.ts';

const root = path.resolve(import.meta.dirname, '../..');

type Truth = { segments: { startMs: number; endMs: number; text: string; backchannel?: boolean }[]; channel?: 'left' | 'right' };

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/**
 * Live barge-in on the recorded calls played as the microphone (the live path: streamed
 * frames, VAD, live recognition), each call's journal read on its own clock — the audio's
 * sample clock, so the figure is the one a real-time play gives, measured here at full speed.
 * Latency: the start of the caller's speech in the truth file to the agent's audio pausing
 * (agent.speech.pause) within it. False barge-ins: an acknowledgement of the truth file over
 * which the agent stopped (agent.speech.stop, barge_in); missed: a pause on a turn that resumed.
 */
export const liveBargeInBench: ExtraBench = async (rows) => {
  const dir = path.join(root, 'recordings/audio');
  const calls = fs.readdirSync(dir).filter((f) => f.endsWith('.truth.json'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-bench-live-'));
  const store = new SessionStore(path.join(tmp, 'calls.db'));
  const latency: number[] = [];
  let minSpeechMs = 0;
  let acks = 0;
  let falseBargeIns = 0;
  let missed = 0;
  let acksPaused = 0;
  try {
    for (const t of calls) {
      const truth = JSON.parse(fs.readFileSync(path.join(dir, t), 'utf8')) as Truth;
      const file = path.join(dir, t.replace('.truth.json', '.wav'));
      const setup = await setupFor({ kind: 'live', session: { kind: 'recording', file: path.basename(file), channel: truth.channel ?? 'mix' } });
      minSpeechMs = setup.policy.bargeInMinSpeechMs;
      const run = await runLiveCall({ setup, source: new WavFileSource(file, { channel: truth.channel, pace: 'fast' }), store });
      const within = (atMs: number) => truth.segments.find((s) => s.startMs <= atMs && atMs <= s.endMs + 300);
      let pausedOn: Truth['segments'][number] | null = null;
      for (const e of run.entries) {
        if (e.kind !== 'command') continue;
        if (e.command.type === 'agent.speech.pause') {
          pausedOn = within(e.atMs) ?? null;
          if (pausedOn && !pausedOn.backchannel) latency.push(e.atMs - pausedOn.startMs);
          if (pausedOn?.backchannel) acksPaused++;
        } else if (e.command.type === 'agent.speech.stop' && e.command.reason === 'barge_in') {
          if (pausedOn?.backchannel) falseBargeIns++;
          pausedOn = null;
        } else if (e.command.type === 'agent.speech.resume') {
          if (pausedOn && !pausedOn.backchannel) missed++;
          pausedOn = null;
        }
      }
      acks += truth.segments.filter((s) => s.backchannel).length;
    }
  } finally {
    store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const p50 = percentile(latency, 50);
  const p95 = percentile(latency, 95);
  rows.push({
    name: `live barge-in: caller speech start → agent paused, ${calls.length} recorded calls as the microphone (${latency.length} pauses)`,
    value: `p50 ${p50.toFixed(0)} / p95 ${p95.toFixed(0)} ms; ${acksPaused} of ${acks} acknowledgements paused the agent and ${falseBargeIns} stopped it; ${missed} turns resumed over`,
    goal: `≤ ${minSpeechMs + 100} ms (bargeInMinSpeechMs + 100)`,
    ok: latency.length > 0 && p95 <= minSpeechMs + 100 && falseBargeIns === 0 && missed === 0,
  });
};

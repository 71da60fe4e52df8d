import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WavFileSource } from '../../electron/audio/mic.ts';
import { StreamingRecognizer } from '../../electron/audio/streamingAsr.ts';
import { runLiveCall } from '../../electron/callers/liveCall.ts';
import { setupFor } from '../../electron/engine/setup.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import type { ExtraBench } from './bench.ts';
import { wordErrors } from './audio.ts';

const root = path.resolve(import.meta.dirname, '../..');

type Truth = { segments: { startMs: number; endMs: number; text: string; backchannel?: boolean }[]; channel?: 'left' | 'right' };

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/** CPU seconds of this process's children that have exited and been waited for (stat(5) fields 16 and 17, at 100 Hz). */
function childrenCpuMs(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Whether this process has child processes still running (the recognizer's, which end after the call). */
function hasChildren(): boolean {
  return fs.readdirSync('/proc/self/task').some((t) => fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim() !== '');
}

interface Side {
  pause: number[];
  stop: number[];
  acks: number;
  acksPaused: number;
  falseBargeIns: number;
  missed: number;
  turns: number;
  /** Recognition CPU: the whole-utterance recognizer's processes, and streaming recognition's worker. */
  batchCpuMs: number;
  streamingCpuMs: number;
  errors: number;
  words: number;
  /** WER per recording, in the order of `calls`. */
  wer: string[];
  partials: number;
}

/**
 * Live barge-in on the recorded calls played as the microphone (the live path: streamed
 * frames, VAD, live recognition), each call's journal read on its own clock — the audio's
 * sample clock, so the figure is the one a real-time play gives, measured here at full speed.
 * Each call is played twice in the one run, with streaming partial results and without.
 * Latency: the start of the caller's speech in the truth file to the agent's audio pausing
 * (agent.speech.pause) within it, and to its stopping (agent.speech.stop, barge_in). False
 * barge-ins: an acknowledgement of the truth file over which the agent stopped; missed: a
 * pause on a turn that resumed. Recognition cost: CPU of the recognizer's processes (this
 * process's children, read once they have exited) and of the streaming worker thread (its own
 * clock); WER of the final words (asr.result) against the truth's turns.
 */
export const liveBargeInBench: ExtraBench = async (rows) => {
  const dir = path.join(root, 'recordings/audio');
  const calls = fs.readdirSync(dir).filter((f) => f.endsWith('.truth.json'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-bench-live-'));
  const store = new SessionStore(path.join(tmp, 'calls.db'));
  let minSpeechMs = 0;
  let unavailable: string | null = null;
  const side = (): Side => ({ pause: [], stop: [], acks: 0, acksPaused: 0, falseBargeIns: 0, missed: 0, turns: 0, batchCpuMs: 0, streamingCpuMs: 0, errors: 0, words: 0, wer: [], partials: 0 });
  const on = side();
  const off = side();
  try {
    for (const t of calls) {
      const truth = JSON.parse(fs.readFileSync(path.join(dir, t), 'utf8')) as Truth;
      const file = path.join(dir, t.replace('.truth.json', '.wav'));
      for (const [s, partials] of [
        [off, false],
        [on, { notice: (line: string) => (unavailable = line) }],
      ] as const) {
        const setup = await setupFor({ kind: 'live', session: { kind: 'recording', file: path.basename(file), channel: truth.channel ?? 'mix' } });
        minSpeechMs = setup.policy.bargeInMinSpeechMs;
        const children0 = childrenCpuMs();
        const streaming0 = StreamingRecognizer.totalCpuMs;
        const run = await runLiveCall({ setup, source: new WavFileSource(file, { channel: truth.channel, pace: 'fast' }), store, partials });
        for (let i = 0; i < 200 && hasChildren(); i++) await new Promise((r) => setTimeout(r, 50));
        s.batchCpuMs += childrenCpuMs() - children0;
        s.streamingCpuMs += StreamingRecognizer.totalCpuMs - streaming0;
        const within = (atMs: number) => truth.segments.find((x) => x.startMs <= atMs && atMs <= x.endMs + 300);
        let pausedOn: Truth['segments'][number] | null = null;
        for (const e of run.entries) {
          if (e.kind === 'input' && e.event.type === 'caller.partial') s.partials++;
          if (e.kind === 'input' && e.event.type === 'caller.speech.turn') s.turns++;
          if (e.kind !== 'command') continue;
          if (e.command.type === 'agent.speech.pause') {
            pausedOn = within(e.atMs) ?? null;
            if (pausedOn && !pausedOn.backchannel) s.pause.push(e.atMs - pausedOn.startMs);
            if (pausedOn?.backchannel) s.acksPaused++;
          } else if (e.command.type === 'agent.speech.stop' && e.command.reason === 'barge_in') {
            if (pausedOn?.backchannel) s.falseBargeIns++;
            else if (pausedOn) s.stop.push(e.atMs - pausedOn.startMs);
            pausedOn = null;
          } else if (e.command.type === 'agent.speech.resume') {
            if (pausedOn && !pausedOn.backchannel) s.missed++;
            pausedOn = null;
          }
        }
        s.acks += truth.segments.filter((x) => x.backchannel).length;
        const heard = run.entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'asr.result' ? [e.event.text] : [])).join(' ');
        const w = wordErrors(
          truth.segments
            .filter((x) => !x.backchannel)
            .map((x) => x.text)
            .join(' '),
          heard,
        );
        s.errors += w.errors;
        s.words += w.words;
        s.wer.push(`${((100 * w.errors) / w.words).toFixed(0)}%`);
      }
    }
  } finally {
    store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const ms = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} / p95 ${percentile(xs, 95).toFixed(0)} ms`;
  rows.push({
    name: `live barge-in: caller speech start → agent paused, ${calls.length} recorded calls as the microphone (${on.pause.length} pauses)`,
    value: `${ms(on.pause)}; ${on.acksPaused} of ${on.acks} acknowledgements paused the agent and ${on.falseBargeIns} stopped it; ${on.missed} turns resumed over`,
    goal: `≤ ${minSpeechMs + 100} ms (bargeInMinSpeechMs + 100)`,
    ok: on.pause.length > 0 && percentile(on.pause, 95) <= minSpeechMs + 100 && on.falseBargeIns === 0 && on.missed === 0,
  });
  rows.push({
    name: `live barge-in: caller speech start → agent stopped, with partial results vs without (${on.stop.length} / ${off.stop.length} stops, ${on.turns} decided by a partial)`,
    value: unavailable ? `partials unavailable: ${unavailable}` : `${ms(on.stop)} with, ${ms(off.stop)} without; ${on.falseBargeIns} vs ${off.falseBargeIns} acknowledgements stopped the agent`,
    goal: 'earlier with partials, no acknowledgement stopped',
    ok: !unavailable && on.stop.length > 0 && percentile(on.stop, 50) < percentile(off.stop, 50) && on.falseBargeIns === 0,
  });
  const costOn = on.batchCpuMs + on.streamingCpuMs;
  const ratio = costOn / off.batchCpuMs;
  rows.push({
    name: `live recognition CPU with partial results vs without, ${calls.length} recorded calls (${on.partials} partials)`,
    value: `${(costOn / 1000).toFixed(2)} s (recognizer processes ${(on.batchCpuMs / 1000).toFixed(2)} + streaming ${(on.streamingCpuMs / 1000).toFixed(2)}) vs ${(off.batchCpuMs / 1000).toFixed(2)} s: ${ratio.toFixed(2)}×`,
    goal: '≤ 1.5×',
    ok: !unavailable && ratio <= 1.5,
  });
  rows.push({
    name: `live recognition WER per recording (${calls.map((c) => c.replace('.truth.json', '')).join(', ')}), with partial results vs without`,
    value: `${on.wer.join(' ')} vs ${off.wer.join(' ')}; all ${((100 * on.errors) / on.words).toFixed(1)}% vs ${((100 * off.errors) / off.words).toFixed(1)}%`,
    goal: 'unchanged',
    ok: on.wer.join() === off.wer.join(),
  });
};

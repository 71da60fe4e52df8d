import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { encodeWav16, readWavFile } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import { LIVE_PAUSE_MS, LIVE_RECOGNITION_MS } from '../../electron/engine/liveAudio.ts';
import type { JournalEntry } from '../../shared/events.ts';

// `callsim mic --input x.wav` plays the file as the microphone, on the wall clock: what a live
// call hears, with the live path's VAD, backchannel hold and recognizer.

function callsim(args: string[]) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const recording = (name: string) => path.join(repoRoot, 'recordings/audio', name);

type Turn = { speaker: string; startMs: number; endMs: number; text: string | null; interrupted: boolean };
type Result = { sessionId: string; turns: Turn[]; metrics: { bargeIns: number }; handoff: { reason: string } | null };

/** A session's journal, through `sessions export`. */
function journalOf(sessionId: string, db: string): JournalEntry[] {
  const file = path.join(path.dirname(db), `${sessionId}.json`);
  expect(callsim(['sessions', 'export', sessionId, '-o', file, '--db', db]).code).toBe(0);
  return JSON.parse(fs.readFileSync(file, 'utf8')).journal;
}
const inputs = (journal: JournalEntry[], type: string) =>
  journal.flatMap((e) => (e.kind === 'input' && e.event.type === type ? [{ atMs: e.atMs, event: e.event as Record<string, unknown> }] : []));

/** Speech parts laid out with the given silences (ms) before each, and two seconds after the last. */
async function layOut(parts: [number, string][]): Promise<Float32Array> {
  const said = await Promise.all(parts.map(([, text]) => synthesize(text, 'flite:slt')));
  const length = parts.reduce((n, [gapMs], i) => n + gapMs * 16 + said[i].samples.length, 2 * 16_000);
  const audio = new Float32Array(length);
  let at = 0;
  parts.forEach(([gapMs], i) => {
    at += gapMs * 16;
    audio.set(said[i].samples, at);
    at += said[i].samples.length;
  });
  return audio;
}

describe('a live turn ends endOfTurnSilenceMs after the caller stops, once', () => {
  it('the machine hears the speech end LIVE_PAUSE_MS into the silence, stamped where it stopped, and takes the turn endOfTurnSilenceMs later', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'order.wav'), encodeWav16(await layOut([[1000, 'Where is my order?']]), 16_000));
    const db = path.join(dir, 'calls.db');
    const r = callsim(['mic', '--input', path.join(dir, 'order.wav'), '--mute', '--json', '--db', db]);
    expect(r.code).toBe(0);
    const result: Result = JSON.parse(r.stdout);
    const journal = journalOf(result.sessionId, db);
    const [ended] = inputs(journal, 'caller.speech.ended');
    const stoppedAt = ended.event.speechAtMs as number;
    expect(stoppedAt).toBe(result.turns.find((t) => t.speaker === 'caller')!.endMs);
    // the audio is the call's clock: the machine hears it LIVE_PAUSE_MS of samples later, exactly
    expect(ended.atMs - stoppedAt).toBe(LIVE_PAUSE_MS);
    const turnEnd = journal.find((e) => e.kind === 'transition' && e.cause === 'after endOfTurnSilenceMs')!;
    expect(turnEnd.atMs - ended.atMs).toBe(600);
    expect(turnEnd.atMs - stoppedAt).toBe(600 + LIVE_PAUSE_MS); // it was 1270 ms
    // and the words come LIVE_RECOGNITION_MS after the speech, before the turn is taken
    const [words] = inputs(journal, 'asr.result');
    expect(words.atMs - stoppedAt).toBe(LIVE_RECOGNITION_MS);
  }, 60_000);

  it('a pause inside a turn (here 256 ms) is a pause: one turn, with the words of both parts', async () => {
    const dir = tempDir();
    // flite's own silences make the pause; one up to about endOfTurnSilenceMs + LIVE_PAUSE_MS less
    // the segmenter's 200 ms confirmation of the words after it stays inside the turn
    fs.writeFileSync(path.join(dir, 'pause.wav'), encodeWav16(await layOut([[1000, 'Where is'], [0, 'my order?']]), 16_000));
    const db = path.join(dir, 'calls.db');
    const r = callsim(['mic', '--input', path.join(dir, 'pause.wav'), '--mute', '--json', '--db', db]);
    expect(r.code).toBe(0);
    const result: Result = JSON.parse(r.stdout);
    const journal = journalOf(result.sessionId, db);
    const thoughts = journal.flatMap((e) => (e.kind === 'command' && e.command.type === 'agent.think' && e.command.input.kind === 'caller' ? [e.command.input.text] : []));
    expect(thoughts).toHaveLength(1);
    expect(thoughts[0]).toMatch(/order/);
    expect(inputs(journal, 'caller.speech.ended')).toHaveLength(2);
    expect(journal.filter((e) => e.kind === 'transition' && e.state.endsWith('callerPaused')).length).toBe(2);
  }, 60_000);
});

describe('a live call hears backchannels as the offline path does', () => {
  it('backchannel-call.wav: the same barge-in, the same caller turns, the same backchannels; each turn ends endOfTurnSilenceMs after the speech, not twice that', () => {
    const dir = tempDir();
    const db = path.join(dir, 'calls.db');
    const offline = callsim(['run', recording('backchannel-call.wav'), '--json', '--db', db]);
    expect(offline.code).toBe(0);
    const live = callsim(['mic', '--input', recording('backchannel-call.wav'), '--mute', '--json', '--db', db]);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const off: Result = JSON.parse(offline.stdout);
    const on: Result = JSON.parse(live.stdout);

    // "okay" over the agent neither stops it nor is answered; "Representative"-style speech is
    // not in this call, but the caller's second sentence, over the agent, is a barge-in
    expect(off.metrics.bargeIns).toBe(1);
    expect(on.metrics.bargeIns).toBe(off.metrics.bargeIns);
    const callerTurns = (r: Result) => r.turns.filter((t) => t.speaker === 'caller');
    expect(callerTurns(off)).toHaveLength(3);
    // The stream is the live call's clock, its first sample the call's time 0: the same turns at
    // the same times; the same audio, so the same words.
    const times = (r: Result) => callerTurns(r).map((t) => ({ startMs: t.startMs, endMs: t.endMs, text: t.text }));
    expect(times(on)).toEqual(times(off));
    const interrupted = (r: Result) => r.turns.filter((t) => t.speaker === 'agent').map((t) => t.interrupted);
    expect(interrupted(on).slice(0, 3)).toEqual(interrupted(off).slice(0, 3));

    const offJournal = journalOf(off.sessionId, db);
    const onJournal = journalOf(on.sessionId, db);
    const backchannels = (j: JournalEntry[]) => inputs(j, 'caller.backchannel').map((b) => ({ text: b.event.text, startMs: b.event.startMs as number }));
    expect(backchannels(offJournal).map((b) => b.text)).toEqual(['okay', 'uh', 'right']);
    expect(backchannels(onJournal).map((b) => b.text)).toEqual(['okay', 'uh', 'right']);
    expect(backchannels(onJournal)).toEqual(backchannels(offJournal));

    // End of turn: speech.ended reaches the machine LIVE_PAUSE_MS (and a frame, and the
    // pacing's slack) after the speech stopped; the machine's endOfTurnSilenceMs is the only wait.
    const ended = inputs(onJournal, 'caller.speech.ended');
    expect(ended).toHaveLength(3);
    const turnEnds = onJournal.filter((e) => e.kind === 'transition' && e.cause === 'after endOfTurnSilenceMs');
    expect(turnEnds).toHaveLength(3);
    ended.forEach((e, i) => {
      const stoppedAt = e.event.speechAtMs as number;
      expect(e.atMs - stoppedAt).toBe(LIVE_PAUSE_MS);
      expect(turnEnds[i].atMs - e.atMs).toBe(600);
    });

    const replay = JSON.parse(callsim(['replay', on.sessionId, '--json', '--db', db]).stdout);
    expect(replay).toMatchObject({ identical: true, divergence: null });
  }, 120_000);

  it('"Representative" said over the agent still stops it: a barge-in, then the handoff the caller asked for', async () => {
    const dir = tempDir();
    // the caller's first sentence from backchannel-call (the agent answers it with a long line),
    // then "representative" two seconds into that answer
    const call = readWavFile(recording('backchannel-call.wav'));
    const first = call.samples.subarray(0, 5 * 16_000);
    const request = await synthesize('representative', 'flite:rms');
    const audio = new Float32Array(7 * 16_000 + request.samples.length + 3 * 16_000);
    audio.set(first);
    audio.set(request.samples, 7 * 16_000);
    fs.writeFileSync(path.join(dir, 'request.wav'), encodeWav16(audio, 16_000));
    const db = path.join(dir, 'calls.db');
    const r = callsim(['mic', '--input', path.join(dir, 'request.wav'), '--mute', '--json', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result: Result = JSON.parse(r.stdout);
    expect(result.metrics.bargeIns).toBe(1);
    expect(result.handoff?.reason).toBe('caller_request');
    const said = result.turns.filter((t) => t.speaker === 'caller');
    expect(said).toHaveLength(2);
    expect(said[1].text).toContain('representative');
    const answer = result.turns.find((t) => t.speaker === 'agent' && t.startMs > said[0].endMs)!;
    expect(answer.interrupted).toBe(true);
    expect(answer.endMs).toBeGreaterThan(said[1].startMs);

    // the stop came once the caller had spoken bargeInMinSpeechMs, counting what the speech was
    // held for before the machine heard it (spokenMs: held past any backchannel's length, it
    // stops the agent at once)
    const journal = journalOf(result.sessionId, db);
    const started = inputs(journal, 'caller.speech.started')[1];
    const stop = journal.find((e) => e.kind === 'command' && e.command.type === 'agent.speech.stop')!;
    const spokenMs = (started.event.spokenMs as number | undefined) ?? 0;
    expect(stop.atMs - started.atMs).toBe(Math.max(0, 250 - spokenMs));
    expect(started.event.speechAtMs).toBe(said[1].startMs);
  }, 120_000);
});

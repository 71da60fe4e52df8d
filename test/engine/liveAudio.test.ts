import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { encodeWav16, readWavFile } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import { WavFileSource, type AudioSource } from '../../electron/audio/mic.ts';
import { LIVE_PAUSE_MS, LIVE_RECOGNITION_MS, LiveAudioCaller } from '../../electron/callers/live.ts';
import { runLiveCall } from '../../electron/callers/liveCall.ts';
import { setupFor } from '../../electron/engine/setup.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { BACKCHANNEL_DECISION_MS } from '../../shared/backchannel.ts';
import { DEFAULT_PAD_MS } from '../../electron/audio/asr.ts';

// `callsim mic --input x.wav` plays the file as the microphone, on the wall clock: what a live
// call hears, with the live path's VAD, backchannel hold and recognizer.

function callsim(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env });
  return { code: r.status, signal: r.signal, pid: r.pid, stdout: r.stdout, stderr: r.stderr };
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
const inputs = (journal: JournalEntry[], type: string) => journal.flatMap((e) => (e.kind === 'input' && e.event.type === type ? [{ atMs: e.atMs, event: e.event as Record<string, unknown> }] : []));

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
    fs.writeFileSync(
      path.join(dir, 'pause.wav'),
      encodeWav16(
        await layOut([
          [1000, 'Where is'],
          [0, 'my order?'],
        ]),
        16_000,
      ),
    );
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
  it("a recorded call tells a backchannel as late as a live call can: its padding and the recognizer's allowance", () => {
    expect(BACKCHANNEL_DECISION_MS).toBe(DEFAULT_PAD_MS + LIVE_RECOGNITION_MS);
  });

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

    // "okay", "uh" and "right" over the agent pause it and it resumes: no turn, no barge-in; the
    // caller's second sentence, over the agent, is a barge-in, and so is the third, which starts
    // while the answer before it is still being said (the three pauses made it that much longer)
    expect(off.metrics.bargeIns).toBe(2);
    expect(on.metrics.bargeIns).toBe(off.metrics.bargeIns);
    for (const r of [off, on]) {
      const j = journalOf(r.sessionId, db);
      expect(inputs(j, 'caller.backchannel')).toHaveLength(3);
      expect(j.filter((e) => e.kind === 'command' && e.command.type === 'agent.speech.resume')).toHaveLength(3);
    }
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
    // (the backchannels' own ends, which resume the paused agent, are no turn's)
    const ended = inputs(onJournal, 'caller.speech.ended').filter((e) => !e.event.backchannel);
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

    // The speech is heard as it starts, and the agent's audio pauses once it has lasted
    // bargeInMinSpeechMs on the call's (the audio's) clock, as offline; it stops for good as soon
    // as streaming recognition's words so far make it a turn (a caller.partial, then
    // caller.speech.turn), before the speech has ended. The answer was last heard at the pause.
    const journal = journalOf(result.sessionId, db);
    const started = inputs(journal, 'caller.speech.started')[1];
    const pause = journal.find((e) => e.kind === 'command' && e.command.type === 'agent.speech.pause')!;
    const stop = journal.find((e) => e.kind === 'command' && e.command.type === 'agent.speech.stop')!;
    expect(started.event.speechAtMs).toBe(said[1].startMs);
    // bargeInMinSpeechMs from where the speech began: detection confirmed the start some frames late (spokenMs)
    expect(started.event.spokenMs).toBe(started.atMs - (started.event.speechAtMs as number));
    expect(pause.atMs).toBe(Math.max(started.atMs, (started.event.speechAtMs as number) + 250));
    const [turn] = inputs(journal, 'caller.speech.turn');
    expect(turn.atMs).toBe(stop.atMs);
    expect(stop.atMs).toBeLessThan(said[1].endMs);
    expect(inputs(journal, 'caller.partial').filter((p) => p.atMs <= turn.atMs).length).toBeGreaterThan(0);
    expect(journal.some((e) => e.kind === 'command' && e.command.type === 'agent.speech.resume')).toBe(false);
    expect(answer.endMs).toBe(pause.atMs);
  }, 120_000);
});

/** LiveRecognizer directories of process `pid` in the temporary folder. */
const recognizerDirs = (pid: number) => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`callsim-live-asr-${pid}-`));

describe('an error in a live or realtime call ends the process with its exit code and marks the session', () => {
  it('the recognizer dies at the first utterance (mic --input, run --realtime): it exits by itself with 3 and one line; the session is complete with outcome error', () => {
    const dir = tempDir();
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // first on PATH: a pocketsphinx_batch that takes the first utterance and exits, as one crashing on it
    fs.writeFileSync(path.join(bin, 'pocketsphinx_batch'), '#!/bin/sh\nread line\nexit 1\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
    const db = path.join(dir, 'calls.db');
    for (const args of [
      ['mic', '--input', recording('cards-call-8k.wav'), '--mute'],
      ['run', recording('cards-call-8k.wav'), '--realtime'],
    ]) {
      const r = callsim([...args, '--json', '--db', db], env);
      expect(r.signal).toBeNull(); // it ended by itself, not at spawnSync's deadline
      expect(r.stderr).toBe('callsim: the call failed: pocketsphinx_batch failed: it exited with status 1\n');
      expect(r.code).toBe(3);
      const result: Result & { outcome: string } = JSON.parse(r.stdout);
      expect(result.outcome).toBe('error');
      const listed = JSON.parse(callsim(['sessions', 'list', '--json', '--db', db]).stdout) as { sessionId: string; status: string; outcome: string }[];
      expect(listed.find((s) => s.sessionId === result.sessionId)).toMatchObject({ status: 'complete', outcome: 'error' });
      // mid-call: the caller's first words were heard (journaled before they go to the recognizer), and the recognizer's folder is gone
      expect(inputs(journalOf(result.sessionId, db), 'caller.audio').length).toBeGreaterThan(0);
      expect(recognizerDirs(r.pid!)).toEqual([]);
    }
  }, 240_000);

  it('a rate the resampler cannot take (200 kHz) is refused before the call: exit 2, one line naming the file, nothing stored', () => {
    const dir = tempDir();
    const file = path.join(dir, 'ultrasonic.wav');
    fs.writeFileSync(file, encodeWav16(new Float32Array(20_000).fill(0.1), 200_000));
    const db = path.join(dir, 'calls.db');
    for (const args of [
      ['mic', '--input', file, '--mute', '--json'],
      ['run', file, '--realtime', '--json'],
      ['run', file, '--json'],
    ]) {
      const r = callsim([...args, '--db', db]);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`callsim: ${file}: sample rate 200000 Hz is out of range (callsim converts 63..192000 Hz to 16 kHz)\n`);
    }
    expect(JSON.parse(callsim(['sessions', 'list', '--json', '--db', db]).stdout)).toEqual([]);
  }, 120_000);

  it("a source that cannot start fails the live caller's start and leaves no recognizer running", async () => {
    const before = recognizerDirs(process.pid);
    const source: AudioSource = { subscribe: () => () => undefined, start: () => Promise.reject(new Error('no such device')), stop: () => undefined };
    const input = {
      inject: () => undefined,
      record: () => undefined,
      track: (work: Promise<unknown>) => void work.catch(() => undefined),
      recognized: () => undefined,
      agentSpeaking: () => false,
      advanceTo: () => undefined,
      release: () => undefined,
    };
    await expect(LiveAudioCaller.start(source, input, { endOfTurnSilenceMs: 600, onEnd: () => undefined })).rejects.toThrow('no such device');
    // closed: its folder goes once its processes have exited
    const same = () => recognizerDirs(process.pid).join() === before.join();
    for (const deadline = Date.now() + 30_000; !same() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect(recognizerDirs(process.pid)).toEqual(before);
  });

  it('a store that fails mid-call (the journal cannot be written once caller audio came) rejects the call and still stops the caller', async () => {
    const store = new SessionStore(path.join(tempDir(), 'calls.db'));
    let heard = false;
    // a sink that breaks once the caller has been heard, so the live caller is up and listening
    store.journalWriter = () => ({
      append: (e) => void (heard ||= e.kind === 'input' && e.event.type === 'caller.audio'),
      flush: () => {
        if (heard) throw new Error('disk I/O error');
      },
    });
    const before = recognizerDirs(process.pid);
    const source = new WavFileSource(recording('cards-call-8k.wav'), { pace: 'fast' });
    let stopped = false;
    const stop = source.stop.bind(source);
    source.stop = () => {
      stopped = true;
      stop();
    };
    try {
      const setup = await setupFor({ kind: 'live', session: { kind: 'mic' } });
      await expect(runLiveCall({ setup, source, store })).rejects.toThrow('disk I/O error');
    } finally {
      store.close();
    }
    expect(stopped).toBe(true); // by the time the call's error is out
    const same = () => recognizerDirs(process.pid).join() === before.join();
    for (const deadline = Date.now() + 30_000; !same() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect(recognizerDirs(process.pid)).toEqual(before);
  }, 60_000);
});

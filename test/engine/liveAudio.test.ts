import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from '../helpers.ts';
import { encodeWav16 } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import { LIVE_PAUSE_MS } from '../../electron/engine/liveAudio.ts';
import type { JournalEntry } from '../../shared/events.ts';

// `callsim mic --input x.wav` plays the file as the microphone, on the wall clock: what a live
// call hears, with the live path's VAD, backchannel hold and recognizer.

const bin = path.join(repoRoot, 'electron/cli/callsim.mjs');
function callsim(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
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
    // (the stream's start is estimated from when its chunks arrive, within a few ms)
    expect(ended.atMs - stoppedAt).toBeGreaterThan(LIVE_PAUSE_MS - 40);
    expect(ended.atMs - stoppedAt).toBeLessThan(LIVE_PAUSE_MS + 150);
    const turnEnd = journal.find((e) => e.kind === 'transition' && e.cause === 'after endOfTurnSilenceMs')!;
    expect(turnEnd.atMs - ended.atMs).toBe(600);
    expect(turnEnd.atMs - stoppedAt).toBeLessThan(600 + LIVE_PAUSE_MS + 150); // it was 1270 ms
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { streamingUnavailable } from '../audio/streamingAvailable.ts';
import path from 'node:path';
import { repoRoot, tempDir } from '../helpers.ts';
import { WavFileSource } from '../../electron/audio/mic.ts';
import { PARTIAL_STEP_MS, type PartialsOption } from '../../electron/callers/live.ts';
import { runLiveCall } from '../../electron/callers/liveCall.ts';
import { setupFor } from '../../electron/engine/setup.ts';
import type { SessionRun } from '../../electron/engine/session.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { journalEntrySchema } from '../../shared/journalSchema.ts';
import { replayJournal } from '../../shared/replay.ts';

const skipReason = streamingUnavailable();
if (skipReason) console.warn(`live partial-result tests skipped: ${skipReason}`);

type Truth = { segments: { startMs: number; endMs: number; text: string; backchannel?: boolean }[] };
const file = path.join(repoRoot, 'recordings/audio/backchannel-call.wav');
const truth = JSON.parse(fs.readFileSync(file.replace('.wav', '.truth.json'), 'utf8')) as Truth;

let store: SessionStore;
beforeAll(() => {
  store = new SessionStore(path.join(tempDir(), 'calls.db'));
});
afterAll(() => store.close());

/** backchannel-call.wav played as the microphone (at full speed: its times are the audio's), partials as said. */
async function call(partials?: PartialsOption, chunkSamples?: number): Promise<SessionRun> {
  const setup = await setupFor({ kind: 'live', session: { kind: 'recording', file: path.basename(file), channel: 'mix' } });
  return runLiveCall({ setup, source: new WavFileSource(file, { pace: 'fast', chunkSamples }), store, partials });
}
/**
 * A journal without its session's identity: what must be the same from the same audio (but the
 * whole-utterance recognizer's posteriors, which move slightly from run to run).
 */
const journalOf = (run: SessionRun) =>
  run.entries
    .filter((e) => e.kind !== 'input' || e.event.type !== 'session.started')
    .map(({ seq: _seq, ...e }) => (e.kind === 'input' && e.event.type === 'asr.result' ? { ...e, event: { ...e.event, confidence: 0 } } : e));
const commands = (run: SessionRun, type: string) => run.entries.flatMap((e) => (e.kind === 'command' && e.command.type === type ? [e] : []));
const inputs = (run: SessionRun, type: string) => run.entries.flatMap((e) => (e.kind === 'input' && e.event.type === type ? [e] : []));
/** The truth segment a time falls in (or just after: the decision comes after the speech). */
const segmentAt = (atMs: number) => truth.segments.find((s) => s.startMs <= atMs && atMs <= s.endMs + 1200);

describe.skipIf(skipReason !== null)('a live call with streaming partial results (backchannel-call.wav as the microphone)', () => {
  let on: SessionRun;
  let off: SessionRun;
  beforeAll(async () => {
    on = await call();
    off = await call(false);
  }, 240_000);

  it('journals the partials of the stretches heard over the agent, at PARTIAL_STEP_MS steps of the audio, and no partials when off', () => {
    const partials = inputs(on, 'caller.partial');
    expect(partials.length).toBeGreaterThan(3);
    for (const p of partials) {
      const ev = p.event as { atMs: number; text: string };
      expect(ev.text.length).toBeGreaterThan(0);
      expect(p.atMs).toBe(ev.atMs);
      // at the end of a 32 ms frame of the audio, within a stretch of the truth file
      expect(ev.atMs % 32).toBe(0);
      expect(segmentAt(ev.atMs)).toBeDefined();
    }
    expect(inputs(off, 'caller.partial')).toEqual([]);
    expect(inputs(off, 'caller.speech.turn')).toEqual([]);
    // the schema of imports takes the new entries
    for (const e of on.entries) expect(journalEntrySchema.safeParse(e).success).toBe(true);
  });

  it('a turn over the agent stops it from caller.speech.turn, before the speech ends and earlier than without partials', () => {
    const stopsOn = commands(on, 'agent.speech.stop').filter((e) => e.command.type === 'agent.speech.stop' && e.command.reason === 'barge_in');
    const stopsOff = commands(off, 'agent.speech.stop').filter((e) => e.command.type === 'agent.speech.stop' && e.command.reason === 'barge_in');
    const turns = inputs(on, 'caller.speech.turn');
    expect(turns.length).toBeGreaterThan(0);
    expect(stopsOn.length).toBe(stopsOff.length);
    for (const turn of turns) {
      // the stop is the turn's own transition, at its time
      const stop = stopsOn.find((s) => s.atMs === turn.atMs && s.seq > turn.seq);
      expect(stop).toBeDefined();
      const said = segmentAt(turn.atMs)!;
      expect(said.backchannel).toBeUndefined();
      expect(turn.atMs).toBeLessThan(said.endMs);
      // the words that decided it were journaled at that time
      expect(inputs(on, 'caller.partial').some((p) => p.atMs === turn.atMs)).toBe(true);
      // without partials the same speech stopped the agent later
      const before = stopsOff.find((s) => segmentAt(s.atMs) === said)!;
      expect(before.atMs).toBeGreaterThan(turn.atMs);
    }
  });

  it('the acknowledgements ("okay", "yeah", "right") still resume the agent, as without partials', () => {
    const resumes = (run: SessionRun) => commands(run, 'agent.speech.resume').map((e) => segmentAt(e.atMs)?.text);
    expect(resumes(on)).toEqual(['okay', 'yeah', 'right']);
    expect(resumes(on)).toEqual(resumes(off));
    expect(inputs(on, 'caller.backchannel').length).toBe(3);
  });

  it('the same audio in other chunks (so heard at other moments) gives the same partials, turns and stops at the same times', async () => {
    // four VAD frames a chunk instead of one: the recognizer is fed and answers at other moments of the stream
    const other = await call(undefined, 4 * 512);
    expect(journalOf(other)).toEqual(journalOf(on));
  }, 120_000);

  it('the journal replays without the audio pipeline: the same states', () => {
    const r = replayJournal(on.entries);
    expect(r.divergence).toBeNull();
    expect(r.identical).toBe(true);
    const offReplay = replayJournal(off.entries);
    expect(offReplay.identical).toBe(true);
  });
});

describe('a live call whose partial results cannot load', () => {
  it("with the library missing, the call is today's: one line saying so, the same journal as with partials off", async () => {
    const lines: string[] = [];
    const missing = await call({ libraries: { pocketsphinx: '/nonexistent/libpocketsphinx.so.3', sphinxbase: '/nonexistent/libsphinxbase.so.3' }, notice: (l) => lines.push(l) });
    expect(lines).toEqual([
      "callsim: live partial results off (/nonexistent/libpocketsphinx.so.3 not found (Debian: apt-get install libpocketsphinx3)); barge-in is decided when the caller's speech ends",
    ]);
    const off = await call(false);
    const shape = (run: SessionRun) =>
      run.entries
        .filter((e) => e.kind !== 'input' || e.event.type !== 'session.started')
        .map((e) => ({ atMs: e.atMs, kind: e.kind, what: e.kind === 'input' ? e.event.type : e.kind === 'command' ? e.command.type : e.state }));
    expect(shape(missing)).toEqual(shape(off));
  }, 240_000);
});

it('PARTIAL_STEP_MS is a whole number of VAD frames', () => {
  expect(PARTIAL_STEP_MS % 32).toBe(0);
});

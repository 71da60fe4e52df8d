import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { CallEvent, JournalEntry } from '../../shared/events.ts';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { callerTurns, checkReproduction, sessionToScenario } from '../../electron/engine/toScenario.ts';
import { maxSayChars, maxTurns } from '../../shared/scenario.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { libraryDir, libraryNames, tempDir } from '../helpers.ts';

const scenarioDir = libraryDir;
const library = libraryNames();

const transitions = (r: { result: { transitions: { state: string; atMs: number }[] } }) => r.result.transitions.map((t) => ({ state: t.state, atMs: t.atMs }));

describe('sessions to-scenario round-trips every library scenario', () => {
  const store = new SessionStore(path.join(tempDir(), 'roundtrip.db'));
  afterAll(() => store.close());

  /** Runs a library scenario into the store, turns the saved session into a scenario (as the CLI does), and runs that. */
  async function roundTrip(file: string) {
    const original = await runScenario(readScenario(path.join(scenarioDir, file)), { store });
    const generated = sessionToScenario(original.sessionId, store.journal(original.sessionId), store.result(original.sessionId));
    return { original, generated, again: await runScenario(generated, null) };
  }

  it('the library has scenarios to round-trip', () => expect(library.length).toBeGreaterThanOrEqual(20));
  for (const file of library) {
    it(`${file}: the generated scenario takes the same transitions at the same times and passes its expect block`, async () => {
      const { original, again } = await roundTrip(file);
      expect(original.error).toBeNull();
      expect(transitions(again)).toEqual(transitions(original));
      expect(again.failures).toEqual([]);
    });
  }

  it('asr-outage: the turn recognition failed on is kept, so the fault on asr call 1 hits the same words', async () => {
    const { generated } = await roundTrip('asr-outage.json');
    expect(generated.caller.turns.map((t) => t.say)).toEqual(['Where is my order?', 'I said, where is my order?', "Great, that's all. Bye."]);
    expect(generated.caller.turns[0].at).toBe(1000);
    expect(generated.faults).toEqual([{ target: 'asr', mode: 'error', status: 503, calls: [1] }]);
  });

  it('slow-asr: a result that comes after the next turn started stays with the turn it recognised', async () => {
    const { generated } = await roundTrip('slow-asr.json');
    expect(generated.caller.turns.slice(0, 2)).toEqual([
      { at: 1000, say: 'Hi, I wanted to ask' },
      { at: 3280, say: 'where my order is' },
    ]);
  });
});

describe('callerTurns without the words a scenario said (recordings, the microphone)', () => {
  let seq = 0;
  const input = (atMs: number, event: CallEvent): JournalEntry => ({ seq: seq++, atMs, kind: 'input', event });

  it('gives the n-th recognition answer to the n-th stretch of speech that ended, keeps a failed one, and the hang-up', () => {
    const journal = [
      input(1000, { type: 'caller.speech.started' }),
      input(2000, { type: 'caller.speech.ended' }),
      input(2100, { type: 'caller.speech.started' }),
      input(2400, { type: 'asr.failed', error: 'recognizer error 503' }), // the first stretch's, late
      input(3000, { type: 'caller.speech.ended' }),
      input(3900, { type: 'asr.result', text: 'where my order is', confidence: 0.9 }),
      input(5000, { type: 'caller.speech.started' }),
      input(5600, { type: 'caller.speech.ended' }),
      input(5700, { type: 'asr.result', text: 'thanks', confidence: 0.9 }),
      input(7000, { type: 'caller.hungup' }),
    ];
    expect(callerTurns(journal, null)).toEqual([
      { at: 1000, say: ' ' },
      { at: 2100, say: 'where my order is' },
      { at: 5000, say: 'thanks' },
      { at: 7000, hangUp: true },
    ]);
  });

  it("prefers the scenario's words to what recognition made of them, and falls back when they run out", () => {
    const journal = [
      input(1000, { type: 'caller.speech.started' }),
      input(2000, { type: 'caller.speech.ended' }),
      input(2000, { type: 'asr.result', text: 'uh bell my order', confidence: 0.4 }), // garbled
      input(3000, { type: 'caller.speech.started' }),
      input(3500, { type: 'caller.speech.ended' }),
      input(3500, { type: 'asr.result', text: 'bye', confidence: 1 }),
    ];
    expect(callerTurns(journal, ['Where is my order?'])).toEqual([
      { at: 1000, say: 'Where is my order?' },
      { at: 3000, say: 'bye' },
    ]);
  });
});

describe('to-scenario keeps what the call ran against', () => {
  it("a scenario's own tool backends (tools) stay in the regression test", async () => {
    const store = new SessionStore(path.join(tempDir(), 'tools.db'));
    const base = readScenario(path.join(scenarioDir, 'happy-path.json'));
    // a backend nobody listens on: the call's balance lookups fail, and so must the regression test's
    const withTools = { ...base, tools: { 'crm.getAccountBalance': { url: 'http://127.0.0.1:9/balance' } } };
    const run = await runScenario(withTools, { store });
    const generated = sessionToScenario(run.sessionId, store.journal(run.sessionId), store.result(run.sessionId));
    expect(generated.tools).toEqual(withTools.tools);
    const again = await runScenario(generated, null);
    expect(again.result.toolCalls.map((c) => `${c.tool} ${c.outcome}`)).toEqual(run.result.toolCalls.map((c) => `${c.tool} ${c.outcome}`));
    store.close();
  });
});

describe('to-scenario of what a scenario file cannot hold', () => {
  it("a recorded caller's monologue longer than a scenario line is cut at a word, and the check says so; too many turns is one clear error", async () => {
    const run = await runScenario(readScenario(path.join(scenarioDir, 'happy-path.json')), null);
    const monologue = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '); // 3,090 characters
    // the same call as if heard from a recording: the words are recognition's
    const entries: JournalEntry[] = run.entries.map((e) => {
      if (e.kind !== 'input') return e;
      if (e.event.type === 'session.started') return { ...e, event: { ...e.event, source: { kind: 'recording', file: 'long.wav' } } };
      if (e.event.type === 'asr.result' && e.atMs === run.entries.find((x) => x.kind === 'input' && x.event.type === 'asr.result')!.atMs) return { ...e, event: { ...e.event, text: monologue } };
      return e;
    });
    const generated = sessionToScenario(run.sessionId, entries, run.result);
    const said = generated.caller.turns.find((t) => t.say?.startsWith('word0'))!.say!;
    expect(said.length).toBeLessThanOrEqual(maxSayChars);
    expect(monologue.startsWith(`${said} `)).toBe(true);
    const check = await checkReproduction(generated, entries, run.result);
    expect(check.limits.join('; ')).toMatch(/^the caller's words at \d+ ms were cut to the 2000 characters a scenario line holds/);
    // a live call's early turn (streaming partials) is named too
    const early: JournalEntry[] = [...entries, { seq: entries.length, atMs: 4321, kind: 'input', event: { type: 'caller.speech.turn' } }];
    expect((await checkReproduction(generated, early, run.result)).limits).toContain(
      "turns told before they ended by the live call's partial results (at 4321 ms) are told when they end by a scenario's caller",
    );

    const many: JournalEntry[] = [...entries];
    for (let i = 0; i <= maxTurns; i++) many.push({ seq: many.length, atMs: 100_000 + i, kind: 'input', event: { type: 'caller.speech.started' } });
    expect(() => sessionToScenario(run.sessionId, many, run.result)).toThrow(
      new RegExp(`journal: has ${maxTurns + 1 + generated.caller.turns.length} caller turns, more than the ${maxTurns} a scenario file holds`),
    );
  });
});

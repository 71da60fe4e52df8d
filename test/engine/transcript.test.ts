import { describe, expect, it } from 'vitest';
import path from 'node:path';
import type { CallEvent, JournalEntry } from '../../shared/events.ts';
import { policyDefaults } from '../../shared/policy.ts';
import { buildRunResult } from '../../shared/result.ts';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { TimelineFold } from '../../renderer/model/timeline.ts';
import { libraryDir, libraryNames } from '../helpers.ts';

const scenarioDir = libraryDir;
const library = libraryNames();

async function run(file: string) {
  const scenario = readScenario(path.join(scenarioDir, file));
  const r = await runScenario(scenario, null);
  expect(r.error).toBeNull();
  // a line said over the agent that was only an acknowledgement is journaled as a backchannel, not a turn
  const backchannels = r.entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'caller.backchannel' ? [e.event.text] : []));
  const said = scenario.caller.turns.flatMap((t) => (t.say === undefined ? [] : [t.say])).filter((s) => !backchannels.includes(s));
  const callerTexts = r.result.turns.filter((t) => t.speaker === 'caller').map((t) => t.text);
  const fold = new TimelineFold();
  fold.apply(r.entries);
  // the timeline shows a backchannel where it was said, as no turn
  const timelineTexts = fold.items.flatMap((i) => (i.kind === 'turn' && i.speaker === 'caller' && i.purpose !== 'backchannel' ? [i.text] : []));
  return { r, said, callerTexts, timelineTexts, fold };
}

describe('the transcript gives each caller turn its own words', () => {
  // A text caller speaks each `say` as one stretch of speech, so the n-th caller turn said the
  // n-th line: its words are that line, or nothing where recognition failed (none of the
  // library garbles words).
  it.each(library)('%s: every caller turn holds the line it said or nothing, in the result and on the timeline', async (file) => {
    const { said, callerTexts, timelineTexts } = await run(file);
    expect(callerTexts.length).toBeGreaterThan(0);
    callerTexts.forEach((text, n) => expect([said[n], null]).toContain(text));
    expect(timelineTexts).toEqual(callerTexts);
  });

  it('asr-outage: the turn recognition failed on stays unrecognised, and the next answers go to their own turns', async () => {
    const { callerTexts } = await run('asr-outage.json');
    expect(callerTexts).toEqual([null, 'I said, where is my order?', "Great, that's all. Bye."]);
  });

  it('asr-slow-failure: a failure that comes late is paired with the turn it failed on', async () => {
    const { r, callerTexts } = await run('asr-slow-failure.json');
    expect(callerTexts).toEqual([null, 'I said, where is my order?', "Great, that's all. Bye."]);
    const failed = r.entries.find((e) => e.kind === 'input' && e.event.type === 'asr.failed')!;
    const waiting = r.entries.find((e) => e.kind === 'transition' && e.state === 'active.conversation.awaitingTranscript')!;
    expect(failed.atMs).toBeGreaterThan(waiting.atMs);
  });

  it('asr-lost: recognition that never answers is given up once, after deadAirMs, and every later turn is heard', async () => {
    const { r, callerTexts, fold } = await run('asr-lost.json');
    expect(r.result.outcome).toBe('completed');
    expect(callerTexts).toEqual([null, 'I said, where is my order?', "Great, that's all. Bye."]);
    const abandons = r.entries.filter((e) => e.kind === 'command' && e.command.type === 'asr.abandon');
    const waiting = r.entries.find((e) => e.kind === 'transition' && e.state === 'active.conversation.awaitingTranscript')!;
    expect(abandons.map((e) => e.atMs)).toEqual([waiting.atMs + policyDefaults.deadAirMs]);
    // the turns after it go straight to the agent, not to another wait for the lost answer
    expect(r.entries.filter((e) => e.kind === 'transition' && e.state === 'active.conversation.awaitingTranscript')).toHaveLength(1);
    expect(fold.items.some((i) => i.kind === 'note' && i.startMs === abandons[0]!.atMs && /no longer waited for/.test(i.text))).toBe(true);
  });
});

describe('a late answer after the machine gave up', () => {
  let seq = 0;
  const input = (atMs: number, event: CallEvent): JournalEntry => ({ seq: seq++, atMs, kind: 'input', event });

  it('is not given to the turn that was given up, in the result or on the timeline', () => {
    const journal: JournalEntry[] = [
      input(1000, { type: 'caller.speech.started' }),
      input(2000, { type: 'caller.speech.ended' }),
      { seq: seq++, atMs: 7600, kind: 'command', command: { type: 'asr.abandon', reason: 'timeout' } },
      input(9000, { type: 'asr.result', text: 'too late', confidence: 1 }),
      input(10000, { type: 'caller.speech.started' }),
      input(11000, { type: 'caller.speech.ended' }),
      input(11000, { type: 'asr.result', text: 'heard', confidence: 1 }),
    ];
    const fold = new TimelineFold();
    fold.apply(journal);
    expect(buildRunResult('s', journal).turns.map((t) => t.text)).toEqual([null, 'heard']);
    expect(fold.items.flatMap((i) => (i.kind === 'turn' ? [i.text] : []))).toEqual([null, 'heard']);
  });
});

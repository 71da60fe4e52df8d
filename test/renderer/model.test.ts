import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { machineGraph } from '../../shared/graph.ts';
import { callMachine } from '../../shared/machine.ts';
import { leafPaths } from '../../shared/statePaths.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { readScenario } from '../../electron/input/files.ts';
import { StateFold, frameAt, stepEdges, activePaths, reentersState } from '../../renderer/model/states.ts';
import { TimelineFold, itemsUpTo } from '../../renderer/model/timeline.ts';
import { layoutStatechart } from '../../renderer/model/layout.ts';
import { CallModel, lastAtOrBefore } from '../../renderer/model/call.ts';
import { libraryDir, libraryNames } from '../helpers.ts';

const graph = machineGraph(callMachine);
const scenarioDir = libraryDir;
const scenarios = libraryNames();

/** Runs a library scenario, recording the machine's own active leaves after every step. */
async function runWithSnapshots(file: string) {
  const snapshots: { atMs: number; leaves: string[] }[] = [];
  let now = 0;
  const run = await runScenario(readScenario(path.join(scenarioDir, file)), null, {
    onEntry: (e) => (now = e.atMs),
    inspect: (e) => {
      if (e.type === '@xstate.snapshot') snapshots.push({ atMs: now, leaves: leafPaths((e.snapshot as unknown as { value: unknown }).value).sort() });
    },
  });
  return { run, snapshots };
}

describe('the statechart reads the active states from the journal alone', () => {
  it.each(scenarios)('%s: at every step, the folded states are the machine snapshot’s', async (file) => {
    const { run, snapshots } = await runWithSnapshots(file);
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    // The state after the last step at each instant is what a seek to that instant shows.
    const lastAt = new Map<number, string[]>();
    for (const s of snapshots) lastAt.set(s.atMs, s.leaves);
    for (const [atMs, leaves] of lastAt) expect([...(frameAt(fold.frames, atMs)?.leaves ?? [])].sort(), `${file} at ${atMs} ms`).toEqual(leaves);
  });

  it('names the arrow of each step: direct, and through transient states', async () => {
    const { run } = await runWithSnapshots('crm-blackout.json');
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const listening = fold.frames.find((f) => f.entered === 'active.conversation.callerSpeaking')!;
    expect(stepEdges(graph, listening)).toEqual([{ id: 'active.conversation.listening→active.conversation.callerSpeaking', label: 'caller.speech.started' }]);
    const handoff = fold.frames.find((f) => f.entered === 'handoff')!;
    expect(handoff.cause).toBe('tool.result');
    expect(stepEdges(graph, handoff)).toEqual([
      { id: 'active.conversation.toolCall→active.conversation.toolFailed', label: 'tool.result [guard]' },
      { id: 'active.conversation.toolFailed→handoff', label: 'always [circuitBreakerFailures]' },
    ]);
    expect(activePaths(handoff)).toEqual(new Set(['handoff']));
  });

  it('keeps when each active state was entered, for the timers', async () => {
    const { run } = await runWithSnapshots('slow-model.json');
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const filler = fold.frames.find((f) => f.entered === 'active.conversation.thinking.fillerPlayed')!;
    const thinking = [...fold.frames].reverse().find((f) => f.atMs < filler.atMs && f.entered === 'active.conversation.thinking.waiting')!;
    expect(filler.enteredAt['active.conversation.thinking']).toBe(thinking.atMs);
    expect(filler.enteredAt['active.conversation.thinking.fillerPlayed']).toBe(filler.atMs);
  });
});

describe('the timers of the monitors run from the latest entry of their state', () => {
  // `thinking` says when it is entered: its entry action asks the agent (an agent.think command,
  // journaled). A failed model answer re-enters it (`reenter`: its budget and filler timers start
  // again), also from `fillerPlayed`, where the journal's newly entered leaf is `waiting`.
  const thinking = 'active.conversation.thinking';
  it.each(scenarios)('%s: `thinking` was entered at its latest agent.think', async (file) => {
    const { run } = await runWithSnapshots(file);
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const asked = run.entries.flatMap((e) => (e.kind === 'command' && e.command.type === 'agent.think' ? [e.atMs] : []));
    let frames = 0;
    for (const f of fold.frames) {
      if (f.enteredAt[thinking] === undefined) continue;
      expect(f.enteredAt[thinking], `${file}: frame ${f.seq} (${f.entered} at ${f.atMs} ms)`).toBe(asked.filter((t) => t <= f.atMs).pop());
      frames++;
    }
    expect(frames > 0).toBe(asked.length > 0);
  });

  it('reads which active states a transition leaves and enters again as XState v5 does', () => {
    const t = (source: string, targets: string[], reenter = false) => ({ source, targets, reenter });
    // to a sibling: the parent stays, the source and everything inside it are left
    expect(reentersState(t('a.b', ['a.c']), 'a')).toBe(false);
    expect(reentersState(t('a.b', ['a.c']), 'a.b.x')).toBe(true);
    // to itself with reenter: it is left and entered again, its parent stays
    expect(reentersState(t('a.b', ['a.b'], true), 'a.b')).toBe(true);
    expect(reentersState(t('a.b', ['a.b'], true), 'a')).toBe(false);
    // to itself without reenter: only what is inside it
    expect(reentersState(t('a.b', ['a.b']), 'a.b')).toBe(false);
    expect(reentersState(t('a.b', ['a.b']), 'a.b.x')).toBe(true);
    // into a child: the source stays unless the transition re-enters
    expect(reentersState(t('a', ['a.b.c']), 'a')).toBe(false);
    expect(reentersState(t('a', ['a.b.c'], true), 'a')).toBe(true);
    // between top-level states: the domain is the root
    expect(reentersState(t('a', ['z']), 'z.y')).toBe(true);
  });

  it('a model that keeps failing restarts the thinking budget at every retry', async () => {
    const { run } = await runWithSnapshots('model-outage.json');
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const retries = fold.frames.filter((f) => f.cause === 'agent.failed' && f.entered.startsWith(`${thinking}.`));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const f of retries) expect(f.enteredAt[thinking]).toBe(f.atMs);
  });
});

describe('the timeline is folded incrementally, agreeing with the result', () => {
  it.each(scenarios)('%s: turns and tool calls match buildRunResult, batch by batch', async (file) => {
    const { run } = await runWithSnapshots(file);
    const fold = new TimelineFold();
    // As pushes arrive: batches of seven, some repeated (a journal fetched mid-call overlaps pushes).
    for (let i = 0; i < run.entries.length; i += 7) fold.apply(run.entries.slice(Math.max(0, i - 3), i + 7));
    // a backchannel over the agent is drawn where it was said, and is no turn of the result
    const turns = fold.items.flatMap((i) => (i.kind === 'turn' && i.purpose !== 'backchannel' ? [i] : []));
    expect(turns.map((t) => ({ speaker: t.speaker, startMs: t.startMs, endMs: t.endMs, text: t.text, interrupted: t.interrupted })).sort((a, b) => a.startMs - b.startMs)).toEqual(
      run.result.turns.map((t) => ({ speaker: t.speaker, startMs: t.startMs, endMs: t.endMs, text: t.text, interrupted: t.interrupted })),
    );
    const tools = fold.items.filter((i) => i.kind === 'tool');
    expect(tools.map((t) => ({ tool: t.tool, startMs: t.startMs, endMs: t.endMs, outcome: t.outcome, status: t.status ?? undefined }))).toEqual(
      run.result.toolCalls.map((c) => ({ tool: c.tool, startMs: c.startMs, endMs: c.endMs, outcome: c.outcome, status: c.status })),
    );
    expect(fold.handoff?.reason ?? null).toBe(run.result.handoff?.reason ?? null);
    expect(fold.items.filter((i) => i.kind === 'filler')).toHaveLength(run.result.metrics.fillerPlays);
    for (let i = 1; i < fold.items.length; i++) expect(fold.items[i].startMs).toBeGreaterThanOrEqual(fold.items[i - 1].startMs);
  });

  it('marks barge-ins, and control actions change the plan from their time on', async () => {
    const { run } = await runWithSnapshots('barge-in.json');
    const fold = new TimelineFold();
    fold.apply(run.entries);
    expect(fold.items.some((i) => i.kind === 'turn' && i.speaker === 'caller' && i.bargeIn)).toBe(true);
    const seq = run.entries.at(-1)!.seq;
    fold.apply([
      { seq: seq + 1, atMs: 500, kind: 'input', event: { type: 'control.fault.set', fault: { target: 'asr', mode: 'garble' } } },
      { seq: seq + 2, atMs: 600, kind: 'input', event: { type: 'control.policy.set', patch: { deadAirMs: 900 } } },
      { seq: seq + 3, atMs: 700, kind: 'input', event: { type: 'control.fault.cleared', target: 'asr' } },
    ]);
    expect(fold.planAt(550)!.faults).toEqual([{ target: 'asr', mode: 'garble' }]);
    expect(fold.planAt(650)!.policy.deadAirMs).toBe(900);
    expect(fold.planAt(450)!.policy.deadAirMs).toBe(5000);
    expect(fold.planAt(800)!.faults).toEqual([]);
    expect(fold.items.filter((i) => i.kind === 'control').map((i) => (i as { text: string }).text)).toEqual(['fault set · asr: garble', 'policy · deadAirMs=900', 'fault cleared · asr']);
  });

  it('seeks by binary search', () => {
    const items = [0, 10, 10, 20, 35].map((startMs) => ({ startMs, atMs: startMs }));
    expect([-1, 0, 10, 15, 35, 99].map((t) => itemsUpTo(items, t))).toEqual([0, 1, 3, 3, 5, 5]);
    expect([-1, 0, 15, 99].map((t) => lastAtOrBefore(items, t)?.atMs ?? null)).toEqual([null, 0, 10, 35]);
  });
});

describe('the statechart layout', () => {
  it('draws every state of the machine, children inside their parents, every transition as a routed arrow', async () => {
    const layout = await layoutStatechart(graph);
    expect(layout.states.map((s) => s.path).sort()).toEqual(graph.states.map((s) => s.path).sort());
    const byPath = new Map(layout.states.map((s) => [s.path, s]));
    for (const s of layout.states) {
      if (!s.parent) continue;
      const p = byPath.get(s.parent)!;
      expect(s.x >= 0 && s.y >= 0 && s.x + s.width <= p.width + 0.01 && s.y + s.height <= p.height + 0.01, `${s.path} inside ${s.parent}`).toBe(true);
    }
    const pairs = new Set(graph.transitions.flatMap((t) => t.targets.map((x) => `${t.source}→${x}`)));
    expect(new Set(layout.edges.map((e) => e.id))).toEqual(pairs);
    for (const e of layout.edges) expect(e.points.length, e.id).toBeGreaterThanOrEqual(2);
  });
});

describe('joining a running call', () => {
  it('pushes that arrive before the journal so far fold in after it: the whole call, however the two interleave', async () => {
    const run = await runScenario(readScenario(path.join(scenarioDir, 'crm-blackout.json')), null);
    const all = run.entries;
    const whole = new CallModel('s', graph);
    whole.applyJournal(all);
    const batch = (entries: typeof all) => ({ sessionId: 's', nowMs: entries.at(-1)?.atMs ?? 0, sentAt: 0, entries, inspection: [] });
    // (the journal so far always reaches the first push: the page listened before it asked)
    for (const [joinedAt, pushedFrom] of [
      [20, 15],
      [25, 25],
      [all.length - 3, 5],
      [0, 0],
      [all.length, all.length - 2],
    ] as const) {
      const m = new CallModel('s', graph);
      m.beginJoin();
      // pushes from `pushedFrom` on, in batches of 4, arrive while the journal (up to `joinedAt`) is fetched
      for (let i = pushedFrom; i < all.length; i += 4) m.applyBatch(batch(all.slice(i, i + 4)), 0);
      expect(m.timeline.lastAtMs).toBe(0); // nothing folded yet
      m.finishJoin(all.slice(0, joinedAt), []);
      expect(m.states.frames, `joined at ${joinedAt}, pushes from ${pushedFrom}`).toEqual(whole.states.frames);
      expect(m.timeline.items, `joined at ${joinedAt}`).toEqual(whole.timeline.items);
      expect(m.timeline.items.length).toBeGreaterThan(5);
    }
  });
});

describe('the timeline shows a live caller’s partial results', () => {
  it('the words so far on the open caller turn until its recognised words come; a turn told early is a note', () => {
    const fold = new TimelineFold();
    fold.apply([
      { seq: 1, atMs: 300, kind: 'input', event: { type: 'caller.speech.started', speechAtMs: 100, spokenMs: 200 } },
      { seq: 2, atMs: 356, kind: 'input', event: { type: 'caller.partial', atMs: 356, text: 'i want a' } },
      { seq: 3, atMs: 612, kind: 'input', event: { type: 'caller.partial', atMs: 612, text: 'i want a refund' } },
      { seq: 4, atMs: 612, kind: 'input', event: { type: 'caller.speech.turn' } },
    ]);
    const turn = () => fold.items.find((i) => i.kind === 'turn' && i.speaker === 'caller') as Extract<(typeof fold.items)[number], { kind: 'turn' }>;
    expect(turn().partial).toBe('i want a refund…');
    expect(turn().text).toBeNull();
    expect(fold.items.some((i) => i.kind === 'note' && i.startMs === 612 && i.text.includes('partial result'))).toBe(true);
    fold.apply([
      { seq: 5, atMs: 900, kind: 'input', event: { type: 'caller.speech.ended', speechAtMs: 800 } },
      { seq: 6, atMs: 1100, kind: 'input', event: { type: 'asr.result', text: 'i want a refund please', confidence: 0.8 } },
    ]);
    expect(turn().text).toBe('i want a refund please');
  });
});

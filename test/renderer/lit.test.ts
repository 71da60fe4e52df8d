import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { machineGraph } from '../../shared/graph.ts';
import { callMachine } from '../../shared/machine.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { readScenario } from '../../electron/input/files.ts';
import { StateFold, activePaths, stepEdges } from '../../renderer/model/states.ts';
import { LitChart } from '../../renderer/model/lit.ts';
import { repoRoot } from '../helpers.ts';

const graph = machineGraph(callMachine);

/** Every state and arrow of the chart listening, as its node would: how often each is told. */
function listenToAll(lit: LitChart) {
  const told = new Map<string, number>();
  const keys = new Set([...graph.states.map((s) => LitChart.stateKey(s.path)), ...graph.transitions.flatMap((t) => t.targets.map((x) => LitChart.edgeKey(`${t.source}→${x}`))), LitChart.stepKey]);
  for (const k of keys) lit.subscribe(k, () => told.set(k, (told.get(k) ?? 0) + 1));
  return { told, keys };
}

describe('the lit statechart tells only what a step changed', () => {
  it('each step notifies the states and arrows whose look changed, once each, and the rest not at all', async () => {
    const run = await runScenario(readScenario(path.join(repoRoot, 'recordings/scenarios/crm-blackout.json')), null);
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const lit = new LitChart();
    const { told, keys } = listenToAll(lit);
    let prev: (typeof fold.frames)[number] | null = null;
    for (const frame of fold.frames) {
      told.clear();
      const changed = lit.show(graph, frame);
      // What changed, from the frames alone: states that (de)activated, the entered leaf before and now, the arrows of both steps, the note.
      const before = activePaths(prev);
      const now = activePaths(frame);
      const states = new Set([...now].filter((p) => !before.has(p)).concat([...before].filter((p) => !now.has(p))));
      if (prev?.entered !== frame.entered) for (const p of [prev?.entered, frame.entered]) if (p) states.add(p);
      const prevEdges = new Map(stepEdges(graph, prev).map((e) => [e.id, e.label]));
      const edges = new Set(
        stepEdges(graph, frame)
          .filter((e) => prevEdges.get(e.id) !== e.label)
          .map((e) => e.id),
      );
      for (const id of prevEdges.keys()) if (!stepEdges(graph, frame).some((e) => e.id === id)) edges.add(id);
      const expected = new Set([...[...states].map(LitChart.stateKey), ...[...edges].map(LitChart.edgeKey), LitChart.stepKey]);
      expect(new Set(told.keys()), `at ${frame.atMs} ms entering ${frame.entered}`).toEqual(expected);
      expect([...told.values()].every((n) => n === 1)).toBe(true);
      expect(changed).toBe(expected.size);
      // Far fewer than the whole chart: that is the point.
      expect(changed).toBeLessThan(keys.size / 3);
      for (const p of now) expect(lit.stateLook(p)).toBe(p === frame.entered ? 'entered' : 'active');
      prev = frame;
    }
    expect(fold.frames.length).toBeGreaterThan(10);
  });

  it('showing the same frame again tells nobody; showing none turns everything off', async () => {
    const run = await runScenario(readScenario(path.join(repoRoot, 'recordings/scenarios/happy-path.json')), null);
    const fold = new StateFold(graph);
    fold.apply(run.entries);
    const lit = new LitChart();
    const { told } = listenToAll(lit);
    const frame = fold.frames[Math.floor(fold.frames.length / 2)];
    lit.show(graph, frame);
    told.clear();
    expect(lit.show(graph, frame)).toBe(0);
    expect(told.size).toBe(0);
    lit.show(graph, null);
    for (const p of activePaths(frame)) expect(lit.stateLook(p)).toBe('off');
    expect(lit.stepNote()).toBeNull();
    expect(told.get(LitChart.stepKey)).toBe(1);
  });
});

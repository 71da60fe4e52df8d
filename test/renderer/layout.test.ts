import { beforeAll, describe, expect, it } from 'vitest';
import { machineGraph } from '../../shared/graph.ts';
import { callMachine } from '../../shared/machine.ts';
import { labelObstacles, layoutStatechart, placeEdgeLabel, type Box, type StatechartLayout } from '../../renderer/model/layout.ts';

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

let layout: StatechartLayout;
let obstacles: Box[];
let bounds: Box;
beforeAll(async () => {
  layout = await layoutStatechart(machineGraph(callMachine));
  obstacles = labelObstacles(layout);
  bounds = { x: 0, y: 0, width: layout.width, height: layout.height };
});

describe('the label of the transition just taken', () => {
  it('caller.speech.ended (callerSpeaking → callerPaused) keeps clear of every state and compound header, AGENTSPEAKING included', () => {
    const edge = layout.edges.find((e) => e.id === 'active.conversation.callerSpeaking→active.conversation.callerPaused')!;
    const at = placeEdgeLabel(edge.points, 'caller.speech.ended', obstacles, bounds)!;
    const agentSpeaking = obstacles[layout.states.findIndex((s) => s.path === 'active.conversation.agentSpeaking')];
    expect(agentSpeaking.height).toBe(20);
    // Clear by a margin: not even on the arrowheads that end on AGENTSPEAKING's top.
    const inflated = (o: Box) => ({ x: o.x - 6, y: o.y - 6, width: o.width + 12, height: o.height + 12 });
    expect(overlap(at.box, inflated(agentSpeaking))).toBe(0);
    for (const o of obstacles) expect(overlap(at.box, inflated(o))).toBe(0);
  });

  it('every transition label stays clear of the states and inside the chart, but where the box leaves no room', async () => {
    // callerMonitor's re-entry on asr.result runs 24 px from its header into `assessed`: no spot is clear.
    const cramped = new Set(['active.callerMonitor→active.callerMonitor.assessed']);
    const covering: string[] = [];
    for (const e of layout.edges)
      for (const text of e.labels) {
        const at = placeEdgeLabel(e.points, text, obstacles, bounds)!;
        expect(overlap(at.box, bounds), `${e.id} ${text} inside the chart`).toBeCloseTo(at.box.width * at.box.height);
        if (obstacles.some((o) => overlap(at.box, o) > 0)) covering.push(e.id);
      }
    expect(covering.filter((id) => !cramped.has(id))).toEqual([]);
  });

  it('sits beside a vertical segment and above a horizontal one, aligned away from the line', () => {
    const v = placeEdgeLabel(
      [
        { x: 100, y: 0 },
        { x: 100, y: 200 },
      ],
      'after deadAirMs',
      [],
    )!;
    expect(v).toMatchObject({ x: 107, y: 104, anchor: 'start' });
    const h = placeEdgeLabel(
      [
        { x: 0, y: 50 },
        { x: 300, y: 50 },
      ],
      'tool.result',
      [],
    )!;
    expect(h).toMatchObject({ x: 150, y: 44, anchor: 'middle' });
    // A state to the right of the vertical line: the label moves to its left.
    const left = placeEdgeLabel(
      [
        { x: 100, y: 0 },
        { x: 100, y: 200 },
      ],
      'after deadAirMs',
      [{ x: 102, y: 0, width: 200, height: 200 }],
    )!;
    expect(left.anchor).toBe('end');
    expect(left.box.x + left.box.width).toBeLessThanOrEqual(100);
  });
});

import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { coverage, machineGraph, traceCollector, transitionKey } from '../../shared/graph.ts';
import { callMachine, LIVE_ONLY_EVENTS } from '../../shared/machine.ts';

/** Two guarded paths and an inline one from `waiting` on `go`, all to `done`; a fallback to `other`. */
const forked = setup({
  types: { context: {} as { route: string }, events: {} as { type: 'go'; route: string } },
  guards: {
    viaA: ({ event }) => event.route === 'a',
    viaB: ({ event }) => event.route === 'b',
  },
}).createMachine({
  context: { route: '' },
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        go: [
          { guard: 'viaA', target: 'done' },
          { guard: 'viaB', target: 'done' },
          { guard: ({ event }) => event.route === 'c', target: 'done' },
          { guard: ({ event }) => event.route === 'd', target: 'done' },
          { target: 'other' },
        ],
      },
    },
    done: { type: 'final' },
    other: { type: 'final' },
  },
});

function never(route: string): string[] {
  const tracer = traceCollector();
  const actor = createActor(forked, { inspect: (e) => tracer.observe(e as never) });
  actor.start();
  actor.send({ type: 'go', route });
  return coverage(machineGraph(forked), [tracer.trace]).transitions.never;
}

describe('transition coverage', () => {
  it('counts a path as taken only when that guard let it through, not another to the same target', () => {
    expect(never('a')).toEqual(['waiting --go [viaB]--> done', 'waiting --go--> done', 'waiting --go--> done', 'waiting --go--> other']);
    expect(never('b')).toEqual(['waiting --go [viaA]--> done', 'waiting --go--> done', 'waiting --go--> done', 'waiting --go--> other']);
  });

  it('tells two inline guards to the same target apart by their place among the candidates', () => {
    const graph = machineGraph(forked);
    const tracer = traceCollector();
    const actor = createActor(forked, { inspect: (e) => tracer.observe(e as never) });
    actor.start();
    actor.send({ type: 'go', route: 'd' });
    const fourth = graph.transitions.find((t) => t.index === 3)!;
    expect(fourth).toMatchObject({ source: 'waiting', event: 'go', guard: 'inline', targets: ['done'] });
    expect(tracer.trace.taken).toEqual([transitionKey(fourth)]);
    expect(coverage(graph, [tracer.trace]).transitions.taken).toBe(1);
  });

  it("reports a legacy guard's path apart while no run takes it, and counts it once one does", () => {
    const run = (route: string) => {
      const tracer = traceCollector();
      const actor = createActor(forked, { inspect: (e) => tracer.observe(e as never) });
      actor.start();
      actor.send({ type: 'go', route });
      return coverage(machineGraph(forked), [tracer.trace], new Set(['viaB'])).transitions;
    };
    const a = run('a');
    expect(a.legacy).toEqual(['waiting --go [viaB]--> done']);
    expect(a.total).toBe(4);
    expect(a.never).not.toContain('waiting --go [viaB]--> done');
    const b = run('b');
    expect(b.legacy).toEqual([]);
    expect(b.total).toBe(5);
    expect(b.taken).toBe(1);
  });

  it('reports the transitions on live-only events apart while no run takes them', () => {
    const graph = machineGraph(callMachine);
    const none = coverage(graph, [], new Set(), LIVE_ONLY_EVENTS).transitions;
    expect(none.liveOnly).toEqual(['active.conversation.agentSpeaking.paused --caller.speech.turn--> active.conversation.callerSpeaking']);
    expect(none.total).toBe(graph.transitions.length - 1);
    expect(none.never).not.toContain(none.liveOnly[0]);
  });

  it('gives every transition of the call machine its own key', () => {
    const keys = machineGraph(callMachine).transitions.map(transitionKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

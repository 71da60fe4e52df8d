import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { shortCause } from './core.ts';

/** One state of the machine, as the statechart view and coverage see it. */
export interface GraphState {
  /** Dotted path from the root, e.g. `active.conversation.thinking`. */
  path: string;
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Named delays armed while in this state (`after fillerAfterMs`). */
  delays: string[];
}

/** One transition of the machine: from a state, on an event, to target states. */
export interface GraphTransition {
  source: string;
  /** Shortened event: `tool.result`, `after toolLatencyBudgetMs`, `always`. */
  event: string;
  targets: string[];
  guard: string | null;
}

export interface MachineGraph {
  states: GraphState[];
  transitions: GraphTransition[];
}

const pathOf = (node: AnyStateNode) => node.path.join('.');

/**
 * Reads the states and transitions of a machine from its own definition — never a hand-drawn
 * copy — for the live statechart and for red-team coverage. Pure.
 */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: AnyStateNode) => {
    if (node.path.length > 0) {
      const delays = node.after.map((t) => shortCause(String(t.eventType)).replace(/^after /, ''));
      states.push({ path: pathOf(node), parent: node.path.length > 1 ? node.path.slice(0, -1).join('.') : null, type: node.type, delays });
      const add = (event: string, defs: readonly { target?: readonly AnyStateNode[] | undefined; guard?: unknown }[]) => {
        for (const d of defs) {
          const targets = (d.target ?? []).map(pathOf);
          if (targets.length === 0) continue; // actions only: no state change to cover
          const g = d.guard as { type?: string } | string | undefined;
          transitions.push({ source: pathOf(node), event, targets, guard: typeof g === 'string' ? g : g && typeof g === 'object' && g.type ? g.type : g ? 'inline' : null });
        }
      };
      for (const [eventType, defs] of Object.entries(node.on)) if (!eventType.startsWith('xstate.after')) add(shortCause(eventType), defs as never);
      for (const d of node.after) add(shortCause(String(d.eventType)), [d as never]);
      if (node.always) add('always', node.always as never);
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root as AnyStateNode);
  return { states, transitions };
}

/** What a set of runs entered, against the machine's graph. */
export interface Coverage {
  states: { total: number; entered: number; never: string[] };
  transitions: { total: number; taken: number; never: string[] };
}

/** Names a transition for reports: `active.conversation.thinking --after thinkingBudgetMs--> handoff`. */
export const transitionName = (t: Pick<GraphTransition, 'source' | 'event' | 'targets' | 'guard'>) =>
  `${t.source} --${t.event}${t.guard && t.guard !== 'inline' ? ` [${t.guard}]` : ''}--> ${t.targets.join(', ')}`;

/** What one run took: every state entered and every transition taken, microstep by microstep. */
export interface RunTrace {
  entered: string[];
  taken: string[];
}

/** Key that identifies a transition of the graph (source, event, targets). Pure. */
export const transitionKey = (t: { source: string; event: string; targets: readonly string[] }) => `${t.source}|${t.event}|${t.targets.join(',')}`;

/**
 * Collects a run's trace from XState's inspection events (`@xstate.microstep` carries the exact
 * transitions taken, transient states included). Returns the observer and the trace it fills.
 */
export function traceCollector(): { trace: RunTrace; observe: (e: { type: string; [k: string]: unknown }) => void } {
  const entered = new Set<string>();
  const taken = new Set<string>();
  const observe = (e: { type: string; [k: string]: unknown }) => {
    if (e.type !== '@xstate.microstep') return;
    const ts = (e._transitions ?? []) as { source: AnyStateNode; target?: AnyStateNode[]; eventType: string }[];
    for (const t of ts) {
      const targets = (t.target ?? []).map(pathOf);
      if (!targets.length) continue;
      const event = t.eventType === '' ? 'always' : shortCause(t.eventType);
      taken.add(transitionKey({ source: pathOf(t.source), event, targets }));
      for (const target of targets) {
        const parts = target.split('.');
        for (let i = 1; i <= parts.length; i++) entered.add(parts.slice(0, i).join('.'));
      }
    }
    const value = (e.snapshot as { value?: unknown } | undefined)?.value;
    const walk = (v: unknown, prefix: string) => {
      if (typeof v === 'string') entered.add(prefix ? `${prefix}.${v}` : v);
      else if (v && typeof v === 'object')
        for (const [k, c] of Object.entries(v)) {
          const p = prefix ? `${prefix}.${k}` : k;
          entered.add(p);
          walk(c, p);
        }
    };
    walk(value, '');
  };
  return { trace: { get entered() { return [...entered]; }, get taken() { return [...taken]; } } as RunTrace, observe };
}

/** Which states and transitions a set of runs never entered or took. Pure. */
export function coverage(graph: MachineGraph, traces: readonly RunTrace[]): Coverage {
  const entered = new Set(traces.flatMap((t) => t.entered));
  const taken = new Set(traces.flatMap((t) => t.taken));
  const states = graph.states.filter((s) => s.type !== 'history');
  const isTaken = (g: GraphTransition) => taken.has(transitionKey(g));
  return {
    states: { total: states.length, entered: states.filter((s) => entered.has(s.path)).length, never: states.filter((s) => !entered.has(s.path)).map((s) => s.path) },
    transitions: { total: graph.transitions.length, taken: graph.transitions.filter(isTaken).length, never: graph.transitions.filter((g) => !isTaken(g)).map(transitionName) },
  };
}

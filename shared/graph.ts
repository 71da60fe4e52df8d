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
  /**
   * Position among the source's candidates for this event, in the order XState tries them.
   * With the source and event it names the transition exactly: two candidates may share a
   * guard (or have none, like two inline ones) and a target.
   */
  index: number;
  /** `reenter: true` in the machine: it leaves and enters again even a source it targets, or contains its target (see the renderer's reentersState). */
  reenter: boolean;
}

export interface MachineGraph {
  states: GraphState[];
  transitions: GraphTransition[];
}

const pathOf = (node: AnyStateNode) => node.path.join('.');

/** A transition as XState defines it, and as `@xstate.microstep` hands back the one it took. */
interface TransitionDef {
  source: AnyStateNode;
  target?: readonly AnyStateNode[] | undefined;
  eventType: string;
  guard?: unknown;
  reenter?: boolean;
}

/** Every transition a state node defines: its events (delays included), then `always`. */
const candidatesOf = (node: AnyStateNode): TransitionDef[] => [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as never;

/** A named guard's name; `inline` for a function (or `and`/`not`/`or` of guards); null for none. */
function guardName(t: TransitionDef): string | null {
  const g = t.guard as { type?: string } | string | undefined;
  return typeof g === 'string' ? g : g && typeof g === 'object' && g.type ? g.type : g ? 'inline' : null;
}

const eventOf = (t: TransitionDef) => (t.eventType === '' ? 'always' : shortCause(t.eventType));

/**
 * Where a transition sits among its source's candidates for its event — the list XState tries
 * in order — or -1 for one that is not a candidate (a machine's initial transition). The
 * definition and the microstep hold the same object, so graph and trace agree. Pure.
 */
function candidateIndex(t: TransitionDef): number {
  const list = (t.eventType === '' ? t.source.always : t.source.transitions.get(t.eventType)) as readonly unknown[] | undefined;
  return list ? list.indexOf(t) : -1;
}

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
      for (const d of candidatesOf(node)) {
        const targets = (d.target ?? []).map(pathOf);
        if (targets.length === 0) continue; // actions only: no state change to cover
        transitions.push({ source: pathOf(node), event: eventOf(d), targets, guard: guardName(d), index: candidateIndex(d), reenter: !!d.reenter });
      }
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root as AnyStateNode);
  return { states, transitions };
}

/** What a set of runs entered, against the machine's graph. */
export interface Coverage {
  states: { total: number; entered: number; never: string[] };
  /**
   * `legacy`: transitions only sessions journaled under an older policy take (LEGACY_GUARDS),
   * not counted in `total` unless a run took one. `liveOnly`: likewise, transitions on events
   * only a live audio call sends (LIVE_ONLY_EVENTS).
   */
  transitions: { total: number; taken: number; never: string[]; legacy: string[]; liveOnly: string[] };
}

/** Names a transition for reports: `active.conversation.thinking --after thinkingBudgetMs--> handoff`. */
export const transitionName = (t: Pick<GraphTransition, 'source' | 'event' | 'targets' | 'guard'>) =>
  `${t.source} --${t.event}${t.guard && t.guard !== 'inline' ? ` [${t.guard}]` : ''}--> ${t.targets.join(', ')}`;

/** What one run took: every state entered and every transition taken, microstep by microstep. */
export interface RunTrace {
  entered: string[];
  taken: string[];
}

/**
 * Key that identifies a transition of the graph: its source, event and place among that
 * source's candidates for the event (guard and targets ride along to keep keys readable).
 * Source, event and targets alone would merge a guarded path with every other one to the same
 * target. Pure.
 */
export const transitionKey = (t: Pick<GraphTransition, 'source' | 'event' | 'index' | 'guard' | 'targets'>) => `${t.source}|${t.event}|#${t.index}|${t.guard ?? ''}|${t.targets.join(',')}`;

/**
 * Collects a run's trace from XState's inspection events (`@xstate.microstep` carries the exact
 * transitions taken, transient states included). Returns the observer and the trace it fills.
 */
export function traceCollector(): { trace: RunTrace; observe: (e: { type: string; [k: string]: unknown }) => void } {
  const entered = new Set<string>();
  const taken = new Set<string>();
  const observe = (e: { type: string; [k: string]: unknown }) => {
    if (e.type !== '@xstate.microstep') return;
    const ts = (e._transitions ?? []) as TransitionDef[];
    for (const t of ts) {
      const targets = (t.target ?? []).map(pathOf);
      const index = candidateIndex(t);
      if (targets.length && index >= 0) taken.add(transitionKey({ source: pathOf(t.source), event: eventOf(t), index, guard: guardName(t), targets }));
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
  return {
    trace: {
      get entered() {
        return [...entered];
      },
      get taken() {
        return [...taken];
      },
    } as RunTrace,
    observe,
  };
}

/** Which states and transitions a set of runs never entered or took. Pure. */
export function coverage(graph: MachineGraph, traces: readonly RunTrace[], legacyGuards: ReadonlySet<string> = new Set(), liveOnlyEvents: ReadonlySet<string> = new Set()): Coverage {
  const entered = new Set(traces.flatMap((t) => t.entered));
  const taken = new Set(traces.flatMap((t) => t.taken));
  const states = graph.states.filter((s) => s.type !== 'history');
  const isTaken = (g: GraphTransition) => taken.has(transitionKey(g));
  const legacyUntaken = (g: GraphTransition) => g.guard !== null && legacyGuards.has(g.guard) && !isTaken(g);
  const liveOnlyUntaken = (g: GraphTransition) => liveOnlyEvents.has(g.event) && !isTaken(g);
  const counted = graph.transitions.filter((g) => !legacyUntaken(g) && !liveOnlyUntaken(g));
  return {
    states: { total: states.length, entered: states.filter((s) => entered.has(s.path)).length, never: states.filter((s) => !entered.has(s.path)).map((s) => s.path) },
    transitions: {
      total: counted.length,
      taken: counted.filter(isTaken).length,
      never: counted.filter((g) => !isTaken(g)).map(transitionName),
      legacy: graph.transitions.filter(legacyUntaken).map(transitionName),
      liveOnly: graph.transitions.filter(liveOnlyUntaken).map(transitionName),
    },
  };
}

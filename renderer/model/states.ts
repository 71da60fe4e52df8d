import type { GraphState, GraphTransition, MachineGraph } from '../../shared/graph.ts';
import type { JournalEntry } from '../../shared/events.ts';
import { transitionLabel } from './layout.ts';

/** The machine's active states from one recorded transition on. */
export interface StateFrame {
  atMs: number;
  seq: number;
  /** Active leaf states (dotted paths). */
  leaves: string[];
  /** The leaf this frame entered, and the event that caused it. */
  entered: string;
  cause: string;
  /** Leaves active before this frame. */
  before: string[];
  /** When each active state (leaves and their ancestors) was entered. */
  enteredAt: Record<string, number>;
}

const ancestors = (path: string): string[] => {
  const parts = path.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
};

/** The deepest state that contains both paths, or null (the machine's root). Pure. */
function commonAncestor(a: string, b: string): string | null {
  const pa = a.split('.');
  const pb = b.split('.');
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return i === 0 ? null : pa.slice(0, i).join('.');
}

/**
 * The machine's active states over time, folded from the journal's transition entries. The
 * journal records each leaf when it is entered; a leaf is left when another leaf is entered
 * that does not sit in a different region of a parallel state (their deepest common ancestor
 * is not parallel). The graph gives the state types. Effects: mutates itself.
 */
export class StateFold {
  readonly frames: StateFrame[] = [];
  private lastSeq = -1;
  private readonly types: Map<string, GraphState['type']>;

  constructor(private readonly graph: MachineGraph) {
    this.types = new Map(graph.states.map((s) => [s.path, s.type]));
  }

  apply(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      if (e.kind === 'transition') this.enter(e.atMs, e.seq, e.state, e.cause);
    }
  }

  private enter(atMs: number, seq: number, leaf: string, cause: string): void {
    const prev = this.frames[this.frames.length - 1];
    const before = prev?.leaves ?? [];
    const leaves = before.filter((l) => {
      const common = commonAncestor(l, leaf);
      return common !== null && common !== l && common !== leaf && this.types.get(common) === 'parallel';
    });
    leaves.push(leaf);
    // A state that stays active keeps the time it was entered (its timers run on), unless the
    // step's transition left it and entered it again; one newly active, and the entered leaf
    // itself, start now.
    const wasActive = activePaths(prev ?? null);
    const steps = stepTransitions(this.graph, before, cause, leaf);
    const enteredAgain = (p: string) => steps.some(({ transition }) => reentersState(transition, p));
    const enteredAt: Record<string, number> = {};
    for (const p of new Set(leaves.flatMap(ancestors))) enteredAt[p] = wasActive.has(p) && !enteredAgain(p) ? prev!.enteredAt[p] : atMs;
    enteredAt[leaf] = atMs;
    this.frames.push({ atMs, seq, leaves, entered: leaf, cause, before, enteredAt });
  }
}

/** The frame in force at `atMs`: the last one at or before it. Pure. */
export function frameAt(frames: readonly StateFrame[], atMs: number): StateFrame | null {
  let lo = 0;
  let hi = frames.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].atMs <= atMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? null : frames[found];
}

/** Every active state of a frame: its leaves and their ancestors. Pure. */
export function activePaths(frame: StateFrame | null): Set<string> {
  return new Set((frame?.leaves ?? []).flatMap(ancestors));
}

const contains = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}.`);

/** One arrow of the chart that a step went along, and the transition on it that was taken. */
export interface StepEdge {
  /** The chart's edge id: `source→target`. */
  id: string;
  label: string;
}

/**
 * The transitions a step took, read from the machine's graph: one from an active state on the
 * recorded event into (or above) the entered leaf; or that, then eventless (`always`)
 * transitions through transient states; or, failing both, any transition from an active state
 * into it. Each with the target it went to. Pure.
 */
function stepTransitions(graph: MachineGraph, before: readonly string[], cause: string, entered: string): { transition: GraphTransition; target: string }[] {
  const activeBefore = new Set(before.flatMap(ancestors));
  const into = (targets: readonly string[]) => targets.find((t) => contains(t, entered));
  const direct = graph.transitions.find((t) => activeBefore.has(t.source) && t.event === cause && into(t.targets));
  if (direct) return [{ transition: direct, target: into(direct.targets)! }];
  for (const first of graph.transitions) {
    if (!activeBefore.has(first.source) || first.event !== cause) continue;
    for (const mid of first.targets) {
      const then = graph.transitions.find((t) => t.event === 'always' && contains(t.source, mid) && into(t.targets));
      if (then)
        return [
          { transition: first, target: mid },
          { transition: then, target: into(then.targets)! },
        ];
    }
  }
  const any = graph.transitions.find((t) => activeBefore.has(t.source) && into(t.targets));
  return any ? [{ transition: any, target: into(any.targets)! }] : [];
}

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('.')));
/** Strictly inside `outer`; every state is inside the root (''). */
const inside = (inner: string, outer: string) => outer === '' || inner.startsWith(`${outer}.`);

/**
 * Whether taking `t` leaves and enters state `path` (if active), by XState v5's rule: the
 * transition's domain is its source when it does not `reenter` and targets only the source or
 * states inside it, otherwise the nearest state above its first target that contains the source
 * and every target (the root, '', when none does); every active state inside the domain is left
 * and entered again, and a `reenter` transition whose domain is its source leaves the source too.
 * Pure.
 */
export function reentersState(t: Pick<GraphTransition, 'source' | 'targets' | 'reenter'>, path: string): boolean {
  let domain: string;
  if (!t.reenter && t.targets.every((x) => x === t.source || inside(x, t.source))) domain = t.source;
  else {
    const all = [...t.targets, t.source];
    domain = parentOf(t.targets[0] ?? t.source);
    while (domain !== '' && !all.every((x) => inside(x, domain))) domain = parentOf(domain);
  }
  return inside(path, domain) || (t.reenter && domain === t.source && path === t.source);
}

/** Which arrows of the chart the frame's step went along (see stepTransitions). Pure. */
export function stepEdges(graph: MachineGraph, frame: StateFrame | null): StepEdge[] {
  if (!frame) return [];
  return stepTransitions(graph, frame.before, frame.cause, frame.entered).map(({ transition: t, target }) => ({ id: `${t.source}→${target}`, label: transitionLabel(t) }));
}

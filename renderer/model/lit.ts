import type { MachineGraph } from '../../shared/graph.ts';
import { activePaths, stepEdges, type StateFrame } from './states.ts';

/** How one state of the chart is drawn: not active, active, or the leaf the last step entered. */
export type StateLook = 'off' | 'active' | 'entered';

/** The last step as the chart's panel names it. */
export interface StepNote {
  atMs: number;
  entered: string;
  cause: string;
}

const stateKey = (path: string) => `state:${path}`;
const edgeKey = (id: string) => `edge:${id}`;
const stepKey = 'step';

/**
 * What the statechart draws lit — the active states, the leaf just entered, the arrows of the
 * last step with the transition taken on each, and the step's note — kept outside React, with
 * a subscription per state and per arrow (xyflow's way: small selectors). Showing a frame tells
 * only the states and arrows whose look it changed, so a step costs work for what it changed,
 * not for the whole chart: in a busy call a step comes every animation frame, and a context
 * re-rendered all 24 states and 37 arrows each time. Effects: mutates itself, calls listeners.
 */
export class LitChart {
  private active = new Set<string>();
  private entered: string | null = null;
  private edges = new Map<string, string>();
  private step: StepNote | null = null;
  private readonly listeners = new Map<string, Set<() => void>>();

  /** How the state at `path` is drawn now. */
  stateLook(path: string): StateLook {
    return this.entered === path ? 'entered' : this.active.has(path) ? 'active' : 'off';
  }

  /** The transition taken along the arrow `id` in the last step, or undefined when it is not lit. */
  edgeLabel(id: string): string | undefined {
    return this.edges.get(id);
  }

  stepNote(): StepNote | null {
    return this.step;
  }

  /** Listens to one state's look (`state:<path>`), one arrow (`edge:<id>`) or the step note (`step`). */
  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(key);
    };
  }

  static stateKey = stateKey;
  static edgeKey = edgeKey;
  static stepKey = stepKey;

  /**
   * Shows `frame` (null: nothing lit). Tells the listeners of each state, arrow and the note
   * whose look changed, once each, after the new looks are in place. Returns how many keys
   * changed: the work a step costs the chart.
   */
  show(graph: MachineGraph, frame: StateFrame | null): number {
    const active = activePaths(frame);
    const entered = frame?.entered ?? null;
    const edges = new Map(stepEdges(graph, frame).map((e) => [e.id, e.label]));
    const step = frame ? { atMs: frame.atMs, entered: frame.entered, cause: frame.cause } : null;
    const changed = new Set<string>();
    for (const p of active) if (!this.active.has(p)) changed.add(stateKey(p));
    for (const p of this.active) if (!active.has(p)) changed.add(stateKey(p));
    if (entered !== this.entered) {
      if (this.entered !== null) changed.add(stateKey(this.entered));
      if (entered !== null) changed.add(stateKey(entered));
    }
    for (const [id, label] of edges) if (this.edges.get(id) !== label) changed.add(edgeKey(id));
    for (const id of this.edges.keys()) if (!edges.has(id)) changed.add(edgeKey(id));
    if (step?.atMs !== this.step?.atMs || step?.entered !== this.step?.entered || step?.cause !== this.step?.cause) changed.add(stepKey);
    this.active = active;
    this.entered = entered;
    this.edges = edges;
    if (changed.has(stepKey)) this.step = step;
    for (const key of changed) for (const l of [...(this.listeners.get(key) ?? [])]) l();
    return changed.size;
  }
}

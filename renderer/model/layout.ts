import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphState, MachineGraph } from '../../shared/graph.ts';

/** One state box of the statechart, positioned relative to its parent box. */
export interface LaidOutState {
  path: string;
  parent: string | null;
  type: GraphState['type'];
  label: string;
  /** Named delays armed in this state, once each. */
  delays: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One arrow: all transitions from one state to one target, drawn once with their events. */
export interface LaidOutEdge {
  id: string;
  source: string;
  target: string;
  /** One line per transition: `after deadAirMs [deadAirReprompts]`. */
  labels: string[];
  /** The route, in chart coordinates. */
  points: { x: number; y: number }[];
}

export interface StatechartLayout {
  states: LaidOutState[];
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

/** Width of a character of a state's label, at the chart's font size. */
const charWidth = 6.6;

/** The short name of a state: the last part of its path. */
export const stateLabel = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** How a transition reads on the chart: `after deadAirMs [deadAirReprompts]`. Pure. */
export const transitionLabel = (t: { event: string; guard: string | null }) => `${t.event}${t.guard && t.guard !== 'inline' ? ` [${t.guard}]` : t.guard === 'inline' ? ' [guard]' : ''}`;

/** Groups the graph's transitions into one edge per (source, target). Pure. */
export function groupEdges(graph: MachineGraph): { id: string; source: string; target: string; labels: string[] }[] {
  const byKey = new Map<string, { id: string; source: string; target: string; labels: string[] }>();
  for (const t of graph.transitions) {
    for (const target of t.targets) {
      const key = `${t.source}→${target}`;
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { id: key, source: t.source, target, labels: [] }));
      const label = transitionLabel(t);
      if (!e.labels.includes(label)) e.labels.push(label);
    }
  }
  return [...byKey.values()];
}

/**
 * Lays out the machine's own graph with ELK (layered, top to bottom, hierarchy included):
 * compound and parallel states become boxes around their children, each transition group an
 * orthogonal route. Pure apart from the layout computation.
 */
export async function layoutStatechart(graph: MachineGraph): Promise<StatechartLayout> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const children = new Map<string | null, GraphState[]>();
  for (const s of graph.states) {
    if (s.type === 'history') continue;
    const list = children.get(s.parent) ?? [];
    list.push(s);
    children.set(s.parent, list);
  }
  const toElk = (s: GraphState): ElkNode => {
    const kids = children.get(s.path) ?? [];
    const label = stateLabel(s.path);
    const node: ElkNode = { id: s.path, labels: [{ text: label }] };
    if (kids.length) {
      node.children = kids.map(toElk);
      node.layoutOptions = {
        'elk.padding': '[top=24,left=8,bottom=8,right=8]',
        'elk.direction': 'DOWN',
      };
    } else {
      node.width = Math.max(70, Math.round(label.length * charWidth + 20));
      node.height = 28;
    }
    return node;
  };
  const grouped = groupEdges(graph);
  // Edge labels stay out of the layout (they would triple its width); the chart shows the
  // label of the step just taken, and every label on hover.
  const edges: ElkExtendedEdge[] = grouped.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }));
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '22',
      'elk.spacing.nodeNode': '10',
      'elk.spacing.edgeNode': '8',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=10,left=10,bottom=10,right=10]',
    },
    children: (children.get(null) ?? []).map(toElk),
    edges,
  };
  const out = await elk.layout(root);
  const states: LaidOutState[] = [];
  const byPath = new Map(graph.states.map((s) => [s.path, s]));
  const walk = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      const s = byPath.get(c.id)!;
      states.push({ path: s.path, parent: s.parent, type: s.type, label: stateLabel(s.path), delays: [...new Set(s.delays)], x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
      walk(c);
    }
  };
  walk(out);
  const laidEdges: LaidOutEdge[] = grouped.map((g) => {
    const e = (out.edges ?? []).find((x) => x.id === g.id) as ElkExtendedEdge | undefined;
    const sec = e?.sections?.[0];
    const points = sec ? [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint] : [];
    return { ...g, points };
  });
  return { states, edges: laidEdges, width: out.width ?? 0, height: out.height ?? 0 };
}

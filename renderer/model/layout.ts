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

/** Width of a character of a state's label, at the chart's font size (12 px). */
const charWidth = 7.2;
/** Space between two arrows' ends on one side of a state: an arrowhead is about 8 px wide. */
const portSpacing = 14;

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
  const grouped = groupEdges(graph);
  // Each arrow leaves and enters its states through a port of its own, kept portSpacing apart,
  // so that arrows ending on one state do not end in one point (their heads drawn as one).
  const ports = new Map<string, { id: string; width: number; height: number }[]>();
  const port = (state: string, id: string) => {
    const list = ports.get(state) ?? [];
    list.push({ id, width: 1, height: 1 });
    ports.set(state, list);
    return id;
  };
  // Edge labels stay out of the layout (they would triple its width); the chart shows the
  // label of the step just taken, and every label on hover.
  const edges: ElkExtendedEdge[] = grouped.map((e) =>
    e.source === e.target ? { id: e.id, sources: [e.source], targets: [e.target] } : { id: e.id, sources: [port(e.source, `${e.id}:out`)], targets: [port(e.target, `${e.id}:in`)] },
  );
  const toElk = (s: GraphState): ElkNode => {
    const kids = children.get(s.path) ?? [];
    const label = stateLabel(s.path);
    const node: ElkNode = { id: s.path, labels: [{ text: label }], ports: ports.get(s.path) ?? [], layoutOptions: { 'elk.spacing.portPort': String(portSpacing) } };
    if (kids.length) {
      node.children = kids.map(toElk);
      node.layoutOptions = {
        ...node.layoutOptions,
        'elk.padding': '[top=28,left=10,bottom=10,right=10]',
        'elk.direction': 'DOWN',
      };
    } else {
      node.width = Math.max(80, Math.round(label.length * charWidth + 24));
      node.height = 30;
    }
    return node;
  };
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

/** A rectangle in chart coordinates. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Height of a compound state's header (its uppercase name), which a label must not cover. */
const headerHeight = 20;
/** Width of a character of an edge label (11.5 px monospace) and the label's line height. */
const labelCharWidth = 7;
const labelHeight = 14;
/** Clearance a label keeps from every box where it can: the arrowheads that end on a box lie in it. */
const labelMargin = 6;

/**
 * What a transition's label must not cover, in chart coordinates: every leaf state's box, and
 * the header strip of every compound state (its children's positions are relative). Pure.
 */
export function labelObstacles(layout: StatechartLayout): Box[] {
  const byPath = new Map(layout.states.map((s) => [s.path, s]));
  const origin = (path: string | null): { x: number; y: number } => {
    const s = path ? byPath.get(path) : undefined;
    if (!s) return { x: 0, y: 0 };
    const o = origin(s.parent);
    return { x: o.x + s.x, y: o.y + s.y };
  };
  const compound = new Set(layout.states.map((s) => s.parent).filter(Boolean));
  return layout.states.map((s) => {
    const o = origin(s.path);
    return { x: o.x, y: o.y, width: s.width, height: compound.has(s.path) ? headerHeight : s.height };
  });
}

/** Where a label's text goes: its anchor point and alignment, and the box it covers. */
export interface LabelPlacement {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  box: Box;
}

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/** The segments of a route as thin boxes (2 px wide). Pure. */
function segmentBoxes(points: readonly { x: number; y: number }[]): Box[] {
  return points.slice(1).map((b, i) => {
    const a = points[i];
    return { x: Math.min(a.x, b.x) - 1, y: Math.min(a.y, b.y) - 1, width: Math.abs(b.x - a.x) + 2, height: Math.abs(b.y - a.y) + 2 };
  });
}

/**
 * Places the label of a transition beside its route where it covers the least of the states
 * (`obstacles`, from labelObstacles), keeps clear of their edges and crosses as few of the
 * chart's lines (`routes`) as it can, and stays inside the chart (`bounds`): candidates on either side of every segment, at its middle first, then
 * along it; among equally clear ones, the longest segment and the point nearest its middle win.
 * Pure.
 */
export function placeEdgeLabel(
  points: readonly { x: number; y: number }[],
  text: string,
  obstacles: readonly Box[],
  bounds?: Box,
  /** Every route of the chart (this one's included): a label crosses as few lines as it can. */
  routes: readonly (readonly { x: number; y: number }[])[] = [],
): LabelPlacement | null {
  if (points.length < 2) return null;
  const w = text.length * labelCharWidth;
  const h = labelHeight;
  let best: { p: LabelPlacement; cost: number } | null = null;
  const ownSegments = segmentBoxes(points);
  const otherSegments = routes.filter((r) => r !== points).flatMap(segmentBoxes);
  const longest = Math.max(...points.slice(1).map((b, i) => Math.hypot(b.x - points[i].x, b.y - points[i].y)));
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i];
    const b = points[i + 1];
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len < 1) continue;
    const vertical = Math.abs(b.y - a.y) > Math.abs(b.x - a.x);
    for (const f of [0.5, 0.35, 0.65, 0.2, 0.8]) {
      const px = a.x + (b.x - a.x) * f;
      const py = a.y + (b.y - a.y) * f;
      const candidates: LabelPlacement[] = vertical
        ? [
            { x: px + 7, y: py + 4, anchor: 'start', box: { x: px + 5, y: py - h / 2, width: w + 4, height: h } },
            { x: px - 7, y: py + 4, anchor: 'end', box: { x: px - 9 - w, y: py - h / 2, width: w + 4, height: h } },
          ]
        : [
            { x: px, y: py - 6, anchor: 'middle', box: { x: px - w / 2 - 2, y: py - 4 - h, width: w + 4, height: h } },
            { x: px, y: py + 15, anchor: 'middle', box: { x: px - w / 2 - 2, y: py + 4, width: w + 4, height: h } },
          ];
      for (const c of candidates) {
        let covered = 0;
        let crowded = 0;
        for (const o of obstacles) {
          covered += overlap(c.box, o);
          crowded += overlap(c.box, { x: o.x - labelMargin, y: o.y - labelMargin, width: o.width + 2 * labelMargin, height: o.height + 2 * labelMargin });
        }
        // leaving the chart is worse than covering a state: a label cut off is not read at all
        if (bounds) covered += 10 * (c.box.width * c.box.height - overlap(c.box, bounds));
        let crossed = 0;
        for (const [j, sb] of ownSegments.entries()) if (j !== i) crossed += 5 * overlap(c.box, sb);
        for (const sb of otherSegments) crossed += overlap(c.box, sb);
        // Covering a state weighs most, crowding one or crossing its own route next, other
        // lines after, a short segment or an off-centre spot least.
        const cost = covered * 1000 + crowded * 10 + crossed * 4 + (longest - len) + Math.abs(f - 0.5) * len;
        if (!best || cost < best.cost) best = { p: c, cost };
      }
    }
  }
  return best?.p ?? null;
}

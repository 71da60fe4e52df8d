import { memo, createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import { BaseEdge, Handle, MarkerType, Position, ReactFlow, ReactFlowProvider, useReactFlow, useStore, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
import type { MachineGraph } from '../../shared/graph.ts';
import { labelObstacles, placeEdgeLabel, type Box, type StatechartLayout } from '../model/layout.ts';
import { LitChart, type StateLook } from '../model/lit.ts';
import type { StateFrame } from '../model/states.ts';
import { fmtMs, shortState } from '../format.ts';

/** The chart's lit states and arrows; each node and arrow reads its own (see LitChart). */
const LitContext = createContext<LitChart>(new LitChart());

/** The look of one state, or the label of one lit arrow: re-renders its reader only when that changes. */
function useLit<T>(key: string, read: (lit: LitChart) => T): T {
  const lit = useContext(LitContext);
  const subscribe = useCallback((l: () => void) => lit.subscribe(key, l), [lit, key]);
  return useSyncExternalStore(subscribe, () => read(lit));
}

type StateData = { path: string; label: string; type: string; delays: string[]; compound: boolean };

const StateNode = memo(function StateNode({ data }: NodeProps<Node<StateData>>) {
  const look: StateLook = useLit(LitChart.stateKey(data.path), (lit) => lit.stateLook(data.path));
  const active = look !== 'off';
  const cls = ['state', data.compound ? 'compound' : 'leaf', data.type, active ? 'active' : '', look === 'entered' ? 'entered' : ''].join(' ');
  return (
    <div className={cls} data-state={data.path} data-active={active ? 'true' : 'false'} title={`${data.path}${data.delays.length ? `\nafter: ${data.delays.join(', ')}` : ''}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} className="handle" />
      <span className="state-label">
        {data.type === 'parallel' ? '∥ ' : ''}
        {data.label}
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} className="handle" />
    </div>
  );
});

/** An edge's route and labels, and what its label must stay clear of (shared by every edge). */
type EdgeData = { points: { x: number; y: number }[]; labels: string[]; obstacles: Box[]; bounds: Box; routes: { x: number; y: number }[][] };

const ElkEdge = memo(function ElkEdge({ id, data, markerEnd }: EdgeProps<Edge<EdgeData>>) {
  const taken = useLit(LitChart.edgeKey(id), (lit) => lit.edgeLabel(id));
  const lit = taken !== undefined;
  const pts = data?.points ?? [];
  if (pts.length < 2) return null;
  const d = `M ${pts.map((p) => `${p.x} ${p.y}`).join(' L ')}`;
  let label: ReactElement | null = null;
  const at = lit && data ? placeEdgeLabel(pts, taken, data.obstacles, data.bounds, data.routes) : null;
  if (at)
    label = (
      <text className="edge-label" x={at.x} y={at.y} textAnchor={at.anchor}>
        {taken}
      </text>
    );
  return (
    <g className={lit ? 'edge lit' : 'edge'} data-edge={id}>
      <BaseEdge path={d} markerEnd={markerEnd} />
      <title>{data?.labels.join('\n')}</title>
      {label}
    </g>
  );
});

const nodeTypes = { state: StateNode };
const edgeTypes = { elk: ElkEdge };

/** React Flow nodes and edges of a layout; built once per layout. */
function flowElements(layout: StatechartLayout): { nodes: Node<StateData>[]; edges: Edge<EdgeData>[] } {
  const compound = new Set(layout.states.map((s) => s.parent).filter(Boolean));
  const nodes: Node<StateData>[] = layout.states.map((s) => ({
    id: s.path,
    type: 'state',
    position: { x: s.x, y: s.y },
    parentId: s.parent ?? undefined,
    data: { path: s.path, label: s.label, type: s.type, delays: s.delays, compound: compound.has(s.path) },
    // The layout's size as the node's own (not only its style): React Flow shows a node with a
    // size at once, where one sized by style alone stays hidden until it has been measured (a
    // ResizeObserver round after the first paint, ~100-300 ms of the page's start).
    width: s.width,
    height: s.height,
    draggable: false,
    selectable: false,
    zIndex: compound.has(s.path) ? 0 : 2,
  }));
  const obstacles = labelObstacles(layout);
  const bounds = { x: 0, y: 0, width: layout.width, height: layout.height };
  const routes = layout.edges.map((e) => e.points);
  const edges: Edge<EdgeData>[] = layout.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    type: 'elk',
    data: { points: e.points, labels: e.labels, obstacles, bounds, routes },
    // In the chart's own units, not the line's: a lit (thicker) arrow's head is no larger, and
    // the heads ending on one state stay apart (their ends are 14 px apart, see layout.ts).
    markerEnd: { type: MarkerType.ArrowClosed, width: 20, height: 20, markerUnits: 'userSpaceOnUse' },
    zIndex: 1,
  }));
  return { nodes, edges };
}

/** The last step, in the bar above the chart (never over a state). */
function StepCaption() {
  const step = useLit(LitChart.stepKey, (lit) => lit.stepNote());
  return (
    <span className="step-caption" data-testid="step-caption">
      {step ? (
        <>
          <span className="muted">at {fmtMs(step.atMs)}</span> <b>{shortState(step.entered)}</b> <span className="muted">on</span> <code>{step.cause}</code>
        </>
      ) : (
        <span className="muted">no call: the machine as defined in shared/machine.ts</span>
      )}
    </span>
  );
}

/**
 * The zoom at which every state's name reads at its CSS size (12 px, 11.5 px for a compound
 * state's header): the chart opens at it, or larger where the whole chart fits.
 */
export const readableZoom = 1;
/** The shortest time between two pans that follow the active states. */
const panIntervalMs = 400;
/** Room kept between the followed states and the chart's edge, in screen pixels. */
const followMargin = 16;

/** Every state's box in chart coordinates (the layout's are relative to the parent). Pure. */
function chartBoxes(layout: StatechartLayout): Map<string, Box> {
  const out = new Map<string, Box>();
  for (const s of layout.states) {
    const p = s.parent ? out.get(s.parent) : undefined;
    out.set(s.path, { x: (p?.x ?? 0) + s.x, y: (p?.y ?? 0) + s.y, width: s.width, height: s.height });
  }
  return out;
}

const union = (boxes: Box[]): Box => {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
};

/**
 * What the view keeps in sight: all active leaves where they fit at this zoom, else the first of
 * them in the machine's order (the conversation's, before the caller monitor's). Pure.
 */
function focusBox(boxes: Map<string, Box>, leaves: readonly string[], order: readonly string[], zoom: number, width: number, height: number): Box | null {
  const active = order
    .filter((p) => leaves.includes(p))
    .map((p) => boxes.get(p)!)
    .filter(Boolean);
  if (!active.length) return null;
  const all = union(active);
  const room = (b: Box) => b.width * zoom <= width - 2 * followMargin && b.height * zoom <= height - 2 * followMargin;
  return room(all) ? all : active[0];
}

/**
 * The chart's camera: opens at a readable zoom (the whole chart where it fits at that zoom or
 * more), pans to the active states whenever a step leaves them out of sight (zoom unchanged),
 * and the bar's buttons zoom, fit the whole chart, or go back to the readable view. Effects:
 * moves the flow's viewport.
 */
function Camera({ layout, leaves, order }: { layout: StatechartLayout; leaves: readonly string[]; order: readonly string[] }) {
  const flow = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const boxes = useMemo(() => chartBoxes(layout), [layout]);
  const leavesKey = leaves.join(' ');
  const opened = useRef<StatechartLayout | null>(null);

  /** Centres a box at `zoom`, but shows no empty space past the chart's edges where it is larger than the view. */
  const centerOn = useCallback(
    (f: Box, zoom: number) => {
      const axis = (view: number, chart: number, at: number) => {
        const want = view / 2 - at * zoom;
        return chart * zoom + 2 * followMargin <= view ? want : Math.min(followMargin, Math.max(view - chart * zoom - followMargin, want));
      };
      void flow.setViewport({ x: axis(width, layout.width, f.x + f.width / 2), y: axis(height, layout.height, f.y + f.height / 2), zoom });
    },
    [flow, width, height, layout],
  );

  const readableView = useCallback(() => {
    const fit = Math.min(width / (layout.width + 2 * followMargin), height / (layout.height + 2 * followMargin));
    if (fit >= readableZoom) {
      const zoom = Math.min(fit, 1.5);
      return void flow.setViewport({ x: (width - layout.width * zoom) / 2, y: (height - layout.height * zoom) / 2, zoom });
    }
    centerOn(focusBox(boxes, leaves, order, readableZoom, width, height) ?? { x: layout.width / 2, y: 0, width: 0, height: 0 }, readableZoom);
  }, [flow, width, height, layout, boxes, order, leavesKey, centerOn]);

  // Open readable, once the flow knows its size; again for another layout.
  useEffect(() => {
    if (!width || !height || opened.current === layout) return;
    opened.current = layout;
    readableView();
  }, [width, height, layout, readableView]);

  // Follow: a step whose states are out of sight pans to them. At most one pan per
  // panIntervalMs: a pan re-rasters the whole chart, and a busy call takes a step every frame
  // (panning at each halved the frames the UI bench's 1,000-events/s call kept); a step within
  // that time is looked at again when it ends, with the states active then.
  const current = useRef({ leaves, check: () => {} });
  const lastPan = useRef(-Infinity);
  const pending = useRef<number | null>(null);
  current.current.leaves = leaves;
  current.current.check = () => {
    if (!width || !height || opened.current !== layout) return;
    const { x, y, zoom } = flow.getViewport();
    const f = focusBox(boxes, current.current.leaves, order, zoom, width, height);
    if (!f) return;
    const left = f.x * zoom + x;
    const top = f.y * zoom + y;
    if (left >= followMargin / 2 && top >= followMargin / 2 && left + f.width * zoom <= width - followMargin / 2 && top + f.height * zoom <= height - followMargin / 2) return;
    const wait = lastPan.current + panIntervalMs - performance.now();
    if (wait > 0) {
      pending.current ??= window.setTimeout(() => {
        pending.current = null;
        current.current.check();
      }, wait);
      return;
    }
    lastPan.current = performance.now();
    centerOn(f, zoom);
  };
  useEffect(() => current.current.check(), [leavesKey, width, height, layout]);
  useEffect(() => () => void (pending.current !== null && clearTimeout(pending.current)), []);

  return (
    <span className="chart-controls">
      <button className="small" title="zoom out" aria-label="zoom out" onClick={() => void flow.zoomOut({ duration: 0 })}>
        −
      </button>
      <button className="small" title="zoom in" aria-label="zoom in" onClick={() => void flow.zoomIn({ duration: 0 })}>
        +
      </button>
      <button className="small" title="the whole machine" data-testid="chart-fit" onClick={() => void flow.fitView({ padding: 0.03, duration: 0 })}>
        fit
      </button>
      <button className="small" title="readable, the active states in sight" data-testid="chart-readable" onClick={readableView}>
        1:1
      </button>
    </span>
  );
}

const proOptions = { hideAttribution: true };

/**
 * The live statechart: the machine's own states and transitions (laid out by ELK when the UI is
 * built), the active states lit and kept in sight, the step into the current state drawn with
 * its event and told in the bar above. A new frame re-renders only the states and arrows whose
 * look it changes (the flow itself is built once per layout).
 */
export const Statechart = memo(function Statechart({ graph, layout, frame, atMs }: { graph: MachineGraph; layout: StatechartLayout; frame: StateFrame | null; atMs: number }) {
  const [lit] = useState(() => new LitChart());
  const order = useMemo(() => graph.states.map((s) => s.path), [graph]);
  const elements = useMemo(() => flowElements(layout), [layout]);
  const flow = useMemo(() => {
    const { nodes, edges } = elements;
    return (
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        minZoom={0.2}
        maxZoom={2.5}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        proOptions={proOptions}
        colorMode="dark"
      />
    );
  }, [elements]);
  // Before the browser paints: the nodes that changed re-render in this same commit.
  useLayoutEffect(() => void lit.show(graph, frame), [lit, graph, frame]);
  const leaves = frame?.leaves ?? [];
  return (
    <div className="statechart" data-at-ms={Math.round(atMs)} data-active-states={leaves.join(' ')}>
      {/* The first layout's nodes and edges in the store from its start: drawn in the first
          render, not in the next one (React Flow takes its props' nodes in an effect) */}
      <ReactFlowProvider initialNodes={elements.nodes} initialEdges={elements.edges}>
        <LitContext.Provider value={lit}>
          <div className="chart-bar">
            <StepCaption />
            <span className="spacer" />
            <Camera layout={layout} leaves={leaves} order={order} />
          </div>
          <div className="chart-flow">{flow}</div>
        </LitContext.Provider>
      </ReactFlowProvider>
    </div>
  );
});

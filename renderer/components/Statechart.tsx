import { memo, createContext, useCallback, useContext, useLayoutEffect, useMemo, useState, useSyncExternalStore, type ReactElement } from 'react';
import { BaseEdge, Handle, MarkerType, Panel, Position, ReactFlow, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
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
    style: { width: s.width, height: s.height },
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
    markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 },
    zIndex: 1,
  }));
  return { nodes, edges };
}

/** The last step, in the chart's corner. */
function StepPanelText() {
  const step = useLit(LitChart.stepKey, (lit) => lit.stepNote());
  return step ? (
    <>
      <span className="muted">at {fmtMs(step.atMs)}</span> <b>{shortState(step.entered)}</b> <span className="muted">on</span> <code>{step.cause}</code>
    </>
  ) : (
    <span className="muted">no call: the machine as defined in shared/machine.ts</span>
  );
}

const fitViewOptions = { padding: 0.02 };
const proOptions = { hideAttribution: true };

/**
 * The live statechart: the machine's own states and transitions (laid out by ELK), the active
 * states lit, the step into the current state drawn with its event. A new frame re-renders only
 * the states and arrows whose look it changes (the flow itself is built once per layout).
 */
export const Statechart = memo(function Statechart({ graph, layout, frame, atMs }: { graph: MachineGraph; layout: StatechartLayout; frame: StateFrame | null; atMs: number }) {
  const [lit] = useState(() => new LitChart());
  const flow = useMemo(() => {
    const { nodes, edges } = flowElements(layout);
    return (
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.2}
        maxZoom={2.5}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        proOptions={proOptions}
        colorMode="dark"
      >
        <Panel position="bottom-left" className="step-panel">
          <StepPanelText />
        </Panel>
      </ReactFlow>
    );
  }, [layout]);
  // Before the browser paints: the nodes that changed re-render in this same commit.
  useLayoutEffect(() => void lit.show(graph, frame), [lit, graph, frame]);
  const leaves = frame?.leaves ?? [];
  return (
    <div className="statechart" data-at-ms={Math.round(atMs)} data-active-states={leaves.join(' ')}>
      <LitContext.Provider value={lit}>{flow}</LitContext.Provider>
    </div>
  );
});

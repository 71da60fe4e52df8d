import { memo, useLayoutEffect, useRef, useState, type ReactElement } from 'react';
import { assertNever } from '../../shared/assertNever.ts';
import type { WaveformSegment } from '../../shared/ipc.ts';
import { itemsUpTo, type TimelineItem } from '../model/timeline.ts';
import { fmtMs, shortState, words } from '../format.ts';

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(600);
  useLayoutEffect(() => {
    if (!ref.current) return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.max(100, Math.floor(e.contentRect.width))));
    ro.observe(ref.current);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

const allLanes = ['caller', 'audio', 'agent', 'tools', 'machine'] as const;
type Lane = (typeof allLanes)[number];
const laneH = 22;
/** The caller's audio has a lane of its own, taller, under the caller's turns (not beneath their words). */
const audioLaneH = 30;
/** Two rows of marker labels over the lanes: the handoff's words, and the control icons. */
const markerRowH = 13;
const markerRows = 2;
const top = 6 + markerRows * markerRowH;
const labelW = 56;
/** The axis row under the lanes, and a character of its 10 px labels. */
const axisH = 13;
const axisCharWidth = 5.6;
/** A character of a marker's 10.5 px bold label. */
const markerCharWidth = 6.4;

/** A marker label's width: the control icon is wider than a letter. */
const labelWidth = (text: string) => (text.startsWith('⚙') ? 10 + (text.length - 1) * markerCharWidth : text.length * markerCharWidth);

/** Where a marker's label goes: `row` over the lanes, beside its line at `x`; null when no row has room. */
export interface PlacedLabel {
  row: number;
  x: number;
  anchor: 'start' | 'end';
}

/**
 * Places marker labels so that none overlaps another: in the given order (the handoff first),
 * each takes the first row with room, right of its line or else left of it, inside
 * [minX, width]. A label with no room anywhere is left out (its line and its hover text stay).
 * Pure.
 */
export function placeMarkerLabels(labels: readonly { x: number; w: number }[], width: number, minX: number, rows = markerRows): (PlacedLabel | null)[] {
  const taken: [number, number][][] = Array.from({ length: rows }, () => []);
  const free = (row: number, a: number, b: number) => a >= minX && b <= width && taken[row].every(([c, d]) => b + 2 <= c || a >= d + 2);
  return labels.map(({ x, w }) => {
    for (let row = 0; row < rows; row++) {
      for (const anchor of ['start', 'end'] as const) {
        const [a, b] = anchor === 'start' ? [x + 3, x + 3 + w] : [x - 3 - w, x - 3];
        if (free(row, a, b)) {
          taken[row].push([a, b]);
          return { row, x: anchor === 'start' ? x + 3 : x - 3, anchor };
        }
      }
    }
    return null;
  });
}

/** What the lanes draw, in words: the marks are explained where they are drawn. */
export function LanesLegend() {
  return (
    <div className="lanes-legend small" data-testid="lanes-legend">
      <span title="a turn's box; dashed when it was cut off, ⚡ a barge-in">
        <i className="lg turn caller" />
        caller <i className="lg turn agent" />
        agent turn
      </span>
      <span title="a tool call, from request to answer">
        <i className="lg tool ok" />
        ok <i className="lg tool error" />
        error <i className="lg tool timeout" />
        timeout
      </span>
      <span>
        <i className="lg tick" />
        state change
      </span>
      <span>
        <i className="lg dot" />
        note
      </span>
      <span>
        <b className="lg-gear">⚙</b>control action
      </span>
      <span>
        <i className="lg handoff" />
        handoff
      </span>
    </div>
  );
}

/**
 * Caller, agent, tool and machine lanes over a window of time, with the handoff and every
 * control action marked, caller audio drawn as its waveform, and a cursor. Clicking seeks
 * when `onSeek` is given.
 */
export function Swimlanes({
  items,
  fromMs,
  toMs,
  atMs,
  cursorMs,
  waveform,
  onSeek,
  testid,
}: {
  items: readonly TimelineItem[];
  fromMs: number;
  toMs: number;
  /** Items are drawn as they stood at this time (a live call's now; a saved call's end). */
  atMs: number;
  /** Where the cursor stands; later items are dimmed. */
  cursorMs?: number;
  waveform?: readonly WaveformSegment[];
  onSeek?: (ms: number) => void;
  testid?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const span = Math.max(1, toMs - fromMs);
  const w = width - labelW - 8;
  const x = (ms: number) => labelW + ((Math.min(Math.max(ms, fromMs), toMs) - fromMs) / span) * w;
  const lanes = waveform?.length ? allLanes : allLanes.filter((l) => l !== 'audio');
  const laneHeight = (l: Lane) => (l === 'audio' ? audioLaneH : laneH);
  const laneY = (l: Lane) => {
    let y = top;
    for (const k of lanes) {
      if (k === l) return y;
      y += laneHeight(k);
    }
    return y;
  };
  const height = laneY('machine') + laneH + 4;
  // The markers' labels, placed once the markers in view are known (see placeMarkerLabels).
  const markers: { id: TimelineItem['id']; kind: 'control' | 'handoff' | 'end'; x: number; text: string | null; title: string; future: boolean }[] = [];
  // Items are in start order: look only at those that can reach into the window.
  const end = itemsUpTo(items, Math.min(toMs, atMs));
  const shapes: ReactElement[] = [];
  // Transitions, the busiest lane, are one path (a busy call has hundreds in the window, and each
  // element cost a style, layout and paint pass per frame); the event list names them. Those after
  // the cursor are a path of their own, dimmed as other later items are.
  const ticks: number[] = [];
  const laterTicks: number[] = [];
  for (let i = end - 1; i >= 0 && shapes.length + ticks.length + laterTicks.length < 600; i--) {
    const it = items[i];
    const itEnd = 'endMs' in it ? (it.endMs === null || it.endMs > atMs ? atMs : it.endMs) : it.startMs;
    if (itEnd < fromMs && it.kind !== 'turn' && it.kind !== 'tool') break;
    if (itEnd < fromMs) {
      if (it.startMs < fromMs - 120_000) break;
      continue;
    }
    const x0 = x(it.startMs);
    const x1 = Math.max(x0 + 2, x(itEnd));
    const before = shapes.length;
    switch (it.kind) {
      case 'turn': {
        const y = laneY(it.speaker) + 3;
        const chars = Math.floor((x1 - x0 - 8) / 6.2);
        const text = it.text ?? (it.speaker === 'caller' ? '…' : '');
        shapes.push(
          <g key={it.id} className={`sl-turn ${it.speaker}${it.interrupted ? ' interrupted' : ''}${it.bargeIn ? ' barge' : ''}`}>
            <rect x={x0} y={y} width={x1 - x0} height={laneH - 6} rx={3} />
            {chars > 2 && (
              <text x={x0 + 4} y={y + 12}>
                {it.bargeIn ? '⚡ ' : ''}
                {text.length > chars ? `${text.slice(0, chars - 1)}…` : text}
              </text>
            )}
            <title>{`${it.speaker} ${fmtMs(it.startMs)}–${it.endMs === null ? 'now' : fmtMs(it.endMs)}${it.interrupted ? ' (interrupted)' : ''}${it.bargeIn ? ' (barge-in)' : ''}\n${it.text ?? ''}`}</title>
          </g>,
        );
        break;
      }
      case 'tool': {
        const y = laneY('tools') + 3;
        shapes.push(
          <g key={it.id} className={`sl-tool ${it.outcome ?? 'pending'}`}>
            <rect x={x0} y={y} width={x1 - x0} height={laneH - 6} rx={2} />
            <title>{`${it.tool} #${it.attempt} → ${it.outcome ?? 'pending'}${it.status ? ` ${it.status}` : ''} (${it.endMs === null ? '…' : `${it.endMs - it.startMs} ms`})`}</title>
          </g>,
        );
        break;
      }
      case 'transition':
        (cursorMs !== undefined && it.startMs > cursorMs ? laterTicks : ticks).push(x0);
        break;
      case 'filler':
        shapes.push(
          <circle key={it.id} className="sl-filler" cx={x0} cy={laneY('agent') + laneH / 2} r={4}>
            <title>{`filler at ${fmtMs(it.startMs)}: ${it.text}`}</title>
          </circle>,
        );
        break;
      case 'control':
      case 'handoff':
      case 'end':
        markers.push({
          id: it.id,
          kind: it.kind,
          x: x0,
          text: it.kind === 'end' ? null : it.kind === 'handoff' ? `handoff · ${words(it.reason)}` : '⚙',
          title: it.kind === 'control' ? it.text : it.kind === 'handoff' ? `handoff (${it.reason}, ${it.priority})` : `call ended: ${it.outcome}`,
          future: cursorMs !== undefined && it.startMs > cursorMs,
        });
        break;
      case 'note':
        shapes.push(
          <circle key={it.id} className="sl-note" cx={x0} cy={laneY('machine') + laneH / 2} r={3}>
            <title>{it.text}</title>
          </circle>,
        );
        break;
      default:
        assertNever(it);
    }
    if (cursorMs !== undefined && it.startMs > cursorMs && shapes.length > before)
      shapes[shapes.length - 1] = (
        <g key={`f${it.id}`} className="future">
          {shapes[shapes.length - 1]}
        </g>
      );
  }
  // Handoff first (its words matter most), then the controls left to right; markers were collected newest first.
  markers.reverse();
  // Controls closer than an icon's width share one icon, with their count ("⚙3") and every
  // action in its hover text; each keeps its own line.
  let lead: (typeof markers)[number] | null = null;
  let count = 0;
  for (const m of markers) {
    if (m.kind !== 'control') continue;
    if (lead && m.x - lead.x < labelWidth('⚙') + 2) {
      count++;
      lead.text = `⚙${count}`;
      lead.title += `\n${m.title}`;
      m.text = null;
    } else {
      lead = m;
      count = 1;
    }
  }
  const order = [...markers.filter((m) => m.kind === 'handoff'), ...markers.filter((m) => m.kind === 'control' && m.text)];
  const placed = new Map(
    placeMarkerLabels(
      order.map((m) => ({ x: m.x, w: labelWidth(m.text!) })),
      width,
      labelW,
    ).map((p, i) => [order[i].id, p]),
  );
  const markShapes: ReactElement[] = [];
  for (const m of markers) {
    const p = placed.get(m.id) ?? null;
    const rowY = (row: number) => 2 + (row + 1) * markerRowH - 3;
    const mark = (
      <g key={m.id} className={`sl-marker ${m.kind}`}>
        <line x1={m.x} x2={m.x} y1={p ? rowY(p.row) - markerRowH + 3 : top - 4} y2={height - 2} />
        {p && m.text && (
          <text x={p.x} y={rowY(p.row)} textAnchor={p.anchor}>
            {m.text}
          </text>
        )}
        <title>{m.title}</title>
      </g>
    );
    markShapes.push(
      m.future ? (
        <g key={`f${m.id}`} className="future">
          {mark}
        </g>
      ) : (
        mark
      ),
    );
  }
  const wave: ReactElement[] = [];
  for (const seg of waveform ?? []) {
    if (seg.endMs < fromMs || seg.startMs > Math.min(toMs, atMs)) continue;
    const mid = laneY('audio') + audioLaneH / 2;
    const amp = audioLaneH / 2 - 2;
    const pts: string[] = [];
    seg.peaks.forEach((p, i) => {
      const t = seg.startMs + i * seg.stepMs;
      if (t < fromMs || t > atMs) return;
      pts.push(`${x(t).toFixed(1)},${(mid - p * amp).toFixed(1)}`, `${x(t).toFixed(1)},${(mid + p * amp).toFixed(1)}`);
    });
    if (pts.length) wave.push(<polyline key={seg.startMs} className="sl-wave" points={pts.join(' ')} />);
  }
  // The axis has its own row under the lanes: its first label starts where the lanes do (clear
  // of the lane names), its last ends inside the chart. Labels are keyed by slot, not time: as
  // the window slides they are updated in place rather than made anew.
  const axis: ReactElement[] = [];
  const step = niceStep(span / 8);
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) {
    const tx = x(t);
    const half = (fmtMs(t).length * axisCharWidth) / 2;
    const anchor = tx - half < labelW ? 'start' : tx + half > width - 2 ? 'end' : 'middle';
    axis.push(
      <text key={axis.length} className="sl-axis" x={anchor === 'start' ? labelW : anchor === 'end' ? width - 2 : tx} y={height + axisH - 3} textAnchor={anchor}>
        {fmtMs(t)}
      </text>,
    );
  }
  return (
    <div ref={ref} className={`swimlanes${onSeek ? ' seekable' : ''}`} data-testid={testid}>
      <svg
        width={width}
        height={height + axisH}
        onClick={(e) => {
          if (!onSeek) return;
          const r = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          const px = e.clientX - r.left - labelW;
          onSeek(Math.round(fromMs + Math.max(0, Math.min(1, px / w)) * span));
        }}
      >
        {lanes.map((l) => (
          <g key={l}>
            <rect className="sl-lane" x={labelW} y={laneY(l)} width={w} height={laneHeight(l)} />
            <text className="sl-lane-label" x={4} y={laneY(l) + laneHeight(l) / 2 + 4}>
              {l}
            </text>
          </g>
        ))}
        {wave}
        <TickPath xs={ticks} y={laneY('machine') + 3} h={laneH - 6} />
        <g className="future">
          <TickPath xs={laterTicks} y={laneY('machine') + 3} h={laneH - 6} />
        </g>
        {shapes.reverse()}
        {markShapes}
        {axis}
        {cursorMs !== undefined && cursorMs >= fromMs && cursorMs <= toMs && <line className="sl-cursor" x1={x(cursorMs)} x2={x(cursorMs)} y1={top - 6} y2={height} />}
      </svg>
      <LanesLegend />
    </div>
  );
}

/** The machine lane's transitions at `xs`, as one path. */
function TickPath({ xs, y, h }: { xs: readonly number[]; y: number; h: number }) {
  if (xs.length === 0) return null;
  return (
    <path className="sl-tick" d={tickPath(xs, y, h)}>
      <title>{`${xs.length} transition${xs.length === 1 ? '' : 's'} in view: the list below names each`}</title>
    </path>
  );
}

/** Vertical strokes at `xs` (rounded to the half pixel, repeats dropped), as one path's data. Pure. */
export function tickPath(xs: readonly number[], y: number, h: number): string {
  const seen = new Set<number>();
  let d = '';
  for (const x of xs) {
    const px = Math.round(x * 2) / 2;
    if (seen.has(px)) continue;
    seen.add(px);
    d += `M${px} ${y}v${h}`;
  }
  return d;
}

function niceStep(raw: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000];
  return steps.find((s) => s >= raw) ?? 1_800_000;
}

const icon: Record<TimelineItem['kind'], string> = { turn: '', tool: '⚒', filler: '…', transition: '→', control: '⚙', handoff: '⇪', note: '!', end: '■' };

function describe(it: TimelineItem, atMs: number): ReactElement {
  switch (it.kind) {
    case 'turn':
      return (
        <>
          <span className={`who ${it.speaker}`}>{it.speaker}</span>
          {it.bargeIn && <span className="badge barge">barge-in</span>}
          {it.interrupted && <span className="badge interrupted">interrupted</span>}
          <span className="said">{it.text ?? (it.endMs === null || it.endMs > atMs ? (it.partial ?? 'speaking…') : '(not recognised)')}</span>
        </>
      );
    case 'tool':
      return (
        <>
          <code>{it.tool}</code>
          {it.attempt > 1 && <span className="muted"> retry {it.attempt - 1}</span>} →{' '}
          {it.endMs === null || it.endMs > atMs ? (
            <span className="outcome pending">pending</span>
          ) : (
            <>
              <span className={`outcome ${it.outcome}`}>
                {it.outcome}
                {it.status ? ` ${it.status}` : ''}
              </span>{' '}
              <span className="muted">{it.endMs - it.startMs} ms</span>
            </>
          )}
        </>
      );
    case 'filler':
      return <span className="muted">filler: “{it.text}”</span>;
    case 'transition':
      return (
        <span className="muted">
          {shortState(it.state)} <span className="cause">on {it.cause}</span>
        </span>
      );
    case 'control':
      return <span className="control-text">{it.text}</span>;
    case 'handoff':
      return (
        <b className="handoff-text">
          handoff · {words(it.reason)} ({it.priority})
        </b>
      );
    case 'note':
      return <span className="note-text">{it.text}</span>;
    case 'end':
      return <b>call ended · {words(it.outcome)}</b>;
    default:
      return assertNever(it);
  }
}

/**
 * What of an item its row shows that can change after the row is drawn: the fold closes turns
 * and tool calls in place, and words arrive late. Other items never change.
 */
function rowLook(it: TimelineItem, atMs: number): string {
  const open = 'endMs' in it && (it.endMs === null || it.endMs > atMs);
  if (it.kind === 'turn') return `${open}|${it.endMs}|${it.text}|${it.partial}|${it.interrupted}|${it.bargeIn}`;
  if (it.kind === 'tool') return `${open}|${it.endMs}|${it.outcome}|${it.status}`;
  return '';
}

/** One row; redrawn only when its look changes (a busy call adds rows every frame and changes few). */
const EventRow = memo(
  function EventRow({ it, atMs }: { it: TimelineItem; atMs: number; look: string }) {
    return (
      <div className={`row ${it.kind}`} data-kind={it.kind}>
        <span className="t">{fmtMs(it.startMs)}</span>
        <span className="i">{icon[it.kind]}</span>
        <span className="d">{describe(it, atMs)}</span>
      </div>
    );
  },
  (a, b) => a.it === b.it && a.look === b.look,
);

/**
 * The call as a list, up to `atMs`: the newest rows at the bottom, kept in view. `items` is
 * folded in place; `version` says it changed. The list is bottom-anchored by its CSS
 * (column-reverse), not scrolled from script: reading its height after each change forced a
 * layout of the page in every frame of a live call.
 */
export const EventList = memo(function EventList({
  items,
  atMs,
  showTransitions,
  maxRows = 60,
}: {
  items: readonly TimelineItem[];
  version: number;
  atMs: number;
  showTransitions: boolean;
  /** Rows kept in the list (the newest); a live call keeps fewer, since it adds rows in every frame. */
  maxRows?: number;
}) {
  const end = itemsUpTo(items, atMs);
  const rows: TimelineItem[] = [];
  for (let i = end - 1; i >= 0 && rows.length < maxRows; i--) if (showTransitions || items[i].kind !== 'transition') rows.push(items[i]);
  rows.reverse();
  const hidden = end - rows.length;
  return (
    <div className="event-list" data-testid="event-list">
      <div className="event-rows">
        {hidden > 0 && <div className="muted small earlier">{hidden.toLocaleString('en')} earlier events</div>}
        {rows.map((it) => (
          <EventRow key={it.id} it={it} atMs={atMs} look={rowLook(it, atMs)} />
        ))}
      </div>
    </div>
  );
});

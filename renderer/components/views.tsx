import { memo, useMemo, useRef, useState } from 'react';
import type { Fault } from '../../shared/faults.ts';
import type { Policy, PolicyOverride } from '../../shared/policy.ts';
import type { RunResult } from '../../shared/result.ts';
import type { SessionRow } from '../../shared/ipc.ts';
import { actions, app, frameClock, models } from '../appState.ts';
import { useStore } from '../store.ts';
import type { CallModel } from '../model/call.ts';
import { frameAt, type StateFrame } from '../model/states.ts';
import type { StatechartLayout } from '../model/layout.ts';
import { liveWindow, type TimelineItem } from '../model/timeline.ts';
import { fmtMs, shortState, words } from '../format.ts';
import { Statechart } from './Statechart.tsx';
import { Monitors } from './Monitors.tsx';
import { ControlPanel } from './ControlPanel.tsx';
import { HandoffCard } from './HandoffCard.tsx';
import { EventList, Swimlanes } from './Timeline.tsx';
import { StartCall } from './StartCall.tsx';
import { FaultPlanEditor, PolicyEditor } from './LazyEditors.tsx';

/** The call's time, advanced every animation frame while a realtime call runs (by the app's one frame loop). */
function useCallClock(model: CallModel | null | undefined): number {
  const running = !!model && model.pacing === 'realtime' && !model.ended;
  const wallNow = useStore(frameClock, (s) => (running ? s.wallNow : 0));
  return model ? model.liveNow(wallNow) : 0;
}

function CallStatus({ model }: { model: CallModel }) {
  const result = model.ended?.result;
  return (
    <span className={`status ${result ? result.outcome : 'running'}`} data-testid="call-status">
      {result ? words(result.outcome) : model.pacing === 'realtime' ? '● live' : 'running'}
    </span>
  );
}

/** The call's clock in the header: redrawn every frame while a realtime call runs. */
function LiveClock({ model }: { model: CallModel }) {
  const atMs = useCallClock(model);
  return (
    <span className="clock" data-testid="call-clock">
      {fmtMs(atMs)}
    </span>
  );
}

/**
 * Rows the live list keeps: a busy call adds rows in every frame, and each kept row is laid out
 * again in each (24 against 60 cut the frames a 1,000-events/s call dropped by about half);
 * a saved session's list keeps 60. Eight show at once; the rest are a short scroll back.
 */
const LIVE_LIST_ROWS = 24;

/** The parts of the live view that move with the clock: lanes and monitors (timers count down). */
function LiveLanes({ model }: { model: CallModel | undefined }) {
  const atMs = useCallClock(model);
  const { fromMs, toMs } = liveWindow(atMs);
  return <Swimlanes items={model?.timeline.items ?? []} fromMs={fromMs} toMs={toMs} atMs={atMs} cursorMs={model ? atMs : undefined} waveform={model?.waveform} testid="live-swimlanes" />;
}

function LiveMonitors({
  model,
  frame,
  layout,
  targets,
  policy,
}: {
  model: CallModel | undefined;
  frame: StateFrame | null;
  layout: StatechartLayout;
  targets: readonly string[];
  policy: Policy | null;
}) {
  const atMs = useCallClock(model);
  return <Monitors ctx={model?.contextAt(atMs) ?? null} policy={policy} frame={frame} layout={layout} atMs={atMs} targets={targets} />;
}

/**
 * Live call: start one, watch its statechart and timeline, break things from the panel. The
 * view redraws once per frame in which the call changed; only the clock, the lanes and the
 * timers redraw every frame.
 */
export function LiveView() {
  const info = useStore(app, (s) => s.info)!;
  const graph = useStore(app, (s) => s.graph)!;
  const layout = useStore(app, (s) => s.layout)!;
  const library = useStore(app, (s) => s.library)!;
  const liveId = useStore(app, (s) => s.liveId);
  useStore(app, (s) => s.tick);
  const [showTransitions, setShowTransitions] = useState(true);
  const model = liveId ? models.get(liveId) : undefined;
  const frame = model ? frameAt(model.states.frames, Number.MAX_SAFE_INTEGER) : null;
  const plan = model?.timeline.planAt(Number.MAX_SAFE_INTEGER) ?? null;
  return (
    <div className="grid3">
      <aside className="left">
        {model && <HandoffCard result={model.ended?.result ?? null} timeline={model.timeline} atMs={Number.MAX_SAFE_INTEGER} />}
        <StartCall info={info} library={library} />
      </aside>
      <section className="center">
        <div className="call-header">
          {model ? (
            <>
              <CallStatus model={model} />
              <span className="source">{model.source}</span>
              <code className="muted small" data-testid="live-session-id">
                {model.sessionId}
              </code>
              <LiveClock model={model} />
              {model.ended?.error && (
                <span className="call-error" title={model.ended.error} data-testid="call-error">
                  {model.ended.error}
                </span>
              )}
              <span className="spacer" />
              {model.running && (
                <button className="small danger" onClick={() => void actions.stopCall(model.sessionId)}>
                  stop
                </button>
              )}
              {model.ended && (
                <button className="small" onClick={() => void actions.openSession(model.sessionId)} data-testid="open-in-investigator">
                  investigate this session →
                </button>
              )}
            </>
          ) : (
            <span className="muted">No call yet. Pick a scenario on the left and start it: live on the wall clock, or instantly.</span>
          )}
        </div>
        <Statechart graph={graph} layout={layout} frame={frame} atMs={frame?.atMs ?? 0} />
        <div className="timeline">
          <LiveLanes model={model} />
          <div className="list-head">
            <span>Timeline</span>
            <label className="check small">
              <input type="checkbox" checked={showTransitions} onChange={(e) => setShowTransitions(e.target.checked)} /> transitions
            </label>
          </div>
          <EventList items={model?.timeline.items ?? []} version={model?.version ?? 0} atMs={Number.MAX_SAFE_INTEGER} showTransitions={showTransitions} maxRows={LIVE_LIST_ROWS} />
        </div>
      </section>
      <aside className="right">
        {/* the panel breaks the running call: once it has ended, nothing is set on it. It comes
            first, so monitors and timers growing and shrinking below never move what you click */}
        <ControlPanel info={info} sessionId={model?.running ? model.sessionId : null} faults={model?.running ? (plan?.faults ?? []) : []} policy={plan?.policy ?? null} />
        <LiveMonitors model={model} frame={frame} layout={layout} targets={info.faultTargets} policy={plan?.policy ?? null} />
      </aside>
    </div>
  );
}

/** The session store: search, filter by outcome and handoff reason, import, export, delete. */
export function SessionBrowser() {
  const sessions = useStore(app, (s) => s.sessions);
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const outcomes = useMemo(() => [...new Set(sessions.map((s) => s.outcome ?? 'none'))].sort(), [sessions]);
  const reasons = useMemo(() => [...new Set(sessions.map((s) => s.handoffReason).filter(Boolean) as string[])].sort(), [sessions]);
  const q = query.trim().toLowerCase();
  const shown = sessions.filter(
    (s) => (!q || s.sessionId.toLowerCase().includes(q) || s.source.toLowerCase().includes(q)) && (!outcome || (s.outcome ?? 'none') === outcome) && (!reason || s.handoffReason === reason),
  );
  return (
    <div className="browser">
      <div className="browser-bar">
        <input className="search" placeholder="search id or source…" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="session-search" />
        <select value={outcome} onChange={(e) => setOutcome(e.target.value)} data-testid="filter-outcome" aria-label="outcome">
          <option value="">any outcome</option>
          {outcomes.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        <select value={reason} onChange={(e) => setReason(e.target.value)} data-testid="filter-reason" aria-label="handoff reason">
          <option value="">any handoff reason</option>
          {reasons.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <span className="spacer" />
        <span className="muted small" data-testid="session-count">
          {shown.length} of {sessions.length}
        </span>
        <button onClick={() => fileInput.current?.click()}>import…</button>
        <input
          ref={fileInput}
          type="file"
          hidden
          accept=".json,application/json"
          data-testid="import-file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) await actions.importSession(f).catch(() => {});
            e.target.value = '';
          }}
        />
        <button className="ghost" onClick={() => void actions.refreshSessions()}>
          refresh
        </button>
      </div>
      <table className="sessions" data-testid="sessions-table">
        <thead>
          <tr>
            <th>session</th>
            <th>created</th>
            <th>source</th>
            <th>status</th>
            <th>outcome</th>
            <th>handoff reason</th>
            <th className="num">events</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <SessionRowView key={s.sessionId} s={s} />
          ))}
        </tbody>
      </table>
      {sessions.length === 0 && <p className="muted empty">No sessions yet. Every call you run is saved here.</p>}
    </div>
  );
}

function SessionRowView({ s }: { s: SessionRow }) {
  const [confirm, setConfirm] = useState(false);
  return (
    <tr data-session={s.sessionId}>
      <td>
        <button className="link" onClick={() => void actions.openSession(s.sessionId)}>
          {s.sessionId}
        </button>
        {s.relation && <span className="badge">{s.relation}</span>}
      </td>
      <td className="muted">{s.createdAt.slice(0, 19).replace('T', ' ')}</td>
      <td>{s.source}</td>
      <td>
        <span className={`status ${s.status}`}>{s.status}</span>
      </td>
      <td>{s.outcome ? words(s.outcome) : '–'}</td>
      <td>{s.handoffReason ? words(s.handoffReason) : ''}</td>
      <td className="num">{s.events.toLocaleString('en')}</td>
      <td className="actions">
        <button className="small" onClick={() => void actions.openSession(s.sessionId)}>
          open
        </button>
        <button className="small ghost" onClick={() => void actions.exportSession(s.sessionId)}>
          export
        </button>
        {confirm ? (
          <button className="small danger" onClick={() => void actions.deleteSession(s.sessionId)}>
            really delete
          </button>
        ) : (
          <button className="small ghost" onClick={() => setConfirm(true)}>
            delete
          </button>
        )}
      </td>
    </tr>
  );
}

/** Where a key moves the scrubber: ←/→ 100 ms (Shift: 1 s), Home/End the ends; null for other keys. Pure. */
export function scrubKey(key: string, shift: boolean, atMs: number, durationMs: number): number | null {
  const step = shift ? 1000 : 100;
  const clamp = (t: number) => Math.max(0, Math.min(durationMs, t));
  if (key === 'ArrowLeft' || key === 'ArrowDown') return clamp(atMs - step);
  if (key === 'ArrowRight' || key === 'ArrowUp') return clamp(atMs + step);
  if (key === 'Home') return 0;
  if (key === 'End') return durationMs;
  return null;
}

/** Scrubs a saved session: a slider over the whole call (keys: see scrubKey), and steps from transition to transition. */
function Scrubber({ model, atMs }: { model: CallModel; atMs: number }) {
  const duration = model.durationMs;
  const frames = model.states.frames;
  const jump = (dir: 1 | -1) => {
    const next = dir > 0 ? frames.find((f) => f.atMs > atMs) : [...frames].reverse().find((f) => f.atMs < atMs);
    if (next) actions.seek(next.atMs);
  };
  return (
    <div className="scrubber">
      <button className="small ghost" onClick={() => jump(-1)} title="previous transition">
        ◀
      </button>
      <input
        type="range"
        min={0}
        max={duration}
        step={1}
        value={atMs}
        data-testid="scrubber"
        aria-label="time in the session"
        onChange={(e) => actions.seek(Number(e.target.value))}
        onKeyDown={(e) => {
          const to = scrubKey(e.key, e.shiftKey, atMs, duration);
          if (to === null) return;
          e.preventDefault();
          actions.seek(to);
        }}
      />
      <button className="small ghost" onClick={() => jump(1)} title="next transition">
        ▶
      </button>
      <span className="clock" data-testid="scrub-time">
        {fmtMs(atMs)} <span className="muted">/ {fmtMs(duration)}</span>
      </span>
    </div>
  );
}

const ReplayBlock = memo(function ReplayBlock({ sessionId }: { sessionId: string }) {
  const replay = useStore(app, (s) => s.replay);
  const busy = useStore(app, (s) => s.busy);
  return (
    <div className="inv-block">
      <button onClick={() => void actions.replay(sessionId)} disabled={!!busy} data-testid="replay-button">
        replay from the journal
      </button>
      {replay && replay.sessionId === sessionId && (
        <div className={`replay-result ${replay.identical ? 'identical' : 'diverged'}`} data-testid="replay-result">
          {replay.identical ? (
            <>
              ✓ identical · {replay.events.toLocaleString('en')} events, {replay.transitions} transitions
            </>
          ) : (
            <>
              ✗ diverged at transition {replay.divergence!.index} ({fmtMs(replay.divergence!.atMs)}): expected {replay.divergence!.expected}, got {replay.divergence!.actual}
            </>
          )}
        </div>
      )}
    </div>
  );
});

const WhatIfBlock = memo(function WhatIfBlock({ sessionId, base }: { sessionId: string; base: Policy }) {
  const busy = useStore(app, (s) => s.busy);
  const [policy, setPolicy] = useState<PolicyOverride>({});
  const [error, setError] = useState<string | null>(null);
  return (
    <details className="inv-block" open>
      <summary>What if… another policy</summary>
      <PolicyEditor base={base} value={{}} onChange={(v, e) => (setPolicy(v), setError(e))} testid="whatif-policy" />
      {error && <div className="field-error">{error}</div>}
      <button className="primary" disabled={!!busy || !!error || Object.keys(policy).length === 0} onClick={() => void actions.whatIf({ sessionId, policy })} data-testid="whatif-run">
        run what-if
      </button>
    </details>
  );
});

function ForkBlock({ model, base, atMs }: { model: CallModel; base: Policy; atMs: number }) {
  const busy = useStore(app, (s) => s.busy);
  const [policy, setPolicy] = useState<PolicyOverride>({});
  const [faults, setFaults] = useState<Fault[] | null>(null);
  const [replaceFaults, setReplaceFaults] = useState(false);
  const [open, setOpen] = useState(false);
  return (
    <details className="inv-block" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Fork at {fmtMs(atMs)}</summary>
      {open && (
        <>
          <p className="muted small">Identical up to the scrubber's position (checked), then on under this policy and fault plan.</p>
          <PolicyEditor base={base} value={{}} onChange={(v) => setPolicy(v)} testid="fork-policy" />
          <label className="check">
            <input type="checkbox" checked={replaceFaults} onChange={(e) => setReplaceFaults(e.target.checked)} /> replace the fault plan with:
          </label>
          <FaultPlanEditor value={model.timeline.planAt(atMs)?.faults ?? []} onChange={(v) => setFaults(v)} />
          <button
            disabled={!!busy || (replaceFaults && !faults)}
            onClick={() =>
              void actions.fork({
                sessionId: model.sessionId,
                atMs: Math.round(atMs),
                policy: Object.keys(policy).length ? policy : undefined,
                faults: replaceFaults && faults ? faults : undefined,
              })
            }
            data-testid="fork-run"
          >
            fork here
          </button>
        </>
      )}
    </details>
  );
}

function Investigate({ model, atMs }: { model: CallModel; atMs: number }) {
  const info = useStore(app, (s) => s.info)!;
  const base = model.timeline.planAt(0)?.policy ?? info.policyDefaults;
  return (
    <section className="panel investigate">
      <h3>Investigate</h3>
      <ReplayBlock sessionId={model.sessionId} />
      <WhatIfBlock sessionId={model.sessionId} base={base} />
      <ForkBlock model={model} base={base} atMs={atMs} />
    </section>
  );
}

/** A saved session at the scrubber's time: its states, monitors, timeline and handoff. */
export function SessionView() {
  const info = useStore(app, (s) => s.info)!;
  const graph = useStore(app, (s) => s.graph)!;
  const layout = useStore(app, (s) => s.layout)!;
  const openedId = useStore(app, (s) => s.openedId);
  const atMs = useStore(app, (s) => s.atMs);
  useStore(app, (s) => s.tick);
  const [showTransitions, setShowTransitions] = useState(true);
  const missingId = useStore(app, (s) => s.missingId);
  const model = openedId ? models.get(`saved:${openedId}`) : undefined;
  if (missingId)
    return (
      <div className="empty not-found" data-testid="session-not-found">
        <h2>No session “{missingId}”</h2>
        <p className="muted">This store ({info.dbPath}) has no session with that id: it may have been deleted, or saved in another store.</p>
        <button onClick={() => actions.showTab('sessions')} data-testid="back-to-sessions">
          ← back to the sessions
        </button>
      </div>
    );
  if (!model) return <p className="muted empty">No session open. Pick one in Sessions.</p>;
  const frame = frameAt(model.states.frames, atMs);
  const plan = model.timeline.planAt(atMs);
  const duration = model.durationMs;
  const windowMs = Math.min(duration, 60_000) || 1;
  const from = Math.max(0, Math.min(atMs - windowMs / 2, duration - windowMs));
  const result = model.ended?.result ?? null;
  return (
    <div className="grid3">
      <aside className="left">
        <section className="panel session-info">
          <h3>Session</h3>
          <code className="small" data-testid="session-id">
            {model.sessionId}
          </code>
          <div className="kv">
            <span>source</span>
            <span>{model.source}</span>
            <span>outcome</span>
            <span>{result ? words(result.outcome) : '–'}</span>
            <span>handoff</span>
            <span>{result?.handoff ? `${words(result.handoff.reason)} at ${fmtMs(result.handoff.atMs)}` : 'none'}</span>
            <span>length</span>
            <span>{fmtMs(duration)}</span>
            <span>tokens</span>
            <span>{result?.metrics.tokens.toLocaleString('en')}</span>
          </div>
        </section>
        <Investigate model={model} atMs={atMs} />
      </aside>
      <section className="center">
        <div className="call-header">
          <span className="status saved">saved</span>
          <span className="source">{model.source}</span>
          <span className="spacer" />
          <span className="muted small">state at {fmtMs(atMs)}:</span>
          <b className="small" data-testid="state-at">
            {(frame?.leaves ?? []).map(shortState).join(' · ') || '–'}
          </b>
        </div>
        <Statechart graph={graph} layout={layout} frame={frame} atMs={atMs} />
        <div className="timeline">
          <Scrubber model={model} atMs={atMs} />
          <Swimlanes items={model.timeline.items} fromMs={from} toMs={from + windowMs} atMs={duration} cursorMs={atMs} waveform={model.waveform} onSeek={actions.seek} testid="session-swimlanes" />
          <div className="list-head">
            <span>Timeline up to {fmtMs(atMs)}</span>
            <label className="check small">
              <input type="checkbox" checked={showTransitions} onChange={(e) => setShowTransitions(e.target.checked)} /> transitions
            </label>
          </div>
          <EventList items={model.timeline.items} version={model.version} atMs={atMs} showTransitions={showTransitions} />
        </div>
      </section>
      <aside className="right">
        <Monitors ctx={model.contextAt(atMs)} policy={plan?.policy ?? null} frame={frame} layout={layout} atMs={atMs} targets={info.faultTargets} />
        <HandoffCard result={result} timeline={model.timeline} atMs={atMs} />
        <section className="panel">
          <h3>Fault plan at {fmtMs(atMs)}</h3>
          {(plan?.faults ?? []).length === 0 && <p className="muted small">none</p>}
          {(plan?.faults ?? []).map((f) => (
            <div key={f.target} className="small">
              <code>{f.target}</code>{' '}
              <span className="badge fault">
                {f.mode}
                {f.status ? ` ${f.status}` : ''}
                {f.ms !== undefined ? ` ${f.ms} ms` : ''}
              </span>
            </div>
          ))}
        </section>
      </aside>
    </div>
  );
}

/** A run's result as timeline items, for the what-if columns. Pure. */
function resultItems(r: RunResult): TimelineItem[] {
  const items: TimelineItem[] = [];
  let id = 0;
  for (const t of r.turns) items.push({ kind: 'turn', id: id++, startMs: t.startMs, endMs: t.endMs, speaker: t.speaker, text: t.text, interrupted: t.interrupted, bargeIn: false, purpose: null });
  // a result's tool calls carry no machine call id (SPEC §1): number them in order
  r.toolCalls.forEach((c, n) => items.push({ kind: 'tool', id: id++, startMs: c.startMs, endMs: c.endMs, callId: n, tool: c.tool, attempt: 1, outcome: c.outcome, status: c.status ?? null }));
  for (const t of r.transitions) items.push({ kind: 'transition', id: id++, startMs: t.atMs, state: t.state, cause: '' });
  if (r.handoff) items.push({ kind: 'handoff', id: id++, startMs: r.handoff.atMs, reason: r.handoff.reason, priority: r.handoff.priority });
  items.push({ kind: 'end', id, startMs: r.durationMs, outcome: r.outcome });
  return items.sort((a, b) => a.startMs - b.startMs || a.id - b.id);
}

function RunColumn({ title, r, diffIndex, span }: { title: string; r: RunResult; diffIndex: number | null; span: number }) {
  const items = useMemo(() => resultItems(r), [r]);
  return (
    <div className="run-column" data-testid={`whatif-${title}`}>
      <h3>
        {title} <code className="small muted">{r.sessionId}</code>
      </h3>
      <div className="run-summary">
        <span className={`status ${r.outcome}`}>{words(r.outcome)}</span>
        <span>{r.handoff ? `${words(r.handoff.reason)} (${r.handoff.priority}) at ${fmtMs(r.handoff.atMs)}` : 'no handoff'}</span>
        <span className="muted">
          {r.toolCalls.length} tool calls · {r.metrics.tokens.toLocaleString('en')} tokens · {fmtMs(r.durationMs)}
        </span>
      </div>
      <Swimlanes items={items} fromMs={0} toMs={span} atMs={span} />
      <ol className="transitions" start={0}>
        {r.transitions.map((t, i) => (
          <li key={i} className={diffIndex !== null && i >= diffIndex ? (i === diffIndex ? 'first-diff' : 'after-diff') : ''}>
            <span className="n">{i}.</span>
            <span className="t">{fmtMs(t.atMs)}</span> {shortState(t.state)}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** What-if: the session and its re-run under another policy, side by side, with what changed. */
export function WhatIfView() {
  const w = useStore(app, (s) => s.whatif);
  if (!w) return <p className="muted empty">Run a what-if from an opened session.</p>;
  const d = w.diff;
  const span = Math.max(w.parent.durationMs, w.child.durationMs);
  const row = (label: string, a: string | number, b: string | number) => (
    <tr className={String(a) === String(b) ? '' : 'changed'}>
      <th>{label}</th>
      <td>{a}</td>
      <td>{b}</td>
    </tr>
  );
  return (
    <div className="whatif">
      <section className="panel diff" data-testid="whatif-diff">
        <h3>What changed</h3>
        <div className="diff-grid">
          <table>
            <thead>
              <tr>
                <th />
                <th>recorded</th>
                <th>what-if</th>
              </tr>
            </thead>
            <tbody>
              {row('outcome', words(d.outcome[0]), words(d.outcome[1]))}
              {row('handoff', words(d.handoff[0]), words(d.handoff[1]))}
              {row('tool calls', d.toolCalls[0], d.toolCalls[1])}
              {row('tokens', d.tokens[0], d.tokens[1])}
            </tbody>
          </table>
          <div>
            <div className="muted small">policy</div>
            {d.policyChanged.map((p) => (
              <div key={p}>
                <code>{p}</code>
              </div>
            ))}
            <div className="muted small first-diff-label">first different transition</div>
            <div data-testid="first-difference">
              {d.firstDifference ? (
                <>
                  #{d.firstDifference.index} at {fmtMs(d.firstDifference.atMs)}: recorded <b>{shortState(d.firstDifference.before.replace(/ at \d+ ms$/, ''))}</b>, what-if{' '}
                  <b>{shortState(d.firstDifference.after.replace(/ at \d+ ms$/, ''))}</b>
                </>
              ) : (
                'none: the same transitions'
              )}
            </div>
          </div>
        </div>
        <div className="row-buttons">
          <button className="small" onClick={() => void actions.openSession(w.childId)}>
            open the what-if session →
          </button>
        </div>
      </section>
      <div className="side-by-side">
        <RunColumn title="recorded" r={w.parent} diffIndex={d.firstDifference?.index ?? null} span={span} />
        <RunColumn title="what-if" r={w.child} diffIndex={d.firstDifference?.index ?? null} span={span} />
      </div>
    </div>
  );
}

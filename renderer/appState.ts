import type { MachineGraph } from '../shared/graph.ts';
import type { AppInfo, CallsimBridge, IpcResult, LibraryRecording, LibraryScenario, PushBatch, Request, SessionRow, StartProgress, WhatIfView, ReplayReportView } from '../shared/ipc.ts';
import type { ConnectionState } from './bridge.ts';
import type { EarlyConnection } from './connection.ts';
import { createStore } from './store.ts';
import { CallModel } from './model/call.ts';
import { layoutStatechart, type StatechartLayout } from './model/layout.ts';
import prebuilt from 'virtual:statechart-layout';

export type Tab = 'live' | 'sessions' | 'session' | 'whatif';

export interface AppState {
  connection: ConnectionState;
  info: AppInfo | null;
  graph: MachineGraph | null;
  layout: StatechartLayout | null;
  library: { scenarios: LibraryScenario[]; recordings: LibraryRecording[] } | null;
  sessions: SessionRow[];
  tab: Tab;
  /** The call the Live tab watches. */
  liveId: string | null;
  /** The saved session the Session tab shows, and the scrubber's position in it. */
  openedId: string | null;
  /** A session a link named that this store does not have. */
  missingId: string | null;
  atMs: number;
  replay: ReplayReportView | null;
  whatif: WhatIfView | null;
  busy: string | null;
  /** While a recorded call starts: how far hearing its audio has got (asked every 250 ms). */
  preparing: StartProgress | null;
  toast: { kind: 'error' | 'info'; text: string } | null;
  /** Bumped once per animation frame in which any call changed. */
  tick: number;
}

export const app = createStore<AppState>({
  connection: 'connecting',
  info: null,
  graph: null,
  layout: null,
  library: null,
  sessions: [],
  tab: 'live',
  liveId: null,
  openedId: null,
  missingId: null,
  atMs: 0,
  replay: null,
  whatif: null,
  busy: null,
  preparing: null,
  toast: null,
  tick: 0,
});

/** Calls the UI knows, live or opened, by session id. Mutated in place; `tick` tells views. */
export const models = new Map<string, CallModel>();

/**
 * The wall time (performance.now) of the frame being drawn. Advanced once per animation frame
 * while a realtime call runs, in the same frame callback that applies the pushes: every view
 * that moves with the clock, and every view of a changed call, redraws in one React render
 * per frame (a loop per view rendered, and laid out, the page once per loop).
 */
export const frameClock = createStore({ wallNow: 0 });

let bridge: CallsimBridge;
let queued: PushBatch[] = [];
let frameRequested = false;

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(onFrame);
}

/** One animation frame: the pushes that arrived since the last, then the clock while a realtime call runs. */
function onFrame(): void {
  frameRequested = false;
  drain();
  for (const m of models.values())
    if (m.pacing === 'realtime' && !m.ended) {
      frameClock.set({ wallNow: performance.now() });
      requestFrame();
      break;
    }
}

/** Applies the pushes that arrived since the last frame. */
function drain(): void {
  const graph = app.get().graph;
  if (!graph) return;
  const batches = queued;
  queued = [];
  const now = performance.now();
  for (const b of batches) {
    let m = models.get(b.sessionId);
    if (!m) {
      m = new CallModel(b.sessionId, graph);
      models.set(b.sessionId, m);
      if (!b.started) void attach(m);
    }
    m.applyBatch(b, now);
    // A call started anywhere (another window, the API) is followed unless one is running here.
    const live = app.get().liveId;
    if (b.started && live !== b.sessionId && (!live || !models.get(live)?.running)) app.set({ liveId: b.sessionId });
  }
  if (batches.length) app.set((s) => ({ tick: s.tick + 1 }));
}

/**
 * A call that was running before this page loaded: fetch its journal so far; the pushes that
 * arrive meanwhile wait and fold in after it, so the page shows the whole call whenever it joins.
 */
async function attach(m: CallModel): Promise<void> {
  m.beginJoin();
  const r = await bridge.openSession({ sessionId: m.sessionId });
  if (r.ok) {
    m.source = r.value.summary.source;
    m.pacing ??= 'realtime';
  }
  // (a call not yet in the store has nothing before its pushes)
  m.finishJoin(r.ok ? r.value.journal : [], r.ok ? r.value.waveform : []);
  app.set((s) => ({ tick: s.tick + 1 }));
  requestFrame();
}

function onPush(batches: PushBatch[]): void {
  queued.push(...batches);
  requestFrame();
}

/** Turns a bridge answer into its value, or shows its error and throws. */
async function call<T>(p: Promise<IpcResult<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) {
    app.set({ toast: { kind: 'error', text: r.error.message } });
    throw new Error(r.error.message);
  }
  return r.value;
}

/** Takes over the page's connection, then loads what every view needs (asked already, see connection.ts): app info, the machine's graph and its layout, the library, the sessions. */
export async function boot(early: EarlyConnection): Promise<void> {
  bridge = early.bridge;
  early.followState((connection) => app.set({ connection }));
  early.followPushes(onPush);
  const [info, graph, library, sessions, live] = await Promise.all([call(early.first.info), call(early.first.graph), call(early.first.library), call(early.first.sessions), call(early.first.live)]);
  // laid out when the UI was built; again here only if this server's machine is another one
  const layout = prebuilt.graph === JSON.stringify(graph) ? prebuilt.layout : await layoutStatechart(graph);
  app.set({ info, graph, library, sessions, layout });
  for (const c of live as { sessionId: string }[]) {
    const m = new CallModel(c.sessionId, graph);
    models.set(c.sessionId, m);
    await attach(m);
    app.set({ liveId: c.sessionId });
  }
  if (queued.length) requestFrame();
  await followUrl();
  window.addEventListener('popstate', () => void followUrl());
}

/** The session a page URL names (`/session/<id>`), or null. Pure. */
export function sessionInPath(pathname: string): string | null {
  const m = /^\/session\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** Served pages route by path; the desktop app's file:// page has no paths to route. */
const routes = () => location.protocol === 'http:' || location.protocol === 'https:';

/** Puts `path` in the address bar (a history entry), keeping nothing of the old query (the token is in a cookie by now). */
function routeTo(path: string): void {
  if (routes() && location.pathname !== path) history.pushState(null, '', path);
}

/** Shows what the address bar names: a saved session, or the live view. */
async function followUrl(): Promise<void> {
  if (!routes()) return;
  const id = sessionInPath(location.pathname);
  if (id) {
    if (id !== app.get().openedId) await actions.openSession(id, { fromUrl: true });
    else app.set({ tab: 'session' });
  } else if (location.pathname === '/' && app.get().tab === 'session') app.set({ tab: 'live', missingId: null });
}

const toast = (text: string) => app.set({ toast: { kind: 'info', text } });

export const actions = {
  showTab(tab: Tab) {
    app.set({ tab, missingId: null });
    routeTo(tab === 'session' && app.get().openedId ? `/session/${encodeURIComponent(app.get().openedId!)}` : '/');
    if (tab === 'sessions') void actions.refreshSessions();
  },
  dismissToast: () => app.set({ toast: null }),

  async startCall(req: Request<'call.start'>) {
    app.set({ busy: 'starting call' });
    // a recorded call's audio is heard before it starts (seconds): show how far that has got
    const recorded = req.source.kind === 'library' && req.source.file.endsWith('.wav');
    const poll = recorded
      ? setInterval(() => {
          void bridge.callPreparing({}).then((r) => {
            if (r.ok && app.get().busy === 'starting call') app.set({ preparing: r.value });
          });
        }, 250)
      : null;
    try {
      const { sessionId } = await call(bridge.startCall(req));
      app.set({ liveId: sessionId, tab: 'live' });
    } finally {
      if (poll) clearInterval(poll);
      app.set({ busy: null, preparing: null });
    }
  },
  async control(req: Request<'call.control'>) {
    await call(bridge.controlCall(req));
  },
  async stopCall(sessionId: string) {
    await call(bridge.stopCall({ sessionId }));
  },

  async refreshSessions() {
    app.set({ sessions: await call(bridge.listSessions({})) });
  },
  /**
   * Opens a saved session at its start; its checkpoints follow, for the monitors. The page's URL
   * becomes `/session/<id>` (a link that opens it again; `fromUrl`: it came from there). An id
   * the store does not have shows the Session tab's not-found page.
   */
  async openSession(sessionId: string, o: { fromUrl?: boolean } = {}) {
    const graph = app.get().graph!;
    app.set({ busy: 'opening session' });
    try {
      const r = await bridge.openSession({ sessionId });
      if (!r.ok) {
        if (r.error.code !== 'not_found') app.set({ toast: { kind: 'error', text: r.error.message } });
        else app.set({ missingId: sessionId, openedId: null, tab: 'session' });
        return;
      }
      const opened = r.value;
      if (!o.fromUrl) routeTo(`/session/${encodeURIComponent(opened.summary.sessionId)}`);
      const m = new CallModel(opened.summary.sessionId, graph);
      m.source = opened.summary.source;
      m.applyJournal(opened.journal);
      m.waveform = opened.waveform;
      m.ended = { result: opened.result, error: null };
      m.nowMs = opened.result.durationMs;
      m.checkpoints = [];
      models.set(`saved:${m.sessionId}`, m);
      app.set({ openedId: m.sessionId, missingId: null, atMs: 0, tab: 'session', replay: null });
      // a session opens at its top (a fork is opened from the bottom of the what-if view)
      window.scrollTo(0, 0);
      for (const el of document.querySelectorAll('main, main .center, main .left, main .right')) el.scrollTop = 0;
      const cp = await call(bridge.sessionCheckpoints({ sessionId: m.sessionId }));
      m.checkpoints = cp.checkpoints;
      m.version++;
      app.set((s) => ({ tick: s.tick + 1 }));
    } finally {
      app.set({ busy: null });
    }
  },
  seek(atMs: number) {
    app.set({ atMs });
  },
  async exportSession(sessionId: string) {
    const { fileName, json } = await call(bridge.exportSession({ sessionId }));
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
  async importSession(file: File) {
    const { sessionId } = await call(bridge.importSession({ fileName: file.name, text: await file.text() }));
    toast(`imported ${sessionId}`);
    await actions.refreshSessions();
  },
  async deleteSession(sessionId: string) {
    await call(bridge.deleteSession({ sessionId }));
    models.delete(`saved:${sessionId}`);
    if (app.get().openedId === sessionId) app.set({ openedId: null, tab: 'sessions' });
    await actions.refreshSessions();
  },
  async replay(sessionId: string) {
    app.set({ busy: 'replaying', replay: null });
    try {
      app.set({ replay: await call(bridge.replaySession({ sessionId })) });
    } finally {
      app.set({ busy: null });
    }
  },
  async whatIf(req: Request<'sessions.whatif'>) {
    app.set({ busy: 'running what-if' });
    try {
      app.set({ whatif: await call(bridge.whatIf(req)), tab: 'whatif' });
    } finally {
      app.set({ busy: null });
    }
  },
  async fork(req: Request<'sessions.fork'>) {
    app.set({ busy: 'forking' });
    try {
      const { sessionId, checkedTransitions } = await call(bridge.forkSession(req));
      toast(`forked ${sessionId}: identical for ${checkedTransitions} transitions up to ${req.atMs} ms`);
      await actions.openSession(sessionId);
    } finally {
      app.set({ busy: null });
    }
  },
};

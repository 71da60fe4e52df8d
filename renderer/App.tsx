import { useEffect } from 'react';
import { actions, app, type Tab } from './appState.ts';
import { useStore } from './store.ts';
import { LiveView, SessionBrowser, SessionView, WhatIfView } from './components/views.tsx';

function TabButton({ tab, label, disabled }: { tab: Tab; label: string; disabled?: boolean }) {
  const current = useStore(app, (s) => s.tab);
  return (
    <button className={`tab${current === tab ? ' on' : ''}`} onClick={() => actions.showTab(tab)} disabled={disabled} data-testid={`tab-${tab}`}>
      {label}
    </button>
  );
}

function Toast() {
  const toast = useStore(app, (s) => s.toast);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(actions.dismissToast, toast.kind === 'error' ? 9000 : 4000);
    return () => clearTimeout(t);
  }, [toast]);
  if (!toast) return null;
  return (
    <div className={`toast ${toast.kind}`} role="alert" data-testid="toast" onClick={actions.dismissToast}>
      {toast.text}
    </div>
  );
}

/** The whole UI: a header with the views, and the view. */
export function App() {
  const tab = useStore(app, (s) => s.tab);
  const ready = useStore(app, (s) => !!s.layout);
  const connection = useStore(app, (s) => s.connection);
  const dbPath = useStore(app, (s) => s.info?.dbPath);
  const version = useStore(app, (s) => s.info?.version);
  const openedId = useStore(app, (s) => s.openedId);
  const hasWhatIf = useStore(app, (s) => !!s.whatif);
  const busy = useStore(app, (s) => s.busy);
  return (
    <div className="app">
      <header>
        <span className="brand">
          callsim<span className="muted small"> {version}</span>
        </span>
        <nav>
          <TabButton tab="live" label="Live call" />
          <TabButton tab="sessions" label="Sessions" />
          <TabButton tab="session" label={openedId ? `Session · ${openedId}` : 'Session'} disabled={!openedId} />
          <TabButton tab="whatif" label="What-if" disabled={!hasWhatIf} />
        </nav>
        <span className="spacer" />
        {busy && <span className="busy">{busy}…</span>}
        <span className="muted small db" title="session database">
          {dbPath}
        </span>
        <span className={`conn ${connection}`} data-testid="connection">
          {connection === 'open' ? 'connected' : connection}
        </span>
      </header>
      <main>
        {!ready ? (
          <p className="muted empty">{connection === 'closed' ? 'Cannot reach callsim: is `callsim serve` running?' : 'Loading the machine…'}</p>
        ) : tab === 'live' ? (
          <LiveView />
        ) : tab === 'sessions' ? (
          <SessionBrowser />
        ) : tab === 'session' ? (
          <SessionView />
        ) : (
          <WhatIfView />
        )}
      </main>
      <Toast />
    </div>
  );
}

import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { boot } from './appState.ts';
import type { EarlyConnection } from './connection.ts';

/** Draws the UI and loads what it shows over `early` (the page's first script opened it). Effects: renders into #root. */
export function start(early: EarlyConnection): void {
  createRoot(document.getElementById('root')!).render(<App />);
  void boot(early).catch((err) => console.error('callsim: could not start the UI', err));
}

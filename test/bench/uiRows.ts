import fs from 'node:fs';
import { benchUi } from './ui.ts';
import type { ExtraBench } from './bench.ts';

/** The UI's targets, measured in Chromium (where it is installed). */
export const uiBench: ExtraBench = async (rows) => {
  if (!fs.existsSync('/usr/bin/chromium')) throw new Error('Chromium is not installed at /usr/bin/chromium (apt-get install chromium)');
  const r = await benchUi();
  const ready = r.pageReady;
  rows.push({
    name: `UI: page ready — a fresh tab, navigation start to the frame that paints the listening state (${ready.n} tabs, nothing cached)`,
    value: `p50 ${ready.p50Ms.toFixed(0)} ms, max ${ready.maxMs.toFixed(0)} ms`,
    goal: '< 1000',
    ok: ready.maxMs < 1000,
  });
  const t = r.transitionToDom;
  rows.push({
    name: `UI: machine transition → lit state in Chromium (${t.transitions} transitions)`,
    value: `p50 ${t.p50Ms.toFixed(1)} ms, p95 ${t.p95Ms.toFixed(1)} ms`,
    goal: 'p95 < 50',
    ok: t.p95Ms < 50,
  });
  const s = r.seek;
  rows.push({
    name: `UI: seek in a ${(s.sessionMs / 60_000).toFixed(0)}-minute session (${s.journalEntries.toLocaleString('en')} entries)`,
    value: `p50 ${s.p50Ms.toFixed(1)} ms, p95 ${s.p95Ms.toFixed(1)} ms; opens in ${s.openMs.toFixed(0)} ms`,
    goal: '< 100',
    ok: s.p95Ms < 100,
  });
  const f = r.liveRate;
  const ratio = f.frameP95Ms / f.idleFrameP95Ms;
  rows.push({
    name: `UI: frame interval at ${Math.round(f.eventsPerSecond).toLocaleString('en')} journal events/s vs the idle page (best of 3 calls)`,
    value: `p95 ${f.frameP95Ms.toFixed(1)} ms vs ${f.idleFrameP95Ms.toFixed(1)} ms = ${ratio.toFixed(2)}; ${(f.droppedShare * 100).toFixed(1)} % of ${f.frames} frames dropped, longest ${f.longestFrameMs.toFixed(0)} ms`,
    goal: '≤ 1.5',
    ok: ratio <= 1.5,
  });
};

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium, openUi, scrubTo, shot, useBrowser } from './browser.ts';

const browser = useBrowser();

/** What a person reading the chart would see wrong: every finding is one line. */
interface ChartReading {
  zoom: number;
  overlapping: string[];
  smallLabels: string[];
  captionOver: string[];
  /** The first active leaf (the machine's order), and whether it is wholly in the chart's view. */
  followed: string | null;
  followedInView: boolean;
  sharedPaths: string[];
  bundledHeads: string[];
}

/**
 * Reads the statechart as drawn: node boxes, label sizes at the zoom, the caption bar against the
 * visible part of every node, the first active leaf against the view, and the arrows' routes
 * (in chart units, times the zoom for screen pixels).
 */
function readChart(page: Page): Promise<ChartReading> {
  return page.evaluate(() => {
    const view = document.querySelector('.chart-flow')!.getBoundingClientRect();
    const zoom = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a;
    type R = { x: number; y: number; r: number; b: number };
    const rect = (el: Element): R => {
      const b = el.getBoundingClientRect();
      return { x: b.left, y: b.top, r: b.right, b: b.bottom };
    };
    const area = (a: R, b: R) => Math.max(0, Math.min(a.r, b.r) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.b, b.b) - Math.max(a.y, b.y));
    const nodes = [...document.querySelectorAll('.react-flow__node')].map((el) => ({ id: el.getAttribute('data-id')!, box: rect(el) }));
    const within = (a: string, b: string) => a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
    const overlapping: string[] = [];
    for (let i = 0; i < nodes.length; i++)
      for (let j = i + 1; j < nodes.length; j++) if (!within(nodes[i].id, nodes[j].id) && area(nodes[i].box, nodes[j].box) > 0) overlapping.push(`${nodes[i].id} × ${nodes[j].id}`);
    const smallLabels = [...document.querySelectorAll('.state-label')]
      .filter((el) => parseFloat(getComputedStyle(el).fontSize) * zoom < 11)
      .map((el) => `${el.textContent} ${getComputedStyle(el).fontSize} × ${zoom}`);
    // The caption against what is seen of each node: the part inside the chart's view.
    const caption = rect(document.querySelector('[data-testid=step-caption]')!);
    const viewR: R = { x: view.left, y: view.top, r: view.right, b: view.bottom };
    const clip = (a: R): R => ({ x: Math.max(a.x, viewR.x), y: Math.max(a.y, viewR.y), r: Math.min(a.r, viewR.r), b: Math.min(a.b, viewR.b) });
    const captionOver = nodes.filter((n) => n.box.r > viewR.x && n.box.x < viewR.r && n.box.b > viewR.y && n.box.y < viewR.b && area(caption, clip(n.box)) > 0).map((n) => n.id);
    const active = document.querySelector('.state.leaf[data-active=true]');
    const followed = active?.getAttribute('data-state') ?? null;
    const a = active ? rect(active) : null;
    const followedInView = !!a && a.x >= viewR.x && a.y >= viewR.y && a.r <= viewR.r && a.b <= viewR.b;
    // Routes: orthogonal polylines "M x y L x y …" in chart units.
    const routes = [...document.querySelectorAll('[data-edge]')].map((g) => {
      const d = g.querySelector('.react-flow__edge-path')!.getAttribute('d')!;
      const n = d.match(/-?[\d.]+/g)!.map(Number);
      const pts: { x: number; y: number }[] = [];
      for (let k = 0; k + 1 < n.length; k += 2) pts.push({ x: n[k], y: n[k + 1] });
      return { id: g.getAttribute('data-edge')!, pts };
    });
    const sharedPaths: string[] = [];
    for (let i = 0; i < routes.length; i++)
      for (let j = i + 1; j < routes.length; j++) {
        let worst = 0;
        for (let s = 1; s < routes[i].pts.length; s++)
          for (let t = 1; t < routes[j].pts.length; t++) {
            const [p, q, u, v] = [routes[i].pts[s - 1], routes[i].pts[s], routes[j].pts[t - 1], routes[j].pts[t]];
            const run = (a1: number, a2: number, b1: number, b2: number) => Math.min(Math.max(a1, a2), Math.max(b1, b2)) - Math.max(Math.min(a1, a2), Math.min(b1, b2));
            if (p.y === q.y && u.y === v.y && Math.abs(p.y - u.y) < 2) worst = Math.max(worst, run(p.x, q.x, u.x, v.x));
            if (p.x === q.x && u.x === v.x && Math.abs(p.x - u.x) < 2) worst = Math.max(worst, run(p.y, q.y, u.y, v.y));
          }
        if (worst * zoom > 4) sharedPaths.push(`${routes[i].id} and ${routes[j].id}: ${Math.round(worst * zoom)} px`);
      }
    // Arrowheads: the ends of two arrows into one state at least 10 px apart on screen.
    const bundledHeads: string[] = [];
    const ends = routes.filter((r) => r.pts.length > 1).map((r) => ({ id: r.id, target: r.id.split('→')[1], end: r.pts[r.pts.length - 1] }));
    for (let i = 0; i < ends.length; i++)
      for (let j = i + 1; j < ends.length; j++) {
        const gap = Math.hypot(ends[i].end.x - ends[j].end.x, ends[i].end.y - ends[j].end.y) * zoom;
        if (ends[i].target === ends[j].target && gap < 10) bundledHeads.push(`${ends[i].id} and ${ends[j].id}: ${gap.toFixed(1)} px`);
      }
    return { zoom, overlapping, smallLabels, captionOver, followed, followedInView, sharedPaths, bundledHeads };
  });
}

/** Waits until the chart has followed its active state into view (it pans after the step is drawn), then reads it. */
async function readFollowed(page: Page): Promise<ChartReading> {
  await page
    .waitForFunction(
      () => {
        const view = document.querySelector('.chart-flow')!.getBoundingClientRect();
        const a = document.querySelector('.state.leaf[data-active=true]')?.getBoundingClientRect();
        return !!a && a.left >= view.left && a.top >= view.top && a.right <= view.right && a.bottom <= view.bottom;
      },
      null,
      { timeout: 5000 },
    )
    .catch(() => {});
  return readChart(page);
}

const readable = (r: ChartReading) => ({
  overlapping: r.overlapping,
  smallLabels: r.smallLabels,
  captionOver: r.captionOver,
  followedInView: r.followedInView,
  sharedPaths: r.sharedPaths,
  bundledHeads: r.bundledHeads,
});
const clean = { overlapping: [], smallLabels: [], captionOver: [], followedInView: true, sharedPaths: [], bundledHeads: [] };

describe.skipIf(!hasChromium)('the UI in Chromium: a statechart you can read', () => {
  for (const [width, height] of [
    [1280, 720],
    [1024, 768],
  ])
    it(`at ${width}×${height}: no state over another, every name ≥ 11 px, the caption over none, no shared routes or bundled heads, the active state in view at every step`, async () => {
      const { page, server, errors, close } = await openUi(browser());
      try {
        await page.setViewportSize({ width, height });
        await page.reload();
        await page.waitForSelector('[data-state="active.conversation.listening"]');
        const idle = await readChart(page);
        expect(idle.zoom).toBeGreaterThanOrEqual(1);
        expect({ ...readable(idle), followedInView: true }).toEqual(clean);
        // A call that ends in a handoff: the live view follows it to `transferred`, at the foot of the chart.
        const started = (await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' })) as { ok: true; value: { sessionId: string } };
        const sessionId = started.value.sessionId;
        await page.waitForSelector('[data-state="transferred"][data-active=true]');
        const ended = await readFollowed(page);
        expect(ended.followed).toBe('transferred');
        expect(readable(ended)).toEqual(clean);
        // into test-output/screenshots (recordings/screenshots keeps copies that were looked at)
        if (width === 1280) await shot(page, 'statechart-1280x720');
        // The saved session, at every step it took: the state entered is in view each time.
        await page.goto(new URL(`/session/${sessionId}`, server.url).href);
        await page.waitForSelector('[data-testid=scrubber]');
        const opened = (await server.api.handle('sessions.open', { sessionId })) as { ok: true; value: { result: { transitions: { atMs: number; state: string }[] } } };
        const times = [...new Set(opened.value.result.transitions.map((t) => t.atMs))];
        expect(times.length).toBeGreaterThan(10);
        const missed: string[] = [];
        for (const at of times) {
          await scrubTo(page, at);
          await page.waitForSelector(`.statechart[data-at-ms="${at}"]`);
          const r = await readFollowed(page);
          if (!r.followedInView || r.captionOver.length || r.smallLabels.length) missed.push(`${at} ms: ${r.followed} ${JSON.stringify(readable(r))}`);
        }
        expect(missed).toEqual([]);
        if (width === 1280) {
          const backoff = opened.value.result.transitions.find((t) => t.state === 'active.conversation.toolBackoff')!;
          await scrubTo(page, backoff.atMs);
          await readFollowed(page);
          await shot(page, 'statechart-session-1280x720');
        }
        // fit shows the whole machine (smaller, on request); 1:1 is readable again, the active state in view.
        await page.click('[data-testid=chart-fit]');
        expect((await readChart(page)).zoom).toBeLessThan(1);
        await page.click('[data-testid=chart-readable]');
        expect(readable(await readFollowed(page))).toEqual(clean);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    }, 240_000);
});

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { hasChromium, openUi, useBrowser, shot } from './browser.ts';
import { runSession } from '../../electron/engine/session.ts';
import { scenarioSetup } from '../../electron/engine/setup.ts';
import { readScenario } from '../../electron/input/files.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { libraryDir } from '../helpers.ts';

const browser = useBrowser();

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe.skipIf(!hasChromium)('the UI in Chromium: the timeline lanes', () => {
  it('a saved call with faults set from the panel and a handoff: labels clear of each other at 1024 px, a legend that says what the lanes show', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      // crm-blackout with a fault set and cleared from the control panel near the handoff
      const info = await server.api.handle('app.info', {});
      if (!info.ok) throw new Error(info.error.message);
      const store = new SessionStore((info.value as { dbPath: string }).dbPath);
      const setup = scenarioSetup(readScenario(path.join(libraryDir, 'crm-blackout.json')));
      const run = await runSession(
        {
          ...setup,
          controls: [
            { atMs: 3000, action: { type: 'fault.set', fault: { target: 'orders.getShippingStatus', mode: 'error', status: 503 } } },
            { atMs: 3300, action: { type: 'fault.clear', target: 'orders.getShippingStatus' } },
            { atMs: 3600, action: { type: 'fault.set', fault: { target: 'asr', mode: 'timeout' } } },
          ],
        },
        { store },
        { pacing: 'virtual' },
      );
      store.close();
      expect(run.result.handoff).not.toBeNull();
      await page.setViewportSize({ width: 1024, height: 768 });
      await page.goto(`${server.url.replace(/\/?(\?.*)?$/, '')}/session/${run.sessionId}`);
      await page.waitForSelector('[data-testid=session-swimlanes] .sl-marker.handoff text');
      await shot(page, 'timeline-1024');
      const boxes = await page.evaluate(() => {
        const lanes = document.querySelector('[data-testid=session-swimlanes]')!;
        const box = (el: Element) => {
          const r = el.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        };
        return {
          handoff: [...lanes.querySelectorAll('.sl-marker.handoff text')].map(box),
          controls: [...lanes.querySelectorAll('.sl-marker.control text')].map((t) => ({ ...box(t), text: t.textContent! })),
          controlLines: lanes.querySelectorAll('.sl-marker.control line').length,
          turnLabels: [...lanes.querySelectorAll('.sl-turn text')].map(box),
          waveform: [...lanes.querySelectorAll('.sl-wave')].map(box),
          legend: lanes.parentElement!.querySelector('[data-testid=lanes-legend]')?.textContent ?? null,
        };
      });
      expect(boxes.handoff).toHaveLength(1);
      // three actions 300 ms apart: three lines, and icons that count all three (close ones share one: ⚙2)
      expect(boxes.controlLines).toBe(3);
      expect(boxes.controls.reduce((n, c) => n + (c.text === '⚙' ? 1 : Number(c.text.slice(1))), 0)).toBe(3);
      for (const c of boxes.controls) expect(overlap(c, boxes.handoff[0])).toBe(false);
      for (let i = 0; i < boxes.controls.length; i++) for (let j = i + 1; j < boxes.controls.length; j++) expect(overlap(boxes.controls[i], boxes.controls[j])).toBe(false);
      // the legend names what the lanes draw, the machine lane's ticks too
      expect(boxes.legend).toMatch(/state change/);
      expect(boxes.legend).toMatch(/control/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

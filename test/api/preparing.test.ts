import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { SessionStore } from '../../electron/store/sessions.ts';
import { CallsimApi } from '../../electron/api/api.ts';
import type { StartProgress } from '../../shared/ipc.ts';
import { repoRoot, tempDir } from '../helpers.ts';

// A recorded call is heard (VAD over the file, then recognition) before it starts: the app asks
// how far that has got while its call.start is outstanding, and shows it.
describe("call.preparing: how far a recorded call's start has got", () => {
  it('reports detection by frames, up to all of them, then recognition of every stretch; nothing once the call runs', async () => {
    const store = new SessionStore(path.join(tempDir(), 'p.db'));
    const api = new CallsimApi({ store, recordingsDir: path.join(repoRoot, 'recordings') });
    try {
      expect(await api.handle('call.preparing', {})).toEqual({ ok: true, value: null });
      const seen: StartProgress[] = [];
      let started = false;
      const start = api.handle('call.start', { source: { kind: 'library', file: 'audio/cards-call-8k.wav' }, pacing: 'virtual' }).finally(() => (started = true));
      // every answer while it prepares, as the UI's poll would see them (as often as the loop lets)
      while (!started) {
        const r = await api.handle('call.preparing', {});
        if (r.ok && r.value) seen.push(r.value as StartProgress);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const r = await start;
      expect(r.ok).toBe(true);
      expect(await api.handle('call.preparing', {})).toEqual({ ok: true, value: null });
      expect(seen.length).toBeGreaterThan(0);
      for (const p of seen) expect(p.file).toBe('audio/cards-call-8k.wav');
      // stages in order, each count within its total and never going back
      const order = ['reading', 'detecting speech', 'recognizing'];
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1], seen[i]];
        expect(order.indexOf(b.stage)).toBeGreaterThanOrEqual(order.indexOf(a.stage));
        if (a.stage === b.stage) expect(b.done).toBeGreaterThanOrEqual(a.done);
      }
      for (const p of seen) expect(p.done).toBeLessThanOrEqual(p.total);
      const detection = seen.filter((p) => p.stage === 'detecting speech');
      expect(detection.length).toBeGreaterThan(0);
      // detection ran over the whole file before recognition began
      expect(seen.find((p) => p.stage === 'recognizing')).toBeDefined();
      const recognizing = seen.filter((p) => p.stage === 'recognizing');
      expect(recognizing.length).toBeGreaterThan(0);
      // at least one stretch was heard (the call's caller has words), and the call started
      expect(recognizing.at(-1)!.total).toBeGreaterThan(0);
      expect(store.get((r as { ok: true; value: { sessionId: string } }).value.sessionId)).toBeTruthy();
    } finally {
      await api.live.stopAll();
      store.close();
    }
  }, 120_000);
});

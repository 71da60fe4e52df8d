import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { hasChromium, openUi, useBrowser, scrubTo, shot } from './browser.ts';
import { repoRoot, tempDir } from '../helpers.ts';
import { sessionCheckpoints } from '../../electron/api/checkpoints.ts';

const browser = useBrowser();

describe.skipIf(!hasChromium)('the UI in Chromium: saved sessions, what-if, files', () => {
  it('a session has a URL: /session/<id> opens it, on reload too; an unknown id is a page with a way back; keys move the scrubber', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      const started = await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' });
      const sessionId = (started as { ok: true; value: { sessionId: string } }).value.sessionId;
      await page.click('[data-testid=tab-sessions]');
      await page.click(`tr[data-session="${sessionId}"] button:has-text("open")`);
      await page.waitForSelector('[data-testid=scrubber]');
      expect(new URL(page.url()).pathname).toBe(`/session/${sessionId}`);
      // a reload (the token now in its cookie) opens the same session
      await page.reload();
      await page.waitForSelector(`[data-testid=session-id]:has-text("${sessionId}")`);
      // keys: → 100 ms, Shift+→ 1 s, ← back, End and Home the ends
      await page.focus('[data-testid=scrubber]');
      const at = async () => Number(await page.getAttribute('[data-testid=scrubber]', 'value'));
      await page.keyboard.press('ArrowRight');
      expect(await at()).toBe(100);
      await page.keyboard.press('Shift+ArrowRight');
      expect(await at()).toBe(1100);
      await page.keyboard.press('ArrowLeft');
      expect(await at()).toBe(1000);
      await page.keyboard.press('End');
      expect(await at()).toBe(Number(await page.getAttribute('[data-testid=scrubber]', 'max')));
      await page.keyboard.press('Home');
      expect(await at()).toBe(0);
      // back: the live view at /
      await page.goBack();
      // an id the store does not have
      await page.goto(new URL('/session/no-such-session-1234', server.url).href);
      await page.waitForSelector('[data-testid=session-not-found]');
      expect(await page.textContent('[data-testid=session-not-found] h2')).toBe('No session “no-such-session-1234”');
      await shot(page, 'session-not-found');
      await page.click('[data-testid=back-to-sessions]');
      await page.waitForSelector(`tr[data-session="${sessionId}"]`);
      expect(new URL(page.url()).pathname).toBe('/');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('opens a saved session, scrubs to a time and shows the machine as it was then; replays it identical', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      const started = await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' });
      await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/happy-path.json' }, pacing: 'virtual' });
      const sessionId = (started as { ok: true; value: { sessionId: string } }).value.sessionId;
      await page.click('[data-testid=tab-sessions]');
      await page.waitForSelector(`tr[data-session="${sessionId}"]`);
      const rows = page.locator('[data-testid=sessions-table] tbody tr');
      const shown = async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-session')!))).sort();
      const happyId = (await shown()).find((id) => id !== sessionId)!;
      expect(happyId).toMatch(/^happy-path-/);
      // The search matches ids and sources, case aside; the count says how many of all are shown.
      await page.fill('[data-testid=session-search]', 'BLACKOUT');
      expect(await shown()).toEqual([sessionId]);
      expect(await page.textContent('[data-testid=session-count]')).toBe('1 of 2');
      await page.fill('[data-testid=session-search]', happyId.slice(-8));
      expect(await shown()).toEqual([happyId]);
      await page.fill('[data-testid=session-search]', 'scenario:');
      expect(await shown()).toEqual([sessionId, happyId].sort());
      await page.fill('[data-testid=session-search]', 'no such call');
      expect(await shown()).toEqual([]);
      expect(await page.textContent('[data-testid=session-count]')).toBe('0 of 2');
      await page.fill('[data-testid=session-search]', '');
      // The outcome filter offers the outcomes there are, and combines with the search.
      expect(await page.locator('[data-testid=filter-outcome] option').allTextContents()).toEqual(['any outcome', 'completed', 'handoff']);
      await page.selectOption('[data-testid=filter-outcome]', 'completed');
      expect(await shown()).toEqual([happyId]);
      await page.selectOption('[data-testid=filter-outcome]', 'handoff');
      expect(await shown()).toEqual([sessionId]);
      await page.fill('[data-testid=session-search]', 'happy');
      expect(await shown()).toEqual([]);
      await page.fill('[data-testid=session-search]', '');
      await page.selectOption('[data-testid=filter-outcome]', '');
      expect(await shown()).toEqual([sessionId, happyId].sort());
      await page.selectOption('[data-testid=filter-reason]', 'backend_failure');
      expect(await rows.count()).toBe(1);
      expect(await shown()).toEqual([sessionId]);
      await shot(page, 'sessions');
      await page.click(`tr[data-session="${sessionId}"] button:has-text("open")`);
      await page.waitForSelector('[data-testid=scrubber]');
      // The moment of the first backoff: the second CRM failure is still to come.
      const opened = (await server.api.handle('sessions.open', { sessionId })) as { ok: true; value: { result: { transitions: { atMs: number; state: string }[] } } };
      const backoff = opened.value.result.transitions.find((t) => t.state === 'active.conversation.toolBackoff')!;
      const at = backoff.atMs + 20;
      await scrubTo(page, at);
      await page.waitForSelector(`.statechart[data-at-ms="${at}"]`);
      expect(await page.getAttribute('[data-state="active.conversation.toolBackoff"]', 'data-active')).toBe('true');
      expect(await page.getAttribute('[data-state="handoff"]', 'data-active')).toBe('false');
      expect(await page.textContent('[data-testid=state-at]')).toContain('toolBackoff');
      const journal = (server.api as unknown as { o: { store: { journal(id: string): never } } }).o.store.journal(sessionId);
      const failures = [...sessionCheckpoints(journal)].reverse().find((c) => c.atMs <= at)!.context.consecutiveFailures.crm;
      await page.waitForSelector(`[data-testid=breaker-crm] .meter-value:has-text("${failures}/3")`);
      expect(await page.locator('.event-list .row.tool').count()).toBe(1);
      await shot(page, 'session-scrubbed');
      // Later, the handoff: the card appears once the scrubber passes it.
      expect(await page.locator('[data-testid=handoff-card]').count()).toBe(0);
      await scrubTo(page, opened.value.result.transitions.at(-1)!.atMs);
      await page.waitForSelector('[data-testid=handoff-card][data-reason=backend_failure]');
      await page.click('[data-testid=replay-button]');
      await page.waitForSelector('[data-testid=replay-result]');
      expect(await page.textContent('[data-testid=replay-result]')).toMatch(/identical · \d+ events, \d+ transitions/);
      // Fork at the backoff without the blackout: the fork opens, identical up to there, then every CRM call answers.
      await scrubTo(page, at);
      await page.click('summary:has-text("Fork at")');
      await page.check('details:has([data-testid=fork-run]) input[type=checkbox]');
      await page.fill('details:has([data-testid=fork-run]) textarea', '[]');
      await page.click('[data-testid=fork-run]');
      await page.waitForFunction((id) => (document.querySelector('[data-testid=session-id]')?.textContent ?? id) !== id, sessionId);
      expect(await page.textContent('[data-testid=toast]')).toMatch(new RegExp(`^forked \\S+: identical for \\d+ transitions up to ${at} ms$`));
      // the fork opens at its top, and the toast is not over the timeline
      expect(await page.evaluate(() => Math.max(window.scrollY, ...[...document.querySelectorAll('main, main .center, main .left, main .right')].map((e) => e.scrollTop)))).toBe(0);
      const toastBox = (await page.locator('[data-testid=toast]').boundingBox())!;
      const lanesBox = (await page.locator('[data-testid=session-swimlanes]').boundingBox())!;
      expect(toastBox.x + toastBox.width <= lanesBox.x || toastBox.y >= lanesBox.y + lanesBox.height || toastBox.y + toastBox.height <= lanesBox.y).toBe(true);
      await shot(page, 'fork-opened');
      const forked = (await page.textContent('[data-testid=session-id]'))!.trim();
      const forkResult = (await server.api.handle('sessions.open', { sessionId: forked })) as { ok: true; value: { result: { toolCalls: { outcome: string }[] } } };
      expect(forkResult.value.result.toolCalls.at(-1)!.outcome).toBe('ok');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('runs a what-if with another policy and shows the two runs side by side with what changed', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      const started = await server.api.handle('call.start', { source: { kind: 'library', file: 'scenarios/crm-blackout.json' }, pacing: 'virtual' });
      const sessionId = (started as { ok: true; value: { sessionId: string } }).value.sessionId;
      await page.click('[data-testid=tab-sessions]');
      await page.click(`tr[data-session="${sessionId}"] button:has-text("open")`);
      await page.fill('[data-testid=whatif-policy] input[name=circuitBreakerFailures]', '2');
      await page.click('[data-testid=whatif-run]');
      await page.waitForSelector('[data-testid=whatif-diff]');
      const diff = page.locator('[data-testid=whatif-diff]');
      expect(await diff.locator('tr.changed').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^tool calls32$/)]));
      expect(await diff.textContent()).toContain('circuitBreakerFailures: 3 → 2');
      expect(await page.textContent('[data-testid=first-difference]')).toMatch(/^#\d+ at /);
      expect(await page.locator('[data-testid=whatif-recorded] .sl-tool').count()).toBe(3);
      expect(await page.locator('[data-testid=whatif-what-if] .sl-tool').count()).toBe(2);
      await shot(page, 'whatif');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('runs a scenario file the user opens, instantly; the handoff card masks the card number the caller read out; exports, deletes and imports the session from the browser', async () => {
    const { page, errors, close } = await openUi(browser());
    try {
      const dir = tempDir();
      const file = path.join(dir, 'asks-for-a-person.json');
      const scenario = JSON.parse(fs.readFileSync(path.join(repoRoot, 'recordings/scenarios/caller-request.json'), 'utf8'));
      scenario.caller.turns = [{ at: 1000, say: 'My card number is 4111 1111 1111 1111.' }, { say: 'Can I please talk to a real person?' }];
      delete scenario.expect;
      fs.writeFileSync(file, JSON.stringify(scenario));
      await page.setInputFiles('[data-testid=open-file]', file);
      await page.waitForSelector('[data-testid=source-select] option[value="@file"]', { state: 'attached' });
      await page.click('[data-testid=pacing-virtual]');
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('[data-testid=handoff-card][data-reason=caller_request] .packet');
      // What the human sees: the caller's words verbatim, but the card number masked to its last four.
      const quotes = await page.locator('[data-testid=handoff-card] .quote').allTextContents();
      expect(quotes).toEqual(['“My card number is [card ••••1111].”', '“Can I please talk to a real person?”']);
      expect(await page.textContent('[data-testid=handoff-card]')).not.toMatch(/4111[\s-]*1111/);
      const sessionId = (await page.textContent('[data-testid=live-session-id]'))!.trim();
      await page.click('[data-testid=tab-sessions]');
      const row = page.locator(`tr[data-session="${sessionId}"]`);
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'export' }).click()]);
      expect(download.suggestedFilename()).toBe(`${sessionId}.callsim.json`);
      const exported = path.join(dir, download.suggestedFilename());
      await download.saveAs(exported);
      expect(JSON.parse(fs.readFileSync(exported, 'utf8')).session.sessionId).toBe(sessionId);
      // Masked in the export too.
      expect(fs.readFileSync(exported, 'utf8')).not.toMatch(/4111[\s-]*1111/);
      expect(fs.readFileSync(exported, 'utf8')).toContain('[card ••••1111]');
      await row.getByRole('button', { name: 'delete' }).click();
      await row.getByRole('button', { name: 'really delete' }).click();
      await row.waitFor({ state: 'detached' });
      await page.setInputFiles('[data-testid=import-file]', exported);
      await page.waitForSelector(`tr[data-session="${sessionId}"]`);
      expect(await page.textContent('[data-testid=toast]')).toBe(`imported ${sessionId}`);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { hasChromium, openUi, useBrowser, shot } from './browser.ts';

const browser = useBrowser();

/** The conversation's states in order, repeats collapsed: `listening`, `thinking.waiting`… */
const conversation = (leafLists: string[][]) => {
  const out: string[] = [];
  for (const leaves of leafLists) {
    const c = leaves.find((l) => l.startsWith('active.conversation.'))?.slice('active.conversation.'.length) ?? leaves.find((l) => !l.startsWith('active.'));
    if (c && out[out.length - 1] !== c) out.push(c);
  }
  return out;
};

/** Whether `part` appears in `whole` in order (not necessarily side by side). */
const isSubsequence = (part: readonly string[], whole: readonly string[]) => {
  let k = 0;
  for (const x of part) {
    k = whole.indexOf(x, k);
    if (k < 0) return false;
    k++;
  }
  return true;
};

describe.skipIf(!hasChromium)('the UI in Chromium: live calls and the control panel', () => {
  it('starts a scenario live and lights the states up in the order the machine takes them', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      // Watch the chart: every change of its active states, as the user sees them.
      await page.evaluate(() => {
        const chart = document.querySelector('.statechart')!;
        const seen: string[][] = [];
        (window as unknown as { seen: string[][] }).seen = seen;
        new MutationObserver(() => seen.push((chart.getAttribute('data-active-states') ?? '').split(' ').filter(Boolean))).observe(chart, {
          attributes: true,
          attributeFilter: ['data-active-states'],
        });
      });
      await page.selectOption('[data-testid=source-select]', 'scenarios/happy-path.json');
      await page.click('[data-testid=pacing-realtime]');
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('.event-list .row.tool');
      await shot(page, 'live-call');
      await page.waitForSelector('[data-testid=call-status]:has-text("completed")');
      const seen = await page.evaluate(() => (window as unknown as { seen: string[][] }).seen);
      const sessionId = (await page.textContent('[data-testid=live-session-id]'))!.trim();
      const recorded = server.api.live.list().length === 0 ? await server.api.handle('sessions.open', { sessionId }) : null;
      const transitions = (recorded as { ok: true; value: { result: { transitions: { state: string; atMs: number }[] } } }).value.result.transitions;
      const expected = conversation(transitions.map((t) => [t.state]));
      expect(expected).toEqual([
        'agentSpeaking.speaking',
        'listening',
        'callerSpeaking',
        'callerPaused',
        'thinking.waiting',
        'toolCall',
        'thinking.waiting',
        'toolCall',
        'thinking.waiting',
        'agentSpeaking.speaking',
        'listening',
        'callerSpeaking',
        'callerPaused',
        'thinking.waiting',
        'agentSpeaking.speaking',
        'completed',
      ]);
      // The chart lights what each push brings: on a loaded machine two transitions can come in one
      // push (a tool call of a few ms, then thinking again) and only the later is drawn. So what
      // it lit is the machine's order with none invented, and every state that lasted a second of
      // the call (far longer than a push's interval) was lit.
      const lit = conversation(seen);
      expect(isSubsequence(lit, expected), `lit ${lit.join(' → ')}`).toBe(true);
      expect(lit[lit.length - 1]).toBe('completed');
      const longStates = conversation(transitions.flatMap((t, i) => ((transitions[i + 1]?.atMs ?? Infinity) - t.atMs >= 1000 ? [[t.state]] : [])));
      expect(longStates.length).toBeGreaterThanOrEqual(4);
      expect(isSubsequence(longStates, lit), `long ${longStates.join(' → ')}; lit ${lit.join(' → ')}`).toBe(true);
      // The live list keeps its newest 24 rows; with transitions hidden, the call's every turn is among them.
      expect(await page.locator('.event-list .row').count()).toBe(24);
      await page.click('.list-head input[type=checkbox]');
      expect(await page.locator('.event-list .row.transition').count()).toBe(0);
      expect(await page.locator('.event-list .row.turn').count()).toBe(5);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('a tab reloaded mid-call and a second tab opened mid-call show the whole call', async () => {
    const { page, server, errors, close } = await openUi(browser());
    const second = await browser().newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await page.selectOption('[data-testid=source-select]', 'scenarios/happy-path.json');
      await page.click('[data-testid=pacing-realtime]');
      await page.click('[data-testid=start-call-button]');
      // joined once the agent has looked the caller up: the greeting and the first turn are history
      await page.waitForSelector('.event-list .row.tool');
      await Promise.all([page.reload(), second.goto(server.url)]);
      // one call at a time, in every tab: the second tab cannot start another while it runs
      await second.waitForSelector('[data-testid=start-blocked]');
      expect(await second.isDisabled('[data-testid=start-call-button]')).toBe(true);
      for (const p of [page, second]) {
        await p.waitForSelector('[data-testid=call-status]:has-text("completed")', { timeout: 60_000 });
        await p.click('.list-head input[type=checkbox]');
        // every turn of the call, as the tab that watched from the start shows them
        expect(await p.locator('.event-list .row.turn').count()).toBe(5);
      }
      await second.waitForSelector('[data-testid=start-call-button]:not([disabled])');
      expect(await second.locator('[data-testid=start-blocked]').count()).toBe(0);
      await shot(second, 'live-joined-mid-call');
      expect(errors).toEqual([]);
    } finally {
      await second.close();
      await close();
    }
  }, 180_000);

  it('takes a CRM error from the control panel mid-call: the handoff reason becomes backend_failure', async () => {
    const { page, errors, close } = await openUi(browser());
    try {
      await page.selectOption('[data-testid=source-select]', 'scenarios/happy-path.json');
      // A slower end of turn leaves time to break the CRM before the agent looks the caller up.
      await page.click('details:has([data-testid=start-policy]) > summary');
      await page.fill('[data-testid=start-policy] input[name=endOfTurnSilenceMs]', '2500');
      // where the control panel is, every frame of the call: timers come and go above it
      await page.evaluate(() => {
        const tops = new Set<number>();
        (window as unknown as { panelTops: Set<number> }).panelTops = tops;
        const look = () => {
          tops.add(Math.round(document.querySelector('[data-testid=control-panel]')!.getBoundingClientRect().top));
          requestAnimationFrame(look);
        };
        look();
      });
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('[data-state="active.conversation.callerSpeaking"][data-active=true]');
      // Every value the CRM breaker's meter shows, as the page changes it.
      await page.evaluate(() => {
        const shown: string[] = [];
        (window as unknown as { breaker: string[] }).breaker = shown;
        new MutationObserver(() => shown.push(document.querySelector('[data-testid=breaker-crm] .meter-value')?.textContent ?? '')).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      const row = page.locator('[data-testid="fault-crm.lookupCustomer"]');
      await row.locator('select').selectOption('error');
      await row.locator('input').fill('503');
      await row.getByRole('button', { name: 'set' }).click();
      await page.waitForSelector('[data-testid="fault-active-crm.lookupCustomer"]');
      await page.waitForSelector('.event-list .row.control:has-text("fault set · crm.lookupCustomer: error 503")');
      // The CRM breaker counts the failures (1, 2, …) before it opens.
      await page.waitForFunction(() => (window as unknown as { breaker: string[] }).breaker.some((v) => v === '1/3' || v === '2/3'));
      await shot(page, 'control-panel-fault');
      await page.waitForSelector('[data-testid=handoff-card]');
      expect(await page.getAttribute('[data-testid=handoff-card]', 'data-reason')).toBe('backend_failure');
      expect(await page.textContent('[data-testid=handoff-reason]')).toBe('backend failure');
      await page.waitForSelector('[data-testid=call-status]:has-text("handoff")');
      await page.waitForSelector('[data-testid=handoff-card] .packet');
      expect(await page.textContent('[data-testid=handoff-card] .packet')).toContain('crm.lookupCustomer');
      // it never moved while timers came and went
      expect(await page.evaluate(() => [...(window as unknown as { panelTops: Set<number> }).panelTops])).toHaveLength(1);
      // the call has ended: the panel has no fault set on anything
      await page.waitForSelector('[data-testid=control-panel] h3:has-text("no call running")');
      expect(await page.locator('[data-testid^=fault-active-]').count()).toBe(0);
      await shot(page, 'handoff');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});

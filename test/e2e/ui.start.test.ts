import { describe, expect, it } from 'vitest';
import { hasChromium, openUi, useBrowser, shot } from './browser.ts';

const browser = useBrowser();

describe.skipIf(!hasChromium)('the UI in Chromium: starting a recorded call', () => {
  it('shows how far hearing the recording has got while the call starts, then the call', async () => {
    const { page, errors, close } = await openUi(browser());
    try {
      await page.selectOption('[data-testid=source-select]', 'audio/backchannel-call.wav');
      await page.click('[data-testid=pacing-virtual]');
      await page.click('[data-testid=start-call-button]');
      // detection counts frames (a percentage and a bar); recognition names its stretches
      const progress = page.locator('[data-testid=start-progress]');
      await progress.waitFor();
      expect(await progress.textContent()).toMatch(/^audio\/backchannel-call\.wav: (reading…|detecting speech \d+ %|recognizing \d+ stretch)/);
      await page.waitForSelector('[data-testid=start-progress]:has-text("recognizing")');
      await shot(page, 'start-progress');
      // once the call runs the progress is gone and the call is shown
      await page.waitForSelector('[data-testid=live-session-id]');
      await progress.waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});

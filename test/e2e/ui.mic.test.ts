import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { hasChromium, openUi, useBrowser, shot } from './browser.ts';
import { tempDir } from '../helpers.ts';
import { encodeWav16 } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';

const browser = useBrowser();

describe.skipIf(!hasChromium)('the UI in Chromium: the microphone', () => {
  it('the mic button with a WAV played as the microphone: caller turns appear on the timeline as they are heard, with their waveform', async () => {
    const { page, server, errors, close } = await openUi(browser());
    try {
      await page.click('[data-testid=mic-button]');
      expect(await page.getAttribute('[data-testid=mic-button]', 'aria-pressed')).toBe('true');
      expect(await page.isDisabled('[data-testid=pacing-virtual]')).toBe(true);
      // "ten of clubs" ends at 1.7 s, "four queen of clubs" at 6.9 s (recordings/audio/cards-call-8k.truth.json).
      await page.selectOption('[data-testid=mic-input]', 'audio/cards-call-8k.wav');
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('[data-testid=call-status]:has-text("live")');
      expect(await page.textContent('.call-header .source')).toBe('mic');
      // Two caller turns with the words the recognizer heard (not "speaking…" or "(not recognised)").
      await page.waitForFunction(
        () => [...document.querySelectorAll('.event-list .row.turn')].filter((r) => r.querySelector('.who.caller') && /^[a-z' ]+$/.test(r.querySelector('.said')?.textContent ?? '')).length >= 2,
      );
      expect(await page.locator('[data-testid=live-swimlanes] .sl-turn.caller').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('[data-testid=live-swimlanes] .sl-wave').count()).toBeGreaterThanOrEqual(2);
      // The control panel is live for a mic call too.
      expect(await page.isDisabled('[data-testid="fault-crm.lookupCustomer"] button:has-text("set")')).toBe(false);
      await shot(page, 'mic-call');
      await page.click('.call-header button:has-text("stop")');
      await page.waitForSelector('[data-testid=open-in-investigator]');
      expect(server.api.live.list()).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('a WAV the user opens plays as the microphone to its end, hangs up, and the saved session replays identically', async () => {
    const { page, errors, close } = await openUi(browser());
    try {
      const speech = await synthesize('Where is my order?', 'flite:slt');
      const audio = new Float32Array(16000 + speech.samples.length + 16000 * 3);
      audio.set(speech.samples, 16000);
      const file = path.join(tempDir(), 'where-is-my-order.wav');
      fs.writeFileSync(file, encodeWav16(audio, 16000));
      await page.click('[data-testid=mic-button]');
      await page.setInputFiles('[data-testid=open-wav]', file);
      await page.waitForSelector('[data-testid=mic-input] option[value="@wav"]', { state: 'attached' });
      expect(await page.inputValue('[data-testid=mic-input]')).toBe('@wav');
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('.event-list .row.turn:has(.who.caller):has-text("order")');
      await page.waitForSelector('[data-testid=call-status]:has-text("caller hung up")');
      await page.click('[data-testid=open-in-investigator]');
      await page.click('[data-testid=replay-button]');
      await page.waitForSelector('[data-testid=replay-result]');
      expect(await page.textContent('[data-testid=replay-result]')).toMatch(/identical · \d+ events, \d+ transitions/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('without a microphone (sox finds no sound card) the mic button says why next to it and starts nothing', async () => {
    const { page, server, errors, close } = await openUi(browser());
    const pathBefore = process.env.PATH;
    try {
      // The server runs in this process: a stand-in sox that fails as sox does on a machine without a sound card.
      const bin = tempDir('callsim-bin-');
      fs.writeFileSync(path.join(bin, 'sox'), '#!/bin/sh\necho "sox FAIL sox: Sorry, there is no default audio device configured" >&2; exit 1\n');
      fs.chmodSync(path.join(bin, 'sox'), 0o755);
      process.env.PATH = `${bin}:${pathBefore}`;
      await page.click('[data-testid=mic-button]');
      expect(await page.inputValue('[data-testid=mic-input]')).toBe('@device');
      expect(await page.textContent('[data-testid=start-call-button]')).toBe('▶ start mic call');
      await page.click('[data-testid=start-call-button]');
      await page.waitForSelector('[data-testid=start-error]');
      const said = 'microphone: sox exited with code 1: sox FAIL sox: Sorry, there is no default audio device configured (no call was started; choose a WAV to play as the microphone instead)';
      expect(await page.textContent('[data-testid=start-error]')).toBe(said);
      expect(await page.textContent('[data-testid=toast]')).toBe(said);
      expect(await page.isEnabled('[data-testid=start-call-button]')).toBe(true);
      await shot(page, 'mic-unavailable');
      expect(server.api.live.list()).toEqual([]);
      expect(await server.api.handle('sessions.list', {})).toEqual({ ok: true, value: [] });
      expect(await page.locator('[data-testid=live-session-id]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      process.env.PATH = pathBefore;
      await close();
    }
  }, 180_000);
});

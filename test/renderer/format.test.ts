import { describe, expect, it } from 'vitest';
import { fmtMs } from '../../renderer/format.ts';
import { liveWindow } from '../../renderer/model/timeline.ts';

describe('fmtMs', () => {
  it('shows seconds with two decimals under a minute', () => {
    expect(fmtMs(0)).toBe('0.00 s');
    expect(fmtMs(3984)).toBe('3.98 s');
    expect(fmtMs(59_994)).toBe('59.99 s');
  });

  it('never shows 60.00 s: a time that rounds to a minute is shown as one', () => {
    expect(fmtMs(59_995)).toBe('1:00.0');
    expect(fmtMs(59_999)).toBe('1:00.0');
    expect(fmtMs(60_000)).toBe('1:00.0');
  });

  it('never shows 60 seconds past a minute: the carry goes to the minutes', () => {
    expect(fmtMs(2_999_960)).toBe('50:00.0');
    expect(fmtMs(2_999_949)).toBe('49:59.9');
    expect(fmtMs(119_950)).toBe('2:00.0');
    expect(fmtMs(119_949)).toBe('1:59.9');
    expect(fmtMs(723_400)).toBe('12:03.4');
    expect(fmtMs(61_000)).toBe('1:01.0');
  });

  it('signs negative times, but not one that rounds to zero', () => {
    expect(fmtMs(-1500)).toBe('-1.50 s');
    expect(fmtMs(-59_999)).toBe('-1:00.0');
    expect(fmtMs(-2)).toBe('0.00 s');
  });

  it('shows a dash for a time that is not a number', () => {
    expect(fmtMs(Number.NaN)).toBe('–');
    expect(fmtMs(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('the live lanes fit the call', () => {
  it('show the call so far in four fifths of the width, at least 10 s, growing to two minutes, then the last two minutes', () => {
    expect(liveWindow(0)).toEqual({ fromMs: 0, toMs: 10_000 });
    expect(liveWindow(8_000)).toEqual({ fromMs: 0, toMs: 10_000 });
    expect(liveWindow(10_000)).toEqual({ fromMs: 0, toMs: 13_000 });
    expect(liveWindow(40_000)).toEqual({ fromMs: 0, toMs: 50_000 });
    expect(liveWindow(300_000)).toEqual({ fromMs: 300_000 - 96_000, toMs: 300_000 + 24_000 });
    // the call so far always fits, and its end is never past the right edge
    for (let t = 0; t <= 600_000; t += 777) {
      const w = liveWindow(t);
      expect(w.toMs).toBeGreaterThanOrEqual(t);
      expect(w.toMs - w.fromMs).toBeLessThanOrEqual(120_000);
      if (t <= 96_000) expect(w.fromMs).toBe(0);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { resample, resampleTo16k, to16kMono } from '../../electron/audio/resample.ts';

const tone = (frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));

/** RMS away from the edges, where a filter's start-up would blur the measure. */
function rms(samples: Float32Array): number {
  const from = Math.floor(samples.length * 0.1);
  const to = Math.floor(samples.length * 0.9);
  let energy = 0;
  for (let i = from; i < to; i++) energy += samples[i] ** 2;
  return Math.sqrt(energy / (to - from));
}

describe('resampleTo16k', () => {
  it('removes an 11 kHz tone from 44.1 kHz audio instead of folding it to 5 kHz (anti-aliasing)', async () => {
    const input = tone(11_000, 44_100, 1);
    const output = await resampleTo16k(input, 44_100);
    expect(rms(output)).toBeLessThan(0.01 * rms(input));
  });

  it('keeps a 1 kHz tone at its level and frequency', async () => {
    const input = tone(1000, 44_100, 1);
    const output = await resampleTo16k(input, 44_100);
    expect(rms(output) / rms(input)).toBeGreaterThan(0.98);
    expect(rms(output) / rms(input)).toBeLessThan(1.02);
    const expected = tone(1000, 16_000, 1);
    let worst = 0;
    for (let i = 1600; i < 14_400; i++) worst = Math.max(worst, Math.abs(output[i] - expected[i]));
    expect(worst).toBeLessThan(0.01);
  });

  it('returns 16 kHz input as it is, without copying', async () => {
    const input = tone(440, 16_000, 0.1);
    expect(await resampleTo16k(input, 16_000)).toBe(input);
  });

  it('gives exactly round(n * 16000 / rate) samples, aligned in time, from any rate', async () => {
    for (const rate of [8000, 11_025, 22_050, 44_100, 48_000, 96_000]) {
      const input = new Float32Array(2 * rate); // two seconds, an impulse at 1 s
      input[rate] = 1;
      const output = await resampleTo16k(input, rate);
      expect(output.length).toBe(32_000);
      const peak = output.reduce((best, x, i) => (Math.abs(x) > Math.abs(output[best]) ? i : best), 0);
      expect(Math.abs(peak - 16_000)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same output for the same input every time: no state leaks from one call into the next', async () => {
    const short = tone(300, 44_100, 2);
    const first = await resampleTo16k(short, 44_100);
    await resampleTo16k(tone(7000, 44_100, 1), 44_100);
    expect(await resampleTo16k(short, 44_100)).toEqual(first);
  });

  it("converts long inputs (past the library's 4 MB single call) as well, twice alike, with exact length", async () => {
    const input = tone(300, 44_100, 30); // 1.3 M samples
    const output = await resampleTo16k(input, 44_100);
    expect(output.length).toBe(480_000);
    expect(rms(output) / rms(input)).toBeGreaterThan(0.98);
    expect(rms(output) / rms(input)).toBeLessThan(1.02);
    const again = await resampleTo16k(input, 44_100);
    expect(again).toEqual(output);
    const expected = tone(300, 16_000, 30);
    let worst = 0;
    for (let i = 16_000; i < 464_000; i++) worst = Math.max(worst, Math.abs(output[i] - expected[i]));
    expect(worst).toBeLessThan(0.01);
  });

  it('converts a decoded WAV with to16kMono, and other pairs of rates with resample', async () => {
    expect((await to16kMono({ samples: tone(440, 8000, 0.5), sampleRate: 8000 })).length).toBe(8000);
    const down = await resample(tone(3000, 16_000, 1), 16_000, 8000);
    expect(down.length).toBe(8000);
    expect(rms(await resample(tone(5000, 16_000, 1), 16_000, 8000))).toBeLessThan(0.01 * 0.5);
  });

  it('refuses, with an Error, the rates the library cannot take instead of its bare string (192001 Hz) or silence (62 Hz)', async () => {
    await expect(resampleTo16k(new Float32Array(100), 192_001)).rejects.toThrow(new Error('resample: 192001 Hz is above the 192000 Hz the resampler takes'));
    await expect(resampleTo16k(new Float32Array(100), 62)).rejects.toThrow(/^resample: 62 Hz to 16000 Hz is a ratio beyond the resampler's 1\/256 to 256$/);
    await expect(resample(new Float32Array(100), 16_000, 0)).rejects.toThrow('resample: bad rate 0');
    expect((await resampleTo16k(new Float32Array(63).fill(0.25), 63)).length).toBe(16_000);
  });
});

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MicrophoneError, MicrophoneSource, WavFileSource, type AudioSource, type AudioSourceEvent } from '../../electron/audio/mic.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { AudioInputError, encodeWav16, readWavFile } from '../../electron/audio/wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'callsim-mic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Received {
  event: AudioSourceEvent;
  wallMs: number;
}

/** Starts a source and collects its events until it ends (or `until` says stop). */
async function collect(source: AudioSource, until?: (received: Received[]) => boolean): Promise<Received[]> {
  const received: Received[] = [];
  const startedAt = performance.now();
  const done = new Promise<void>((resolve) => {
    source.subscribe((event) => {
      received.push({ event, wallMs: performance.now() - startedAt });
      if (event.type !== 'audio.chunk') resolve();
      else if (until?.(received)) source.stop();
    });
  });
  await source.start();
  await done;
  return received;
}

const chunks = (received: Received[]) => received.flatMap((r) => (r.event.type === 'audio.chunk' ? [{ ...r.event, wallMs: r.wallMs }] : []));

// 1.5 s of an 8 kHz tone: the source has to convert it to 16 kHz as well.
const tonePath = join(dir, 'tone-8k.wav');
writeFileSync(
  tonePath,
  encodeWav16(
    Float32Array.from({ length: 12_000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 300 * i) / 8000)),
    8000,
  ),
);

describe('WavFileSource', () => {
  it('streams a file in real time: one 32 ms chunk as each 32 ms of audio has been "spoken" (on a fake clock)', async () => {
    // setTimeout and performance.now are vitest's fake clock here: each chunk's time of arrival
    // is exact, whatever else the machine is doing.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const source = new WavFileSource(tonePath);
      const arrivals: { atMs: number; clockMs: number; type: string }[] = [];
      const t0 = performance.now();
      source.subscribe((e) => arrivals.push({ atMs: e.type === 'audio.error' ? -1 : e.atMs, clockMs: performance.now() - t0, type: e.type }));
      await source.start(); // decodes and resamples, then schedules the first chunk
      expect(arrivals).toEqual([]);
      // Nothing before a chunk's last sample has been "spoken": 31 ms in, still nothing.
      await vi.advanceTimersByTimeAsync(31);
      expect(arrivals).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(arrivals).toEqual([{ atMs: 0, clockMs: 32, type: 'audio.chunk' }]);
      await vi.advanceTimersByTimeAsync(2000);
      const audio = arrivals.filter((a) => a.type === 'audio.chunk');
      expect(audio.length).toBe(Math.ceil(24_000 / 512));
      // chunk i covers [32 i, 32 (i + 1)) ms and arrives once that has passed
      audio.forEach((chunk, i) => expect(chunk).toEqual({ atMs: i * 32, clockMs: (i + 1) * 32, type: 'audio.chunk' }));
      // the last chunk is partial (24,000 samples = 46 chunks and 448 samples); the end follows it at once
      expect(arrivals.at(-1)).toEqual({ atMs: 1500, clockMs: 47 * 32, type: 'audio.ended' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('streams as fast as possible when asked, with the same samples and times', async () => {
    const received = await collect(new WavFileSource(tonePath, { pace: 'fast' }));
    const audio = chunks(received);
    audio.forEach((chunk, i) => expect(chunk.atMs).toBe(i * 32));
    expect(received[received.length - 1].event).toEqual({ type: 'audio.ended', atMs: 1500 });
    const samples = audio.flatMap((c) => [...c.samples]);
    const expected = await to16kMono(readWavFile(tonePath));
    expect(samples.length).toBe(expected.length);
    expect(Float32Array.from(samples)).toEqual(expected);
  });

  it('stops when told, ending just after the last chunk it sent', async () => {
    const received = await collect(new WavFileSource(tonePath, { pace: 'fast' }), (r) => chunks(r).length === 10);
    expect(chunks(received).length).toBe(10);
    expect(received[received.length - 1].event).toEqual({ type: 'audio.ended', atMs: 320 });
  });

  it("refuses a file it cannot read with the reader's error", async () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, encodeWav16(new Float32Array(100), 16_000).subarray(0, 60));
    await expect(new WavFileSource(bad).start()).rejects.toThrow(AudioInputError);
    await expect(new WavFileSource(bad).start()).rejects.toThrow(`${bad}: truncated: data chunk says 200 bytes but only 16 remain`);
  });
});

describe('MicrophoneSource (with a stand-in recorder program)', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  /** Puts a fake `sox` first on the PATH: a shell script with the given body. */
  function fakeSox(body: string): void {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'sox'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, 'sox'), 0o755);
    process.env.PATH = `${bin}:${path}`;
  }

  it("turns the recorder's raw 16-bit output into 512-sample float chunks, even when a sample is split between reads", async () => {
    const pcm = new Int16Array(1300).map((_, i) => ((i * 37) % 2000) - 1000);
    const raw = join(dir, 'mic.raw');
    writeFileSync(raw, new Uint8Array(pcm.buffer));
    fakeSox(`head -c 1001 '${raw}'; sleep 0.1; tail -c +1002 '${raw}'`);
    const received = await collect(new MicrophoneSource());
    const audio = chunks(received);
    expect(audio.map((c) => c.samples.length)).toEqual([512, 512, 276]);
    expect(audio.map((c) => c.atMs)).toEqual([0, 32, 64]);
    expect(Float32Array.from(audio.flatMap((c) => [...c.samples]))).toEqual(Float32Array.from(pcm, (x) => x / 32768));
    expect(received[received.length - 1].event).toEqual({ type: 'audio.ended', atMs: 1300 / 16 });
  });

  it('reports a recorder that fails, with its own words', async () => {
    fakeSox('echo "sox FAIL sox: Sorry, there is no default audio device configured" >&2; exit 2');
    const received = await collect(new MicrophoneSource());
    const last = received[received.length - 1].event;
    expect(last.type).toBe('audio.error');
    expect(last.type === 'audio.error' && last.error.message).toBe('microphone: sox exited with code 2: sox FAIL sox: Sorry, there is no default audio device configured');
  });

  it('says how to install a recorder that is missing', async () => {
    process.env.PATH = dir; // no sox, no arecord
    await expect(new MicrophoneSource({ recorder: 'arecord' }).start()).rejects.toThrow(new MicrophoneError('microphone: arecord is not installed: apt-get install alsa-utils'));
    await expect(new MicrophoneSource().start()).rejects.toThrow('microphone: sox is not installed: apt-get install sox');
  });
});

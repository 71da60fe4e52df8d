import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AsrUnavailableError, LiveRecognizer, recognizeSegments, recognizeShortResponses, removeStaleLiveDirs } from '../../electron/audio/asr.ts';
import { hearLiveSegment, hearSegments } from '../../electron/audio/pipeline.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { detectSpeechSegments } from '../../electron/audio/vad.ts';
import { readWavFile } from '../../electron/audio/wav.ts';
import { repoRoot, tempDir } from '../helpers.ts';

async function recordingSpeech(name: string) {
  const dir = path.join(repoRoot, 'recordings/audio');
  const truth = JSON.parse(fs.readFileSync(path.join(dir, `${name}.truth.json`), 'utf8')) as { channel?: 'left' | 'right' };
  const samples = await to16kMono(readWavFile(path.join(dir, `${name}.wav`), { channel: truth.channel }));
  return { samples, segments: await detectSpeechSegments(samples) };
}

describe('LiveRecognizer: one pocketsphinx process per search for the whole call', () => {
  const pathBefore = process.env.PATH;
  afterEach(() => {
    process.env.PATH = pathBefore;
  });

  for (const name of ['backchannel-call', 'cards-call-8k']) {
    it(`${name}: hears every segment exactly as a pocketsphinx run of its own, and as the offline run over the whole call`, async () => {
      const { samples, segments } = await recordingSpeech(name);
      expect(segments.length).toBeGreaterThanOrEqual(5);
      const recognizer = LiveRecognizer.start();
      try {
        const [offline, offlineShort] = await Promise.all([recognizeSegments(samples, segments), recognizeShortResponses(samples, segments)]);
        for (const [i, segment] of segments.entries()) {
          // padded as the offline run pads it, between its neighbours
          const around = { previousEndMs: i > 0 ? segments[i - 1].endMs : 0, nextStartMs: segments[i + 1]?.startMs };
          expect(await recognizer.recognize(samples, segment, around)).toEqual(offline[i]);
          expect(await recognizer.recognizeShortResponse(samples, segment, around)).toBe(offlineShort[i]);
          // alone, as a run of its own would see it (the per-utterance path)
          const [alone] = await recognizeSegments(samples, [segment]);
          expect(await recognizer.recognize(samples, segment, { previousEndMs: 0 })).toEqual(alone);
        }
        // classification too: the live path's backchannels are the offline path's
        const heard = await hearSegments(samples, segments);
        for (const [i, segment] of segments.entries()) {
          const around = { previousEndMs: i > 0 ? segments[i - 1].endMs : 0, nextStartMs: segments[i + 1]?.startMs };
          expect(await hearLiveSegment(recognizer, samples, segment, around)).toEqual(heard[i]);
        }
      } finally {
        recognizer.close();
      }
      // a pocketsphinx run per segment besides the live one: cards-call-8k took 167 s of the old
      // 180 s guard at load ~11 (a guard, not a claim about speed)
    }, 480_000);
  }

  it('decodes utterances that arrive while it is still busy, one after another, each as a run of its own would', async () => {
    const { samples, segments } = await recordingSpeech('backchannel-call');
    const recognizer = LiveRecognizer.start();
    try {
      const all = await Promise.all(segments.map((segment) => recognizer.recognize(samples, segment, { previousEndMs: 0 })));
      const one = await recognizeSegments(samples, [segments[2]]);
      expect(all[2]).toEqual(one[0]);
      expect(all.map((r) => r.text)).toContain('okay');
    } finally {
      recognizer.close();
    }
  }, 120_000);

  it('says how to install pocketsphinx when it is missing', () => {
    process.env.PATH = '/nonexistent';
    expect(() => LiveRecognizer.start()).toThrow(AsrUnavailableError);
    expect(() => LiveRecognizer.start()).toThrow('pocketsphinx_batch is not installed: apt-get install pocketsphinx pocketsphinx-en-us');
  });
});

describe('LiveRecognizer directories of killed calls are removed at the next start', () => {
  const ours = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`callsim-live-asr-${process.pid}-`));
  /** Waits (up to a generous deadline) until `done()`; the directory goes once the recognizer's processes have exited. */
  const until = async (done: () => boolean) => {
    for (const deadline = Date.now() + 30_000; !done() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    return done();
  };

  it('only those whose owning process is gone, and pid-less ones of the old name a day untouched', () => {
    const parent = tempDir();
    // a pid that was just used and has exited: its owner is gone
    const gone = spawnSync('true').pid!;
    const make = (name: string, mtimeMs?: number) => {
      fs.mkdirSync(path.join(parent, name));
      fs.writeFileSync(path.join(parent, name, 'open.log'), 'INFO\n');
      if (mtimeMs !== undefined) fs.utimesSync(path.join(parent, name), mtimeMs / 1000, mtimeMs / 1000);
    };
    const now = Date.now();
    make(`callsim-live-asr-${gone}-aB3xYz`);
    make(`callsim-live-asr-${process.pid}-Qw12er`); // this process: alive
    make(`callsim-live-asr-${process.ppid}-Zx98cv`); // its parent: alive
    make('callsim-live-asr-OldOne', now - 25 * 3600_000);
    make('callsim-live-asr-Recent', now - 3600_000);
    make(`callsim-asr-${gone}-other`); // not a live recognizer's
    expect(removeStaleLiveDirs(parent, now).sort()).toEqual([`callsim-live-asr-${gone}-aB3xYz`, 'callsim-live-asr-OldOne'].sort());
    expect(fs.readdirSync(parent).sort()).toEqual([`callsim-asr-${gone}-other`, `callsim-live-asr-${process.pid}-Qw12er`, `callsim-live-asr-${process.ppid}-Zx98cv`, 'callsim-live-asr-Recent'].sort());
    expect(removeStaleLiveDirs(path.join(parent, 'missing'))).toEqual([]);
  });

  it("names its directory with this process's pid, removes it on close (at once after start too), and a killed call's at the next start", async () => {
    const before = ours();
    const recognizer = LiveRecognizer.start();
    const [mine] = ours().filter((n) => !before.includes(n));
    expect(mine).toMatch(new RegExp(`^callsim-live-asr-${process.pid}-`));
    expect(() => recognizer.close()).not.toThrow(); // its processes are still loading their models
    expect(await until(() => !ours().includes(mine))).toBe(true);

    // what a call killed with -9 leaves: a directory named for a process that is gone
    const gone = spawnSync('true').pid!;
    const left = fs.mkdtempSync(path.join(os.tmpdir(), `callsim-live-asr-${gone}-`));
    fs.writeFileSync(path.join(left, 'open-u0.wav'), '');
    const next = LiveRecognizer.start();
    try {
      expect(fs.existsSync(left)).toBe(false);
    } finally {
      next.close();
    }
  });

  it('a recognizer that dies mid-call fails the utterance it was given (it waited for the next one to notice), and close() still ends it', async () => {
    const bin = tempDir();
    // takes the first utterance and exits, as a pocketsphinx_batch that crashes on it
    fs.writeFileSync(path.join(bin, 'pocketsphinx_batch'), '#!/bin/sh\nread line\nexit 1\n', { mode: 0o755 });
    const pathBefore = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${pathBefore}`;
    let recognizer: LiveRecognizer;
    try {
      recognizer = LiveRecognizer.start();
    } finally {
      process.env.PATH = pathBefore;
    }
    const before = ours();
    try {
      await expect(recognizer.recognize(new Float32Array(32_000), { startMs: 500, endMs: 1500 }, { previousEndMs: 0 })).rejects.toThrow(
        new AsrUnavailableError('pocketsphinx_batch failed: it exited with status 1'),
      );
    } finally {
      recognizer.close();
    }
    expect(await until(() => ours().length === before.length - 1)).toBe(true);
  });
});

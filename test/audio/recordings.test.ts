import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWavFile } from '../../electron/audio/wav.ts';
import { loadTruth, RECORDING_NAMES, RECORDINGS_DIR, wavPath } from './recordings.ts';

describe('the sample calls in recordings/audio', () => {
  const out = mkdtempSync(join(tmpdir(), 'callsim-recordings-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('are exactly what build-recordings.ts makes (they are never regenerated silently)', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'test/tools/build-recordings.ts', out], { stdio: 'pipe' });
    const built = readdirSync(out).sort();
    expect(built).toEqual(RECORDING_NAMES.flatMap((n) => [`${n}.truth.json`, `${n}.wav`]).sort());
    for (const file of built) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(RECORDINGS_DIR, file))), file).toBe(true);
    }
  });

  it('are small, readable, and described by their truth files', () => {
    let totalBytes = 0;
    for (const name of RECORDING_NAMES) {
      const truth = loadTruth(name);
      const wav = readWavFile(wavPath(name));
      totalBytes += readFileSync(wavPath(name)).length;
      expect(wav.sampleRate).toBe(truth.sampleRate);
      expect(wav.channels).toBe(truth.channels);
      let previousEnd = 0;
      for (const segment of truth.segments) {
        expect(segment.startMs).toBeGreaterThanOrEqual(previousEnd + 1000); // pauses of 1 s or more
        expect(segment.endMs).toBeGreaterThan(segment.startMs);
        expect(segment.text).toMatch(/^[a-z' ]+$/);
        previousEnd = segment.endMs;
      }
      expect(wav.durationMs).toBeGreaterThan(previousEnd);
    }
    expect(loadTruth('noisy-call').noise?.snrDb).toBe(10);
    expect(
      loadTruth('backchannel-call')
        .segments.filter((s) => s.backchannel)
        .map((s) => s.text),
    ).toEqual(['okay', 'yeah', 'right']);
    expect(totalBytes).toBeLessThan(10 * 1024 * 1024);
  });
});

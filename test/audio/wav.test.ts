import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioInputError, decodeWav, encodeWav16, encodeWav16Channels, readWavFile } from '../../electron/audio/wav.ts';
import { buildWav, dataChunk, fmtChunk, riff, sineFrames, type Encoding } from './wavBuilder.ts';

const FILE = 'call.wav';

/** Decodes and expects a refusal: an AudioInputError naming the file, on one line, matching `problem`. */
function refusal(bytes: Uint8Array, problem: RegExp | string): AudioInputError {
  let thrown: unknown;
  try {
    decodeWav(bytes, FILE);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AudioInputError);
  const error = thrown as AudioInputError;
  expect(error.file).toBe(FILE);
  expect(error.message.startsWith(`${FILE}: `)).toBe(true);
  expect(error.message).not.toContain('\n');
  if (typeof problem === 'string') expect(error.message).toBe(`${FILE}: ${problem}`);
  else expect(error.message).toMatch(problem);
  return error;
}

const pcm16Mono = (frames = 100): Uint8Array => buildWav({ encoding: 'pcm', bits: 16, channels: 1, sampleRate: 16000, frames: sineFrames(frames, 1, 16000) });

describe('decodeWav reads every supported format', () => {
  const formats: { encoding: Encoding; bits: number; tolerance: number }[] = [
    { encoding: 'pcm', bits: 8, tolerance: 1 / 128 },
    { encoding: 'pcm', bits: 16, tolerance: 1 / 32768 },
    { encoding: 'pcm', bits: 24, tolerance: 1 / 8388608 },
    { encoding: 'pcm', bits: 32, tolerance: 1e-7 },
    { encoding: 'float', bits: 32, tolerance: 1e-7 },
    { encoding: 'float', bits: 64, tolerance: 1e-7 },
  ];
  for (const { encoding, bits, tolerance } of formats) {
    for (const extensible of [false, true]) {
      for (const [channels, sampleRate] of [
        [1, 8000],
        [2, 44100],
        [6, 48000],
      ] as const) {
        it(`${encoding} ${bits}-bit${extensible ? ' EXTENSIBLE' : ''}, ${channels} ch at ${sampleRate} Hz`, () => {
          const frames = sineFrames(441, channels, sampleRate);
          const wav = decodeWav(buildWav({ encoding, bits, channels, sampleRate, frames, extensible }), FILE);
          expect(wav.sampleRate).toBe(sampleRate);
          expect(wav.channels).toBe(channels);
          expect(wav.samples.length).toBe(441);
          expect(wav.durationMs).toBeCloseTo((441 / sampleRate) * 1000, 9);
          const mean = (frame: number[]): number => frame.reduce((a, b) => a + b, 0) / frame.length;
          frames.forEach((frame, i) => expect(Math.abs(wav.samples[i] - mean(frame))).toBeLessThanOrEqual(tolerance * 1.01));
        });
      }
    }
  }

  it('keeps the left, the right or the mean of a stereo file', () => {
    const bytes = buildWav({
      encoding: 'pcm',
      bits: 16,
      channels: 2,
      sampleRate: 8000,
      frames: [
        [0.5, -0.25],
        [0.25, 0.75],
      ],
    });
    expect([...decodeWav(bytes, FILE, { channel: 'left' }).samples]).toEqual([0.5, 0.25]);
    expect([...decodeWav(bytes, FILE, { channel: 'right' }).samples]).toEqual([-0.25, 0.75]);
    expect([...decodeWav(bytes, FILE, { channel: 'mix' }).samples]).toEqual([0.125, 0.5]);
    expect([...decodeWav(bytes, FILE).samples]).toEqual([0.125, 0.5]);
  });

  it('reads 8-bit PCM as unsigned around 128 and full-scale integers as -1', () => {
    const bytes = riff([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8 }), { id: 'data', body: new Uint8Array([0, 128, 255]) }]);
    expect([...decodeWav(bytes, FILE).samples]).toEqual([-1, 0, 127 / 128]);
    const s24 = riff([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 24 }), { id: 'data', body: new Uint8Array([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f]) }]);
    expect([...decodeWav(s24, FILE).samples]).toEqual([-1, 8388607 / 8388608]);
  });

  it('skips chunks it does not need (LIST, fact, odd-sized with a pad byte) before and after fmt', () => {
    const bytes = riff([
      { id: 'LIST', body: new Uint8Array([1, 2, 3]) },
      fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }),
      { id: 'fact', body: new Uint8Array(4) },
      dataChunk([[0.5], [-0.5]], 'pcm', 16),
      { id: 'id3 ', body: new Uint8Array(7) },
    ]);
    expect([...decodeWav(bytes, FILE).samples]).toEqual([0.5, -0.5]);
  });

  it('reads a header whose RIFF size and byte rate are wrong, which streaming writers leave behind', () => {
    const bytes = riff([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, byteRate: 0 }), dataChunk([[0.5]], 'pcm', 16)]);
    new DataView(bytes.buffer).setUint32(4, 0xffffffff, true);
    expect([...decodeWav(bytes, FILE).samples]).toEqual([0.5]);
  });

  it('turns NaN float samples into silence and clips the rest to full scale', () => {
    const bytes = buildWav({ encoding: 'float', bits: 64, channels: 1, sampleRate: 8000, frames: [[NaN], [Infinity], [-1e300], [1.5], [0.5]] });
    expect([...decodeWav(bytes, FILE).samples]).toEqual([0, 1, -1, 1, 0.5]);
  });

  it('accepts the extreme rates the resampler converts to 16 kHz, 63 and 192000 Hz', () => {
    for (const sampleRate of [63, 192000]) {
      const wav = decodeWav(buildWav({ encoding: 'pcm', bits: 16, channels: 1, sampleRate, frames: [[0]] }), FILE);
      expect(wav.sampleRate).toBe(sampleRate);
    }
  });
});

describe('decodeWav agrees with sox on files sox wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callsim-wav-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const soxFile = (name: string, args: string[]): Uint8Array => {
    const path = join(dir, name);
    execFileSync('sox', ['-n', ...args, path, 'synth', '0.05', 'sine', '1000']);
    return readFileSync(path);
  };

  const cases: [string, string[]][] = [
    ['u8', ['-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer']],
    ['s16', ['-r', '11025', '-c', '2', '-b', '16', '-e', 'signed-integer']],
    ['s24 (extensible)', ['-r', '44100', '-c', '1', '-b', '24', '-e', 'signed-integer']],
    ['s32 (extensible)', ['-r', '48000', '-c', '2', '-b', '32', '-e', 'signed-integer']],
    ['f32 (with fact chunk)', ['-r', '22050', '-c', '1', '-b', '32', '-e', 'floating-point']],
    ['f64', ['-r', '96000', '-c', '1', '-b', '64', '-e', 'floating-point']],
    ['s16 3 channels (extensible)', ['-r', '16000', '-c', '3', '-b', '16', '-e', 'signed-integer']],
  ];
  /** What sox itself decodes from the file: one channel as 64-bit floats. */
  const soxDecoded = (path: string, channel: number): Float64Array => {
    const raw = execFileSync('sox', [path, '-t', 'raw', '-e', 'floating-point', '-b', '64', '-L', '-', 'remix', String(channel)]);
    return new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  for (const [name, args] of cases) {
    it(name, () => {
      const file = `${name.split(' ')[0]}.wav`;
      const bytes = soxFile(file, args);
      const rate = Number(args[1]);
      const channels = Number(args[3]);
      for (const [channel, choice] of [
        [1, 'left'],
        [2, 'right'],
      ] as const) {
        if (channel > channels) continue;
        const wav = decodeWav(bytes, FILE, { channel: choice });
        expect(wav.sampleRate).toBe(rate);
        expect(wav.channels).toBe(channels);
        expect(wav.samples.length).toBe(Math.round(rate * 0.05));
        const reference = soxDecoded(join(dir, file), channel);
        expect(reference.length).toBe(wav.samples.length);
        const worst = wav.samples.reduce((max, x, i) => Math.max(max, Math.abs(x - reference[i])), 0);
        expect(worst).toBeLessThan(1e-6);
      }
    });
  }

  it('refuses the codecs sox can write but callsim does not read, saying which', () => {
    const codecs: [string, RegExp][] = [
      ['mu-law', /unsupported codec: format tag 0x0007 \(mu-law\); convert it to PCM/],
      ['a-law', /format tag 0x0006 \(A-law\)/],
      ['ima-adpcm', /format tag 0x0011 \(IMA ADPCM\)/],
      ['ms-adpcm', /format tag 0x0002 \(Microsoft ADPCM\)/],
      ['gsm-full-rate', /format tag 0x0031 \(GSM 6.10\)/],
    ];
    for (const [encoding, message] of codecs) {
      refusal(soxFile(`${encoding}.wav`, ['-r', '8000', '-c', '1', '-e', encoding]), message);
    }
  });
});

describe('decodeWav refuses what it cannot trust, naming the file and the problem', () => {
  const fmt16 = fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });

  it('not a WAV file at all', () => {
    refusal(new TextEncoder().encode('ID3\u0003 this is an mp3 file, honest'), 'not a WAV file: it does not start with RIFF....WAVE');
    refusal(riff([fmt16], 'AVI '), 'not a WAV file: it does not start with RIFF....WAVE');
    refusal(new Uint8Array([0x52, 0x49, 0x46, 0x46, 0]), 'not a WAV file: 5 bytes is too short for a RIFF header');
    refusal(new Uint8Array(0), 'not a WAV file: 0 bytes is too short for a RIFF header');
    refusal(riff([fmt16, dataChunk([[0]], 'pcm', 16)], 'WAVE', 'RF64'), /unsupported container RF64/);
  });

  it('truncated: a data chunk that says more than the file holds', () => {
    const bytes = riff([fmt16, { id: 'data', body: new Uint8Array(1200), sizeOverride: 882000 }]);
    refusal(bytes, 'truncated: data chunk says 882000 bytes but only 1200 remain');
  });

  it('truncated: a file cut off inside its header', () => {
    const whole = pcm16Mono();
    refusal(whole.subarray(0, 20), "truncated: 'fmt ' chunk at byte 12 says 16 bytes but only 0 remain");
    refusal(whole.subarray(0, 30), "truncated: 'fmt ' chunk at byte 12 says 16 bytes but only 10 remain");
    refusal(whole.subarray(0, 36), 'no data chunk: the file holds no samples');
    refusal(whole.subarray(0, 44), 'truncated: data chunk says 200 bytes but only 0 remain');
    refusal(whole.subarray(0, 143), 'truncated: data chunk says 200 bytes but only 99 remain');
    refusal(riff([]), 'no fmt chunk: the header is missing or cut off');
  });

  it('truncated: another chunk claiming more than the file holds', () => {
    refusal(riff([{ id: 'LIST', body: new Uint8Array(4), sizeOverride: 0x7fffffff }, fmt16]), "truncated: 'LIST' chunk at byte 12 says 2147483647 bytes but only 28 remain");
    refusal(riff([{ id: '\u0000\u0001ab', body: new Uint8Array(2), sizeOverride: 99 }]), /truncated: a chunk with a non-text id at byte 12/);
  });

  it('empty: no samples', () => {
    refusal(riff([fmt16, { id: 'data', body: new Uint8Array(0) }]), 'empty: the data chunk holds no samples');
  });

  it('zero or too many channels', () => {
    refusal(riff([fmtChunk({ formatTag: 1, channels: 0, sampleRate: 16000, bitsPerSample: 16, blockAlign: 2 }), dataChunk([[0]], 'pcm', 16)]), 'fmt chunk says 0 channels');
    refusal(riff([fmtChunk({ formatTag: 1, channels: 33, sampleRate: 16000, bitsPerSample: 16 }), dataChunk([[0]], 'pcm', 16)]), 'fmt chunk says 33 channels (at most 32)');
  });

  it('sample rates the resampler cannot convert to 16 kHz (192001..384000 Hz were read, then failed the call)', () => {
    for (const sampleRate of [0, 62, 192001, 384000, 0xffffffff]) {
      refusal(
        riff([fmtChunk({ formatTag: 1, channels: 1, sampleRate, bitsPerSample: 16, byteRate: 0 }), dataChunk([[0]], 'pcm', 16)]),
        `sample rate ${sampleRate} Hz is out of range (callsim converts 63..192000 Hz to 16 kHz)`,
      );
    }
  });

  it('block align inconsistent with channels and sample size', () => {
    refusal(
      riff([fmtChunk({ formatTag: 1, channels: 2, sampleRate: 16000, bitsPerSample: 16, blockAlign: 3 }), dataChunk([[0, 0]], 'pcm', 16)]),
      'block align 3 does not match 2 channel(s) of 16-bit samples (expected 4)',
    );
  });

  it('sample sizes that do not exist for the format', () => {
    refusal(
      riff([fmtChunk({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 12, blockAlign: 2 }), { id: 'data', body: new Uint8Array(4) }]),
      'unsupported PCM sample size: 12 bits (supported: 8, 16, 24, 32)',
    );
    refusal(
      riff([fmtChunk({ formatTag: 3, channels: 1, sampleRate: 16000, bitsPerSample: 16 }), { id: 'data', body: new Uint8Array(4) }]),
      'unsupported float sample size: 16 bits (supported: 32, 64)',
    );
  });

  it('data that is not a whole number of frames', () => {
    refusal(riff([fmt16, { id: 'data', body: new Uint8Array(5) }]), 'data chunk is 5 bytes, not a whole number of 2-byte frames');
  });

  it('unsupported codecs, plain or inside WAVE_FORMAT_EXTENSIBLE', () => {
    refusal(riff([fmtChunk({ formatTag: 0x55, channels: 1, sampleRate: 16000, bitsPerSample: 0, blockAlign: 1 }), dataChunk([[0]], 'pcm', 16)]), /unsupported codec: format tag 0x0055 \(MP3\)/);
    refusal(riff([fmtChunk({ formatTag: 0x1234, channels: 1, sampleRate: 16000, bitsPerSample: 16 }), dataChunk([[0]], 'pcm', 16)]), /unsupported codec: format tag 0x1234; convert it to PCM/);
    refusal(riff([fmtChunk({ formatTag: 0, channels: 1, sampleRate: 8000, bitsPerSample: 8, extensibleSubformat: 7 }), { id: 'data', body: new Uint8Array(2) }]), /format tag 0x0007 \(mu-law\)/);
    refusal(
      riff([fmtChunk({ formatTag: 0, channels: 1, sampleRate: 8000, bitsPerSample: 16, extensibleSubformat: 1, guidTail: new Array(14).fill(7) }), { id: 'data', body: new Uint8Array(2) }]),
      'unsupported codec: WAVE_FORMAT_EXTENSIBLE with a non-standard subformat GUID',
    );
  });

  it('malformed fmt chunks', () => {
    refusal(riff([{ id: 'fmt ', body: new Uint8Array(14) }, dataChunk([[0]], 'pcm', 16)]), 'fmt chunk is 14 bytes, needs at least 16');
    const extensibleShort = fmtChunk({ formatTag: 0, channels: 1, sampleRate: 8000, bitsPerSample: 16, extensibleSubformat: 1 });
    refusal(riff([{ id: 'fmt ', body: extensibleShort.body.subarray(0, 24) }]), 'WAVE_FORMAT_EXTENSIBLE fmt chunk is 24 bytes, needs 40');
    refusal(riff([fmt16, fmt16, dataChunk([[0]], 'pcm', 16)]), 'has two fmt chunks');
    refusal(riff([dataChunk([[0]], 'pcm', 16), fmt16]), 'data chunk comes before the fmt chunk');
  });
});

describe('readWavFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callsim-wav-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file from disk', () => {
    const path = join(dir, 'ok.wav');
    writeFileSync(path, pcm16Mono(160));
    const wav = readWavFile(path);
    expect(wav.samples.length).toBe(160);
    expect(wav.durationMs).toBe(10);
  });

  it('names the path in every refusal, including a missing file or a directory', () => {
    const missing = join(dir, 'nope.wav');
    expect(() => readWavFile(missing)).toThrow(new AudioInputError(missing, 'no such file'));
    expect(() => readWavFile(dir)).toThrow(`${dir}: is a directory, not a WAV file`);
    const truncated = join(dir, 'cut.wav');
    writeFileSync(truncated, pcm16Mono(100).subarray(0, 100));
    expect(() => readWavFile(truncated)).toThrow(`${truncated}: truncated: data chunk says 200 bytes but only 56 remain`);
  });
});

describe('encodeWav16', () => {
  it('writes a 16-bit mono file that decodes to the same samples, clipped to [-1, 1]', () => {
    const samples = new Float32Array([0, 0.5, -0.5, 1, -1, 2, -2]);
    const bytes = encodeWav16(samples, 22050);
    expect(bytes.length).toBe(44 + 14);
    const wav = decodeWav(bytes, FILE);
    expect(wav.sampleRate).toBe(22050);
    const expected = [0, 0.5, -0.5, 1, -1, 1, -1];
    wav.samples.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 4));
  });
});

describe('encodeWav16Channels', () => {
  it('interleaves channels, padding a shorter one with silence', () => {
    const bytes = encodeWav16Channels([new Float32Array([0.5, 0.25]), new Float32Array([-0.5])], 8000);
    expect(decodeWav(bytes, FILE).channels).toBe(2);
    expect([...decodeWav(bytes, FILE, { channel: 'left' }).samples].map((x) => +x.toFixed(4))).toEqual([0.5, 0.25]);
    expect([...decodeWav(bytes, FILE, { channel: 'right' }).samples]).toEqual([-0.5, 0]);
  });
});

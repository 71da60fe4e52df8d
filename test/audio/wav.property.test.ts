import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AudioInputError, decodeWav } from '../../electron/audio/wav.ts';
import { to16kMono } from '../../electron/audio/resample.ts';
import { CONVERTIBLE_RATES } from '../../electron/audio/rates.ts';
import { buildWav, dataChunk, fmtChunk, riff, sineFrames } from './wavBuilder.ts';

const FILE = 'fuzz.wav';

/** Valid files of different shapes, to be damaged. */
const seeds: Uint8Array[] = [
  buildWav({ encoding: 'pcm', bits: 8, channels: 1, sampleRate: 8000, frames: sineFrames(64, 1, 8000) }),
  buildWav({ encoding: 'pcm', bits: 16, channels: 2, sampleRate: 44100, frames: sineFrames(64, 2, 44100) }),
  buildWav({ encoding: 'pcm', bits: 24, channels: 1, sampleRate: 48000, frames: sineFrames(32, 1, 48000), extensible: true }),
  buildWav({ encoding: 'pcm', bits: 32, channels: 3, sampleRate: 16000, frames: sineFrames(16, 3, 16000) }),
  buildWav({ encoding: 'float', bits: 64, channels: 1, sampleRate: 96000, frames: sineFrames(16, 1, 96000) }),
  riff([
    { id: 'LIST', body: new Uint8Array(9) },
    fmtChunk({ formatTag: 3, channels: 2, sampleRate: 22050, bitsPerSample: 32 }),
    { id: 'fact', body: new Uint8Array(4) },
    dataChunk(sineFrames(32, 2, 22050), 'float', 32),
  ]),
];

/** Offsets of header fields in the plain layout (RIFF size, fmt fields, data size). */
const HEADER_U32 = [4, 16, 24, 28, 40];
const HEADER_U16 = [20, 22, 32, 34, 36, 38];

type Mutation =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'append'; bytes: Uint8Array };

const interestingU32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 16, 40, 0x7fffffff, 0x80000000, 0xffffffff, 882000), fc.nat({ max: 0xffffffff }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat({ max: 200 }), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.oneof(fc.constantFrom(...HEADER_U32), fc.nat({ max: 200 })), value: interestingU32 }),
  fc.record({
    kind: fc.constant('u16' as const),
    at: fc.oneof(fc.constantFrom(...HEADER_U16), fc.nat({ max: 200 })),
    value: fc.oneof(fc.constantFrom(0, 1, 3, 7, 0x11, 0xfffe, 0xffff, 33), fc.nat({ max: 0xffff })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: 600 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = seed.slice();
  for (const m of mutations) {
    if (m.kind === 'truncate') {
      bytes = bytes.slice(0, m.length);
      continue;
    }
    if (m.kind === 'append') {
      const longer = new Uint8Array(bytes.length + m.bytes.length);
      longer.set(bytes);
      longer.set(m.bytes, bytes.length);
      bytes = longer;
      continue;
    }
    const width = m.kind === 'byte' ? 1 : m.kind === 'u16' ? 2 : 4;
    if (bytes.length < width) continue;
    const at = m.at % (bytes.length - width + 1);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (m.kind === 'byte') view.setUint8(at, m.value);
    else if (m.kind === 'u16') view.setUint16(at, m.value, true);
    else view.setUint32(at, m.value >>> 0, true);
  }
  return bytes;
}

/**
 * Runs `work` with the typed-array and ArrayBuffer constructors watched, and returns the largest
 * allocation (in bytes) made meanwhile. The reader must never size an allocation from a header
 * field it has not checked against the bytes it was given.
 */
function largestAllocation(work: () => void): number {
  const g = globalThis as unknown as Record<string, unknown>;
  const watched = ['Float32Array', 'Float64Array', 'Uint8Array', 'Int16Array', 'Int32Array', 'ArrayBuffer'] as const;
  const originals = watched.map((name) => g[name]);
  let largest = 0;
  watched.forEach((name, i) => {
    const original = originals[i] as { BYTES_PER_ELEMENT?: number };
    g[name] = new Proxy(original as object, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') largest = Math.max(largest, args[0] * (original.BYTES_PER_ELEMENT ?? 1));
        return Reflect.construct(target as new (...a: unknown[]) => object, args, newTarget);
      },
    });
  });
  try {
    work();
  } finally {
    watched.forEach((name, i) => {
      g[name] = originals[i];
    });
  }
  return largest;
}

describe('decodeWav on damaged files (property)', () => {
  it('the allocation watch sees what decodeWav allocates', () => {
    const bytes = seeds[0];
    const largest = largestAllocation(() => decodeWav(bytes, FILE));
    expect(largest).toBe(64 * 4); // the Float32Array of 64 samples
  });

  it('throws nothing but AudioInputError, and allocates no more samples than the file has bytes', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
        const bytes = mutate(seed, mutations);
        let result: ReturnType<typeof decodeWav> | undefined;
        let thrown: unknown;
        const largest = largestAllocation(() => {
          try {
            result = decodeWav(bytes, FILE);
          } catch (err) {
            thrown = err;
          }
        });
        // At most one float sample per byte of input: 4 bytes of output per byte of file.
        expect(largest).toBeLessThanOrEqual(4 * bytes.length);
        if (thrown !== undefined) {
          refused++;
          expect(thrown).toBeInstanceOf(AudioInputError);
          const message = (thrown as Error).message;
          expect(message.startsWith(`${FILE}: `)).toBe(true);
          expect(message).not.toContain('\n');
          return;
        }
        accepted++;
        const wav = result!;
        expect(wav.samples.length).toBeGreaterThan(0);
        expect(wav.samples.length).toBeLessThanOrEqual(bytes.length);
        expect(wav.sampleRate).toBeGreaterThanOrEqual(CONVERTIBLE_RATES.min);
        expect(wav.sampleRate).toBeLessThanOrEqual(CONVERTIBLE_RATES.max);
        expect(wav.channels).toBeGreaterThanOrEqual(1);
        expect(wav.channels).toBeLessThanOrEqual(32);
        expect(wav.samples.every(Number.isFinite)).toBe(true);
        expect(wav.durationMs).toBeCloseTo((wav.samples.length / wav.sampleRate) * 1000, 6);
      }),
      { numRuns: 3000, seed: 20240601 },
    );
    // The damage must reach both outcomes, or the property says little.
    expect(refused).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(100);
  });

  it('reads every well-formed file it is given (property)', () => {
    const shape = fc.record({
      format: fc.constantFrom(['pcm', 8], ['pcm', 16], ['pcm', 24], ['pcm', 32], ['float', 32], ['float', 64]) as fc.Arbitrary<['pcm' | 'float', number]>,
      channels: fc.integer({ min: 1, max: 32 }),
      sampleRate: fc.integer({ min: CONVERTIBLE_RATES.min, max: CONVERTIBLE_RATES.max }),
      frames: fc.integer({ min: 1, max: 40 }),
      extensible: fc.boolean(),
    });
    fc.assert(
      fc.property(shape, ({ format: [encoding, bits], channels, sampleRate, frames, extensible }) => {
        const wav = decodeWav(buildWav({ encoding, bits, channels, sampleRate, frames: sineFrames(frames, channels, sampleRate), extensible }), FILE);
        expect(wav.samples.length).toBe(frames);
        expect(wav.channels).toBe(channels);
        expect(wav.sampleRate).toBe(sampleRate);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

/** The library itself, unwrapped: what it makes of `rate` → 16 kHz, or null where it fails. */
type Library = {
  create(ch: number, from: number, to: number, o: { converterType: number }): Promise<{ simple(x: Float32Array): Float32Array; destroy(): void }>;
  ConverterType: { SRC_SINC_MEDIUM_QUALITY: number };
};
const library = createRequire(import.meta.url)('@alexanderolsen/libsamplerate-js') as Library;
async function libraryConverts(samples: Float32Array, rate: number): Promise<Float32Array | null> {
  let converter;
  try {
    converter = await library.create(1, rate, 16_000, { converterType: library.ConverterType.SRC_SINC_MEDIUM_QUALITY });
  } catch {
    return null; // it throws a bare string for rates it does not take
  }
  try {
    return converter.simple(samples);
  } catch {
    return null; // at rate 1 its chunking fails with a RangeError
  } finally {
    converter.destroy();
  }
}

const rms = (x: Float32Array): number => Math.sqrt(x.reduce((e, v) => e + v * v, 0) / Math.max(1, x.length));

describe('the reader accepts exactly the rates the pipeline converts to 16 kHz (property)', () => {
  it('an accepted rate resamples to the exact length with its sound kept; a refused one the library cannot convert, and the refusal names the rate', async () => {
    // whole rates from 0 to 2^32 - 1, often at and beside the limits
    const edges = [0, 1, CONVERTIBLE_RATES.min - 1, CONVERTIBLE_RATES.min, CONVERTIBLE_RATES.max, CONVERTIBLE_RATES.max + 1];
    const rate = fc.oneof(
      fc.constantFrom(...edges, 8000, 44_100, 48_000, 96_000, 176_400, 200_000, 384_000, 0xffffffff),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 180_000, max: 400_000 }),
      fc.integer({ min: 0, max: 0xffffffff }),
    );
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(rate, async (sampleRate) => {
        // 50 ms (at least 64 frames) of a tone inside the band at any rate: 1 kHz, or 1/16 of a lower rate
        const cycle = Math.max(16, sampleRate / 1000);
        const tone = Float32Array.from({ length: Math.max(64, Math.round(Math.min(sampleRate, CONVERTIBLE_RATES.max) * 0.05)) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * i) / cycle));
        const bytes = buildWav({ encoding: 'pcm', bits: 16, channels: 1, sampleRate, frames: [...tone].map((x) => [x]) });
        let wav: ReturnType<typeof decodeWav>;
        try {
          wav = decodeWav(bytes, FILE);
        } catch (err) {
          refused++;
          expect(err).toBeInstanceOf(AudioInputError);
          expect((err as Error).message).toBe(`${FILE}: sample rate ${sampleRate} Hz is out of range (callsim converts ${CONVERTIBLE_RATES.min}..${CONVERTIBLE_RATES.max} Hz to 16 kHz)`);
          const raw = await libraryConverts(tone, sampleRate);
          // refused or silent: at 62 Hz (a ratio past 256) the library returns nothing, without an error
          expect(raw === null || rms(raw) === 0).toBe(true);
          return;
        }
        accepted++;
        const out = await to16kMono(wav);
        expect(out.length).toBe(Math.round((tone.length * 16_000) / sampleRate));
        expect(out.every(Number.isFinite)).toBe(true);
        expect(rms(out)).toBeGreaterThan(0.2); // a 0.5 sine is ~0.35: kept, not silence
      }),
      { numRuns: 150, seed: 16_4 },
    );
    expect(accepted).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(30);
  }, 120_000);
});

// A WAV writer for tests, written independently of electron/audio/wav.ts so that the reader is
// checked against bytes it did not produce itself. It can also write files that lie.

export interface ChunkSpec {
  id: string;
  body: Uint8Array;
  /** Size to write in the chunk header instead of the body's length (a lying header). */
  sizeOverride?: number;
}

export interface FmtSpec {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign?: number;
  byteRate?: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with this subformat tag in the GUID. */
  extensibleSubformat?: number;
  /** Replace the standard GUID tail (for a non-standard subformat). */
  guidTail?: number[];
}

const STANDARD_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export function fmtChunk(spec: FmtSpec): ChunkSpec {
  const extensible = spec.extensibleSubformat !== undefined;
  const body = new Uint8Array(extensible ? 40 : 16);
  const v = new DataView(body.buffer);
  const blockAlign = spec.blockAlign ?? (spec.channels * spec.bitsPerSample) / 8;
  v.setUint16(0, extensible ? 0xfffe : spec.formatTag, true);
  v.setUint16(2, spec.channels, true);
  v.setUint32(4, spec.sampleRate, true);
  v.setUint32(8, spec.byteRate ?? spec.sampleRate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, spec.bitsPerSample, true);
  if (extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, spec.bitsPerSample, true);
    v.setUint32(20, spec.channels === 2 ? 0x3 : 0x4, true);
    v.setUint16(24, spec.extensibleSubformat!, true);
    (spec.guidTail ?? STANDARD_GUID_TAIL).forEach((b, i) => v.setUint8(26 + i, b));
  }
  return { id: 'fmt ', body };
}

/** RIFF container around the chunks (word-aligned with pad bytes, as the format wants). */
export function riff(chunks: ChunkSpec[], form = 'WAVE', magic = 'RIFF'): Uint8Array {
  const bodyBytes = chunks.reduce((n, c) => n + 8 + c.body.length + (c.body.length % 2), 4);
  const out = new Uint8Array(8 + bodyBytes);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, magic);
  v.setUint32(4, bodyBytes, true);
  ascii(8, form);
  let at = 12;
  for (const chunk of chunks) {
    ascii(at, chunk.id);
    v.setUint32(at + 4, chunk.sizeOverride ?? chunk.body.length, true);
    out.set(chunk.body, at + 8);
    at += 8 + chunk.body.length + (chunk.body.length % 2);
  }
  return out;
}

export type Encoding = 'pcm' | 'float';

/** Encodes interleaved frames (one array of channel values per frame, each in [-1, 1]). */
export function dataChunk(frames: number[][], encoding: Encoding, bits: number): ChunkSpec {
  const channels = frames[0]?.length ?? 1;
  const bytesPer = bits / 8;
  const body = new Uint8Array(frames.length * channels * bytesPer);
  const v = new DataView(body.buffer);
  let at = 0;
  for (const frame of frames) {
    for (const x of frame) {
      if (encoding === 'float') {
        if (bits === 32) v.setFloat32(at, x, true);
        else v.setFloat64(at, x, true);
      } else if (bits === 8) {
        v.setUint8(at, Math.max(0, Math.min(255, Math.round(x * 128 + 128))));
      } else {
        const max = 2 ** (bits - 1);
        const n = Math.max(-max, Math.min(max - 1, Math.round(x * max)));
        if (bits === 16) v.setInt16(at, n, true);
        else if (bits === 32) v.setInt32(at, n, true);
        else {
          const u = n & 0xffffff;
          v.setUint8(at, u & 0xff);
          v.setUint8(at + 1, (u >> 8) & 0xff);
          v.setUint8(at + 2, (u >> 16) & 0xff);
        }
      }
      at += bytesPer;
    }
  }
  return { id: 'data', body };
}

export interface SimpleWav {
  encoding: Encoding;
  bits: number;
  channels: number;
  sampleRate: number;
  frames: number[][];
  extensible?: boolean;
}

/** A complete, valid WAV file. */
export function buildWav(spec: SimpleWav): Uint8Array {
  const formatTag = spec.encoding === 'pcm' ? 1 : 3;
  return riff([
    fmtChunk({
      formatTag,
      channels: spec.channels,
      sampleRate: spec.sampleRate,
      bitsPerSample: spec.bits,
      extensibleSubformat: spec.extensible ? formatTag : undefined,
    }),
    dataChunk(spec.frames, spec.encoding, spec.bits),
  ]);
}

/** Frames of a sine per channel (channel c at frequency f * (c + 1)), amplitude 0.5. */
export function sineFrames(frames: number, channels: number, sampleRate: number, frequency = 440): number[][] {
  return Array.from({ length: frames }, (_, i) => Array.from({ length: channels }, (_, c) => 0.5 * Math.sin((2 * Math.PI * frequency * (c + 1) * i) / sampleRate)));
}

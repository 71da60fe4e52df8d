// The one WAV reader of callsim. Every path that takes a WAV file (a recorded call, a synthesized
// voice, a test fixture) goes through decodeWav, so a file is accepted or refused the same way
// everywhere.
//
// The reader trusts nothing in the header: every size it reads is checked against the bytes that
// are actually there before anything is sized from it, so a file claiming gigabytes of data costs
// nothing but an AudioInputError.

import { readFileSync } from 'node:fs';
import { CONVERTIBLE_RATES, TARGET_RATE } from './rates.ts';

/** A WAV file (or other audio input) the user gave that callsim cannot use. The message is one line and starts with the file. */
export class AudioInputError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'AudioInputError';
    this.file = file;
  }
}

export type ChannelChoice = 'left' | 'right' | 'mix';

export interface DecodedWav {
  /** The file's own rate; nothing is resampled here. */
  sampleRate: number;
  /** How many channels the file has (samples is always mono). */
  channels: number;
  /** One channel, or the mean of all channels, as floats in about [-1, 1]. */
  samples: Float32Array;
  durationMs: number;
}

export interface DecodeWavOptions {
  /** Which channel of a multi-channel file to keep; default 'mix' (the mean of all channels). A mono file ignores it. */
  channel?: ChannelChoice;
}

// Every file read is converted to 16 kHz, so a rate the resampler cannot take is refused here,
// with the file named, not found out halfway through a call.
const MIN_SAMPLE_RATE = CONVERTIBLE_RATES.min;
const MAX_SAMPLE_RATE = CONVERTIBLE_RATES.max;
const MAX_CHANNELS = 32;

const FORMAT_PCM = 0x0001;
const FORMAT_IEEE_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

// Names for the codecs people actually meet, so the refusal says what the file is.
const KNOWN_CODECS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x1610: 'AAC',
  0xf1ac: 'FLAC',
};

// The 14 bytes after the format tag in a KSDATAFORMAT_SUBTYPE_* GUID: 00000000-0010-0010-8000-00aa00389b71.
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

type SampleEncoding = 'pcm' | 'float';

interface WavFormat {
  encoding: SampleEncoding;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

function fourCC(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** Names a chunk for a message without letting binary junk into it. */
function chunkName(id: string): string {
  return /^[\x20-\x7e]{4}$/.test(id) ? `'${id}' chunk` : 'a chunk with a non-text id';
}

function parseFormat(view: DataView, at: number, size: number, file: string): WavFormat {
  if (size < 16) throw new AudioInputError(file, `fmt chunk is ${size} bytes, needs at least 16`);
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);

  if (formatTag === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new AudioInputError(file, `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, needs 40`);
    const cbSize = view.getUint16(at + 16, true);
    if (cbSize < 22) throw new AudioInputError(file, `WAVE_FORMAT_EXTENSIBLE extension is ${cbSize} bytes, needs 22`);
    const subTag = view.getUint16(at + 24, true);
    const tailMatches = SUBFORMAT_GUID_TAIL.every((b, i) => view.getUint8(at + 26 + i) === b);
    if (!tailMatches) throw new AudioInputError(file, 'unsupported codec: WAVE_FORMAT_EXTENSIBLE with a non-standard subformat GUID');
    formatTag = subTag;
  }

  let encoding: SampleEncoding;
  if (formatTag === FORMAT_PCM) encoding = 'pcm';
  else if (formatTag === FORMAT_IEEE_FLOAT) encoding = 'float';
  else {
    const name = KNOWN_CODECS[formatTag];
    throw new AudioInputError(file, `unsupported codec: format tag ${hex4(formatTag)}${name ? ` (${name})` : ''}; convert it to PCM, e.g. sox in.wav -e signed-integer -b 16 out.wav`);
  }

  if (channels === 0) throw new AudioInputError(file, 'fmt chunk says 0 channels');
  if (channels > MAX_CHANNELS) throw new AudioInputError(file, `fmt chunk says ${channels} channels (at most ${MAX_CHANNELS})`);
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new AudioInputError(file, `sample rate ${sampleRate} Hz is out of range (callsim converts ${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE} Hz to ${TARGET_RATE / 1000} kHz)`);
  }
  const supportedBits = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!supportedBits.includes(bitsPerSample)) {
    const kind = encoding === 'pcm' ? 'PCM' : 'float';
    throw new AudioInputError(file, `unsupported ${kind} sample size: ${bitsPerSample} bits (supported: ${supportedBits.join(', ')})`);
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new AudioInputError(file, `block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample}-bit samples (expected ${expectedAlign})`);
  }
  // The header's byte rate is redundant (rate * blockAlign) and often wrong in files written by
  // careless tools; nothing here depends on it, so a wrong value is not a reason to refuse.
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

type SampleReader = (view: DataView, at: number) => number;

function sampleReader(format: WavFormat): SampleReader {
  if (format.encoding === 'float') {
    // Float files may hold anything: NaN becomes silence and the rest is clipped to full scale,
    // as any conversion to PCM would do (and a 64-bit value could not even fit a Float32Array).
    const sane = (x: number): number => (Number.isNaN(x) ? 0 : Math.max(-1, Math.min(1, x)));
    return format.bitsPerSample === 32 ? (v, at) => sane(v.getFloat32(at, true)) : (v, at) => sane(v.getFloat64(at, true));
  }
  switch (format.bitsPerSample) {
    case 8:
      return (v, at) => (v.getUint8(at) - 128) / 128;
    case 16:
      return (v, at) => v.getInt16(at, true) / 32768;
    case 24:
      return (v, at) => (((v.getUint8(at + 2) << 24) | (v.getUint8(at + 1) << 16) | (v.getUint8(at) << 8)) >> 8) / 8388608;
    case 32:
      return (v, at) => v.getInt32(at, true) / 2147483648;
    default:
      throw new Error(`unreachable: ${format.bitsPerSample}-bit PCM passed validation`);
  }
}

/**
 * Decodes a WAV file held in memory into one channel of float samples at the file's own rate.
 * Pure: no effects. Accepts PCM 8/16/24/32-bit, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE,
 * any rate the resampler converts to 16 kHz (63 Hz to 192 kHz, see rates.ts), 1 to 32 channels. Refuses anything else, any header whose sizes do
 * not fit the bytes, and a file without samples, by throwing an AudioInputError naming `file`.
 */
export function decodeWav(bytes: Uint8Array, file: string, opts: DecodeWavOptions = {}): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = bytes.byteLength;
  if (total < 12) throw new AudioInputError(file, `not a WAV file: ${total} bytes is too short for a RIFF header`);
  const riff = fourCC(view, 0);
  if (riff === 'RF64' || riff === 'BW64') throw new AudioInputError(file, `unsupported container ${riff} (64-bit WAV); only RIFF WAVE is read`);
  if (riff !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new AudioInputError(file, 'not a WAV file: it does not start with RIFF....WAVE');
  }
  // The RIFF size is not checked: writers that stream (and cannot seek back) leave it wrong,
  // and the chunk sizes below are what the samples depend on.

  let format: WavFormat | null = null;
  let dataAt = -1;
  let dataSize = 0;
  let at = 12;
  while (at + 8 <= total) {
    const id = fourCC(view, at);
    const size = view.getUint32(at + 4, true);
    const bodyAt = at + 8;
    const remaining = total - bodyAt;
    if (id === 'data') {
      if (!format) throw new AudioInputError(file, 'data chunk comes before the fmt chunk');
      if (size > remaining) throw new AudioInputError(file, `truncated: data chunk says ${size} bytes but only ${remaining} remain`);
      dataAt = bodyAt;
      dataSize = size;
      break;
    }
    if (size > remaining) {
      throw new AudioInputError(file, `truncated: ${chunkName(id)} at byte ${at} says ${size} bytes but only ${remaining} remain`);
    }
    if (id === 'fmt ') {
      if (format) throw new AudioInputError(file, 'has two fmt chunks');
      format = parseFormat(view, bodyAt, size, file);
    }
    at = bodyAt + size + (size % 2); // chunks are word-aligned
  }

  if (!format) throw new AudioInputError(file, 'no fmt chunk: the header is missing or cut off');
  if (dataAt < 0) throw new AudioInputError(file, 'no data chunk: the file holds no samples');
  if (dataSize === 0) throw new AudioInputError(file, 'empty: the data chunk holds no samples');
  if (dataSize % format.blockAlign !== 0) {
    throw new AudioInputError(file, `data chunk is ${dataSize} bytes, not a whole number of ${format.blockAlign}-byte frames`);
  }

  const frames = dataSize / format.blockAlign; // dataSize <= total, so this is bounded by the real file
  const choice = opts.channel ?? 'mix';
  const read = sampleReader(format);
  const bytesPerSample = format.bitsPerSample / 8;
  const samples = new Float32Array(frames);
  const { channels, blockAlign } = format;
  if (channels === 1 || choice !== 'mix') {
    const channelIndex = channels === 1 || choice === 'left' ? 0 : 1;
    const offset = dataAt + channelIndex * bytesPerSample;
    for (let i = 0; i < frames; i++) samples[i] = read(view, offset + i * blockAlign);
  } else {
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      const frameAt = dataAt + i * blockAlign;
      for (let c = 0; c < channels; c++) sum += read(view, frameAt + c * bytesPerSample);
      samples[i] = sum / channels;
    }
  }
  return { sampleRate: format.sampleRate, channels, samples, durationMs: (frames / format.sampleRate) * 1000 };
}

/**
 * Reads and decodes a WAV file from disk (effect: one file read). Same refusals as decodeWav; a
 * missing or unreadable file is an AudioInputError too.
 */
export function readWavFile(path: string, opts: DecodeWavOptions = {}): DecodedWav {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AudioInputError(path, 'no such file');
    if (code === 'EISDIR') throw new AudioInputError(path, 'is a directory, not a WAV file');
    if (code === 'EACCES' || code === 'EPERM') throw new AudioInputError(path, 'permission denied');
    if (code === 'ERR_FS_FILE_TOO_LARGE') throw new AudioInputError(path, 'is too large to read (over 2 GiB)');
    throw new AudioInputError(path, `cannot be read (${code ?? (err as Error).message})`);
  }
  return decodeWav(bytes, path, opts);
}

/**
 * Encodes mono float samples as a 16-bit PCM WAV file in memory. Pure. Samples are clipped to
 * [-1, 1]; used to write synthesized calls and test fixtures.
 */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  return encodeWav16Channels([samples], sampleRate);
}

/**
 * Encodes one float array per channel (e.g. [left, right]) as an interleaved 16-bit PCM WAV file
 * in memory; a shorter channel is padded with silence. Pure. Samples are clipped to [-1, 1].
 */
export function encodeWav16Channels(channels: Float32Array[], sampleRate: number): Uint8Array {
  if (channels.length < 1 || channels.length > MAX_CHANNELS) throw new Error(`encodeWav16Channels: ${channels.length} channels`);
  const frames = Math.max(...channels.map((c) => c.length));
  const blockAlign = channels.length * 2;
  const dataSize = frames * blockAlign;
  const bytes = new Uint8Array(44 + dataSize);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  channels.forEach((samples, c) => {
    for (let i = 0; i < samples.length; i++) {
      const x = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(44 + i * blockAlign + c * 2, Math.round(x < 0 ? x * 32768 : x * 32767), true);
    }
  });
  return bytes;
}

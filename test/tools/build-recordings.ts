// Builds the sample calls in recordings/audio/ from real read speech shipped in the Debian
// package pocketsphinx-testdata, and writes next to each call a truth file saying where every
// stretch of speech starts and ends and what is said in it.
//
//   npx tsx test/tools/build-recordings.ts [outDir]
//
// Effects: reads /usr/share/pocketsphinx/test/data, runs flite (backchannels, the agent's side of
// the dual-channel call), writes WAV and JSON files into outDir (default recordings/audio).
// Deterministic: the same inputs give the same bytes (noise comes from a seeded generator).
//
// How the truth is made: each source utterance is placed at a chosen offset; inside it, the
// leading and trailing silence is found from its energy (10 ms frames, see speechExtent), so a
// segment runs from the first to the last frame of the utterance that is clearly above its own
// background. Pauses between utterances are 1 to 4 s, as between turns of a call.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resample } from '../../electron/audio/resample.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import { encodeWav16, encodeWav16Channels, readWavFile } from '../../electron/audio/wav.ts';

const DATA = '/usr/share/pocketsphinx/test/data';
const RATE = 16_000;

interface SourceUtterance {
  /** Path relative to DATA, for the truth file. */
  source: string;
  text: string;
  samples: Float32Array;
  /** Synthesized speech has no background of its own (digital silence around the words). */
  synthesized?: true;
}

interface TruthSegment {
  startMs: number;
  endMs: number;
  text: string;
  source: string;
  backchannel?: true;
}

interface Truth {
  description: string;
  sampleRate: number;
  channels: number;
  /** For a multi-channel call: the channel the segments describe. */
  channel?: 'left' | 'right';
  noise?: { kind: 'pink'; snrDb: number; definition: string; seed: number };
  segments: TruthSegment[];
  /** Speech on the other channel of a dual-channel call (the agent), for reference. */
  otherChannel?: { startMs: number; endMs: number; text: string }[];
}

/** Reads the transcription file of the librivox set: "<s> words </s> (utterance-id)". */
function librivoxTranscripts(): Map<string, string> {
  const transcripts = new Map<string, string>();
  for (const line of readFileSync(join(DATA, 'librivox', 'transcription'), 'utf8').split('\n')) {
    const m = /^<s>\s*(.*?)\s*<\/s>\s*\((\S+)\)/.exec(line.trim());
    if (m) transcripts.set(m[2], m[1]);
  }
  return transcripts;
}

function cardsTranscripts(): Map<string, string> {
  const transcripts = new Map<string, string>();
  for (const line of readFileSync(join(DATA, 'cards', 'cards.transcription'), 'utf8').split('\n')) {
    const m = /^<s>\s*(.*?)\s*<\/s>\s*\((\S+)\)/.exec(line.trim());
    if (m) transcripts.set(m[2], m[1].replace(/\s+/g, ' '));
  }
  return transcripts;
}

function librivox(id: string): SourceUtterance {
  const name = `sense_and_sensibility_01_austen_64kb-${id}`;
  const text = librivoxTranscripts().get(name);
  if (!text) throw new Error(`no transcript for ${name}`);
  const wav = readWavFile(join(DATA, 'librivox', `${name}.wav`));
  if (wav.sampleRate !== RATE) throw new Error(`${name}: expected 16 kHz`);
  return { source: `librivox/${name}.wav`, text, samples: wav.samples };
}

function cards(id: string): SourceUtterance {
  const text = cardsTranscripts().get(id);
  if (!text) throw new Error(`no transcript for cards/${id}`);
  const wav = readWavFile(join(DATA, 'cards', `${id}.wav`));
  if (wav.sampleRate !== RATE) throw new Error(`cards/${id}: expected 16 kHz`);
  return { source: `cards/${id}.wav`, text, samples: wav.samples };
}

async function flite(text: string, voice: 'flite:rms' | 'flite:slt'): Promise<SourceUtterance> {
  const { samples } = await synthesize(text, voice);
  return { source: `${voice} "${text}"`, text: text.toLowerCase(), samples, synthesized: true };
}

/**
 * Where the speech inside an utterance starts and ends, in samples. 10 ms frames; the background
 * is the mean energy of the quietest 200 ms of the utterance; the threshold is 10 dB above it but
 * no lower than 45 dB under the loudest frame (for synthesized speech, whose background is
 * digital silence). Speech starts at the first frame of a run of at least 30 ms above the
 * threshold and ends after the last such run.
 */
export function speechExtent(samples: Float32Array): { start: number; end: number; backgroundDb: number } {
  const hop = RATE / 100;
  const db: number[] = [];
  for (let at = 0; at + hop <= samples.length; at += hop) {
    let energy = 0;
    for (let i = 0; i < hop; i++) energy += samples[at + i] ** 2;
    db.push(10 * Math.log10(energy / hop + 1e-12));
  }
  const window = 20;
  let floor = Infinity;
  for (let i = 0; i + window <= db.length; i++) {
    const meanEnergy = db.slice(i, i + window).reduce((sum, d) => sum + 10 ** (d / 10), 0) / window;
    floor = Math.min(floor, 10 * Math.log10(meanEnergy));
  }
  const peak = Math.max(...db);
  const threshold = Math.max(floor + 10, peak - 45);
  const loud = db.map((d) => d >= threshold);
  const run = 3;
  const runAt = (i: number): boolean => loud.slice(i, i + run).length === run && loud.slice(i, i + run).every(Boolean);
  let first = 0;
  while (first < loud.length && !runAt(first)) first++;
  let last = loud.length - 1;
  while (last >= 0 && !runAt(last - run + 1)) last--;
  if (first >= loud.length || last < first) throw new Error('utterance has no speech above its background');
  return { start: first * hop, end: (last + 1) * hop, backgroundDb: floor };
}

/** A seeded generator (mulberry32) so that noise is the same on every build. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pink (1/f) noise with unit RMS, from white noise through Paul Kellet's filter. */
function pinkNoise(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(length);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < length; i++) {
    const white = random() * 2 - 1;
    b0 = 0.99886 * b0 + white * 0.0555179;
    b1 = 0.99332 * b1 + white * 0.0750759;
    b2 = 0.969 * b2 + white * 0.153852;
    b3 = 0.8665 * b3 + white * 0.3104856;
    b4 = 0.55 * b4 + white * 0.5329522;
    b5 = -0.7616 * b5 - white * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362;
    b6 = white * 0.115926;
  }
  return scaleToRms(out, 1);
}

function rms(samples: Float32Array, from = 0, to = samples.length): number {
  let energy = 0;
  for (let i = from; i < to; i++) energy += samples[i] ** 2;
  return Math.sqrt(energy / Math.max(1, to - from));
}

function scaleToRms(samples: Float32Array, target: number): Float32Array {
  const gain = target / rms(samples);
  for (let i = 0; i < samples.length; i++) samples[i] *= gain;
  return samples;
}

/** A step of a call: a pause, then an utterance. */
type Step = { pauseMs: number; utterance: SourceUtterance; backchannel?: boolean };

interface Placed {
  samples: Float32Array;
  segments: TruthSegment[];
}

/**
 * Lays utterances out on a timeline after their pauses, with `tailMs` of silence at the end, and
 * returns the mixture and the true segments. A seeded white noise runs under the whole call at
 * the level of the loudest background inside the recorded (not synthesized) utterances, at least
 * -66 dBFS: on a real line the background goes on between turns, it does not drop to digital
 * silence.
 */
function place(steps: Step[], tailMs: number, seed: number): Placed {
  const lengthSamples = steps.reduce((n, step) => n + (step.pauseMs * RATE) / 1000 + step.utterance.samples.length, 0) + (tailMs * RATE) / 1000;
  const samples = new Float32Array(Math.round(lengthSamples));
  const random = seededRandom(seed);
  const recorded = steps.filter((step) => !step.utterance.synthesized);
  const backgroundDb = Math.max(-66, ...recorded.map((step) => speechExtent(step.utterance.samples).backgroundDb));
  // A uniform variable on [-a, a] has RMS a / sqrt(3).
  const floorAmplitude = 10 ** (backgroundDb / 20) * Math.sqrt(3);
  for (let i = 0; i < samples.length; i++) samples[i] = (random() * 2 - 1) * floorAmplitude;
  const segments: TruthSegment[] = [];
  let at = 0;
  for (const step of steps) {
    at += Math.round((step.pauseMs * RATE) / 1000);
    const { samples: utterance } = step.utterance;
    for (let i = 0; i < utterance.length; i++) samples[at + i] += utterance[i];
    const extent = speechExtent(utterance);
    segments.push({
      startMs: Math.round(((at + extent.start) / RATE) * 1000),
      endMs: Math.round(((at + extent.end) / RATE) * 1000),
      text: step.utterance.text,
      source: step.utterance.source,
      ...(step.backchannel ? { backchannel: true as const } : {}),
    });
    at += utterance.length;
  }
  return { samples, segments };
}

function writeCall(outDir: string, name: string, wav: Uint8Array, truth: Truth): void {
  writeFileSync(join(outDir, `${name}.wav`), wav);
  writeFileSync(join(outDir, `${name}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
  const speech = truth.segments.filter((s) => !s.backchannel).length;
  console.log(`${name}.wav: ${(wav.length / 1024).toFixed(0)} KiB, ${speech} turns, ${truth.segments.length - speech} backchannels`);
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? 'recordings/audio');
  mkdirSync(outDir, { recursive: true });

  // 1. One reader, three long sentences: the plain case.
  {
    const call = place(
      [
        { pauseMs: 1200, utterance: librivox('0870') },
        { pauseMs: 2600, utterance: librivox('0880') },
        { pauseMs: 1500, utterance: librivox('0890') },
      ],
      1500,
      1,
    );
    writeCall(outDir, 'librivox-call', encodeWav16(call.samples, RATE), {
      description: 'LibriVox reader (public domain), three sentences with 1.5-2.6 s pauses; 16 kHz mono',
      sampleRate: RATE,
      channels: 1,
      segments: call.segments,
    });
  }

  // 2. Short commands at telephone rate: the reader resamples 8 kHz up to 16 kHz. Each utterance
  //    is band-limited to 4 kHz before its speech is measured, so that the truth describes what
  //    is left in the file (the hiss of an "s" is mostly above 4 kHz, and gone).
  {
    const telephone = async (utterance: SourceUtterance): Promise<SourceUtterance> => ({
      ...utterance,
      samples: await resample(await resample(utterance.samples, RATE, 8000), 8000, RATE),
    });
    const call = place(
      [
        { pauseMs: 1000, utterance: await telephone(cards('001')) },
        { pauseMs: 3200, utterance: await telephone(cards('002')) },
        { pauseMs: 1800, utterance: await telephone(cards('003')) },
        { pauseMs: 4000, utterance: await telephone(cards('004')) },
        { pauseMs: 1300, utterance: await telephone(cards('005')) },
      ],
      1200,
      2,
    );
    const samples8k = await resample(call.samples, RATE, 8000);
    writeCall(outDir, 'cards-call-8k', encodeWav16(samples8k, 8000), {
      description: 'CMU "cards" test utterances (BSD, CMU Sphinx), five short commands with 1-4 s pauses; 8 kHz mono (telephone band)',
      sampleRate: 8000,
      channels: 1,
      segments: call.segments,
    });
  }

  // 3. A dual-channel call recording: caller on the left, a synthesized agent on the right
  //    speaking in the caller's pauses. The truth describes the left channel.
  {
    const caller = place(
      [
        { pauseMs: 3400, utterance: librivox('0920') },
        { pauseMs: 3600, utterance: librivox('0930') },
        { pauseMs: 3000, utterance: librivox('0880') },
      ],
      2500,
      3,
    );
    const agentLines = ['Thank you for calling. How can I help you today?', 'I see. Could you tell me more?', 'Let me look into that for you.', 'One moment please.'];
    const agentSamples = new Float32Array(caller.samples.length);
    const agentSegments: { startMs: number; endMs: number; text: string }[] = [];
    // Each agent line starts 300 ms after the previous caller segment ends (the first at 200 ms).
    const starts = [200, ...caller.segments.map((s) => s.endMs + 300)];
    for (let i = 0; i < agentLines.length; i++) {
      const line = await flite(agentLines[i], 'flite:slt');
      const extent = speechExtent(line.samples);
      const at = Math.round((starts[i] * RATE) / 1000) - extent.start;
      const room = agentSamples.length - Math.max(at, 0);
      agentSamples.set(line.samples.subarray(Math.max(0, -at), Math.max(0, -at) + room), Math.max(at, 0));
      agentSegments.push({
        startMs: Math.round(((at + extent.start) / RATE) * 1000),
        endMs: Math.round(((at + extent.end) / RATE) * 1000),
        text: line.text,
      });
      const next = caller.segments[i];
      if (next && agentSegments[i].endMs > next.startMs) throw new Error(`agent line ${i} overlaps the caller`);
    }
    writeCall(outDir, 'dual-channel-call', encodeWav16Channels([caller.samples, scaleToRms(agentSamples, rms(caller.samples))], RATE), {
      description: 'Dual-channel call recording, 16 kHz stereo: left = caller (LibriVox reader, public domain), right = agent (flite slt)',
      sampleRate: RATE,
      channels: 2,
      channel: 'left',
      segments: caller.segments,
      otherChannel: agentSegments,
    });
  }

  // 4. The same reader over pink noise at 10 dB SNR.
  {
    const snrDb = 10;
    const seed = 4;
    const call = place(
      [
        { pauseMs: 1500, utterance: librivox('0930') },
        { pauseMs: 2200, utterance: librivox('0890') },
        { pauseMs: 3500, utterance: librivox('0870') },
      ],
      1500,
      seed,
    );
    let speechEnergy = 0;
    let speechSamples = 0;
    for (const s of call.segments) {
      const from = Math.round((s.startMs * RATE) / 1000);
      const to = Math.round((s.endMs * RATE) / 1000);
      speechEnergy += rms(call.samples, from, to) ** 2 * (to - from);
      speechSamples += to - from;
    }
    const speechRms = Math.sqrt(speechEnergy / speechSamples);
    const noise = pinkNoise(call.samples.length, seed);
    const noiseRms = speechRms / 10 ** (snrDb / 20);
    for (let i = 0; i < call.samples.length; i++) call.samples[i] += noise[i] * noiseRms;
    writeCall(outDir, 'noisy-call', encodeWav16(call.samples, RATE), {
      description: 'LibriVox reader (public domain) over pink noise at 10 dB SNR; 16 kHz mono',
      sampleRate: RATE,
      channels: 1,
      noise: {
        kind: 'pink',
        snrDb,
        definition: 'RMS of the speech inside the truth segments over RMS of the added noise (which runs through the whole call)',
        seed,
      },
      segments: call.segments,
    });
  }

  // 5. A caller who acknowledges the agent ("okay", "yeah", "right") between real turns: those
  //    are backchannels, speech that is not a turn.
  {
    const call = place(
      [
        { pauseMs: 1000, utterance: librivox('0880') },
        { pauseMs: 1800, utterance: await flite('okay', 'flite:rms'), backchannel: true },
        { pauseMs: 1500, utterance: librivox('0930') },
        { pauseMs: 2200, utterance: await flite('yeah', 'flite:rms'), backchannel: true },
        { pauseMs: 1200, utterance: await flite('right', 'flite:rms'), backchannel: true },
        { pauseMs: 1600, utterance: librivox('0920') },
      ],
      1500,
      5,
    );
    writeCall(outDir, 'backchannel-call', encodeWav16(call.samples, RATE), {
      description: 'LibriVox reader (public domain) with flite (rms) backchannels "okay", "yeah", "right" between the turns; 16 kHz mono',
      sampleRate: RATE,
      channels: 1,
      segments: call.segments,
    });
  }
}

// Build only when run as a script, so that a test may import speechExtent without building.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  await main();
}

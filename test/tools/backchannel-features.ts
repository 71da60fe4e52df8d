// The backchannel rule's inputs for every clip of the test set, from the corpus as heard once
// (test/tools/hear-backchannel-corpus.ts → test-output/backchannel-corpus.json): each stretch's
// duration, both recognitions and its sound (audio/sound.ts, the product's own function).
// Writes test/fixtures/backchannel-features.json, the table test/audio/backchannel.test.ts
// asserts the rule's confusion matrix on. To regenerate:
//   npx tsx test/tools/hear-backchannel-corpus.ts && npx tsx test/tools/backchannel-features.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { stretchSound } from '../../electron/audio/sound.ts';
import type { StretchFeatures } from '../../shared/backchannel.ts';

interface CachedStretch {
  startMs: number;
  endMs: number;
  open: { words: string[]; wordConfidences: number[] };
  shortResponse: string | null;
  audioFromMs: number;
  pcm16: string;
}
interface CachedClip {
  voice: string;
  text: string;
  acknowledgement: boolean;
  rate: number;
  noisy: boolean;
  stretches: CachedStretch[];
}

function samplesOf(pcm16: string): Float32Array {
  const buf = Buffer.from(pcm16, 'base64');
  const out = new Float32Array(buf.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2) / 32768;
  return out;
}

const cached = JSON.parse(readFileSync('test-output/backchannel-corpus.json', 'utf8')) as CachedClip[];
const round = (v: number): number => Math.round(v * 1000) / 1000;
const table = cached.map((c) => ({
  voice: c.voice,
  text: c.text,
  acknowledgement: c.acknowledgement,
  rate: c.rate,
  noisy: c.noisy,
  stretches: c.stretches.map((s): StretchFeatures => {
    const samples = samplesOf(s.pcm16);
    return {
      durationMs: Math.round(s.endMs - s.startMs),
      words: s.open.words,
      wordConfidences: s.open.wordConfidences.map(round),
      shortResponse: s.shortResponse,
      sound: stretchSound(samples, s.startMs - s.audioFromMs, s.endMs - s.audioFromMs),
    };
  }),
}));
const out = process.argv[2] ?? 'test/fixtures/backchannel-features.json';
writeFileSync(out, '[\n' + table.map((t) => JSON.stringify(t)).join(',\n') + '\n]\n');
console.log(`${table.length} clips → ${out}`);

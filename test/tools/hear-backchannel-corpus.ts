// Hears the backchannel test set (test/audio/backchannelCorpus.ts) once, through the real
// path, and writes each clip's detected stretches (times, both recognitions, and the stretch's
// 16 kHz audio with the recognizer's padding) to test-output/backchannel-corpus.json, so the
// rule's sound features can be computed and tuned again without hearing the corpus again.
//   node --experimental-strip-types test/tools/hear-backchannel-corpus.ts   (about 3-9 min on 2 cores)
import { mkdirSync, writeFileSync } from 'node:fs';
import { pcm16Base64 } from '../../electron/audio/pipeline.ts';
import { hearCorpus } from '../audio/backchannelCorpus.ts';

const PAD_MS = 300;
const started = Date.now();
const clips = await hearCorpus();
const out = clips.map((c) => ({
  voice: c.voice,
  text: c.text,
  acknowledgement: c.acknowledgement,
  rate: c.rate,
  noisy: c.noisy,
  stretches: c.stretches.map((s) => {
    const fromMs = Math.max(0, Math.floor(s.startMs) - PAD_MS);
    const toMs = Math.min(c.samples.length / 16, Math.ceil(s.endMs) + PAD_MS);
    return { startMs: s.startMs, endMs: s.endMs, open: s.open, shortResponse: s.shortResponse, audioFromMs: fromMs, pcm16: pcm16Base64(c.samples.subarray(fromMs * 16, toMs * 16)) };
  }),
}));
mkdirSync('test-output', { recursive: true });
writeFileSync('test-output/backchannel-corpus.json', JSON.stringify(out));
console.log(`${out.length} clips heard in ${Math.round((Date.now() - started) / 1000)} s → test-output/backchannel-corpus.json`);

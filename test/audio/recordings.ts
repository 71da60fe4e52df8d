// The sample calls in recordings/audio and their truth files, for the tests that measure VAD and ASR.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RECORDINGS_DIR = fileURLToPath(new URL('../../recordings/audio/', import.meta.url));

export interface TruthSegment {
  startMs: number;
  endMs: number;
  text: string;
  backchannel?: boolean;
}

export interface Truth {
  sampleRate: number;
  channels: number;
  channel?: 'left' | 'right';
  noise?: { snrDb: number };
  segments: TruthSegment[];
}

export const RECORDING_NAMES = ['librivox-call', 'cards-call-8k', 'dual-channel-call', 'noisy-call', 'backchannel-call'] as const;

export function loadTruth(name: string): Truth {
  return JSON.parse(readFileSync(join(RECORDINGS_DIR, `${name}.truth.json`), 'utf8')) as Truth;
}

export const wavPath = (name: string): string => join(RECORDINGS_DIR, `${name}.wav`);

/** Tolerances the detector is held to: where a turn starts and where it ends. */
export const START_TOLERANCE_MS = 200;
export const END_TOLERANCE_MS = 300;

export { wordErrors, words } from '../tools/measure-recordings.ts';

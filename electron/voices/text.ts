// The text voice: no audio, a line takes as long as its words at a speaking rate.
import { wordCount } from '../../shared/intent.ts';

/** Speaking-time model for text voices: about 170 words a minute plus onset. */
export function agentSpeechMs(text: string): number {
  return 200 + 330 * wordCount(text);
}

/** Caller speaking time for text voices: about 160 words a minute plus onset. */
export function callerSpeechMs(text: string): number {
  return 180 + 360 * Math.max(1, wordCount(text));
}

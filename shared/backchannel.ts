/** Acknowledgements, as the recognizers spell them (see the closed list of audio/asr.ts). */
export const BACKCHANNELS: ReadonlySet<string> = new Set(['mhm', 'hmm', 'mm', 'uh-huh', 'uh', 'um', 'oh', 'okay', 'yeah', 'yep', 'right', 'alright', 'sure', 'i see', 'got it']);
/** Longer than this, speech is a turn whatever its words. */
export const BACKCHANNEL_MAX_MS = 1000;
/**
 * How long after a short stretch ends a live call knows whether it was a backchannel: the
 * padding it is recognised with (audio/asr.ts DEFAULT_PAD_MS, 300) and the recognizer's
 * allowance (callers/live.ts LIVE_RECOGNITION_MS, 300). A recorded call's backchannels
 * over the agent resume it as late, so the agent's lines last as long as in the live call.
 */
export const BACKCHANNEL_DECISION_MS = 600;
/** An open-vocabulary word this sure and not an acknowledgement makes the speech a turn. */
const CONFIDENT_WORD = 0.5;

/**
 * Whether a stretch of speech is a backchannel ("okay", "yeah", "uh-huh") rather than a turn.
 * Pure. Duration alone cannot tell: "yeah" and "no" last as long, and "no" is an answer. So:
 * speech over BACKCHANNEL_MAX_MS is a turn, and so is speech in which the open-vocabulary
 * recognizer heard more than two words; if all it heard is an acknowledgement, it is a
 * backchannel; if it is confident of any other word, a turn; otherwise (it is unsure) the
 * closed-list choice decides. Without the other side of the call, "yeah" after a question
 * counts as a backchannel too; the engine knows whether the agent was speaking and may decide
 * otherwise. The text voice's words are known: confidence 1 each, no closed-list choice.
 */
export function isBackchannel(durationMs: number, open: { words: readonly string[]; wordConfidences: readonly number[] }, shortResponse: string | null): boolean {
  if (durationMs > BACKCHANNEL_MAX_MS || open.words.length > 2) return false;
  const acknowledgement = (words: readonly string[]): boolean => words.length > 0 && (BACKCHANNELS.has(words.join(' ')) || words.every((w) => BACKCHANNELS.has(w)));
  if (acknowledgement(open.words)) return true;
  const confidentContent = open.words.some((w, i) => open.wordConfidences[i] >= CONFIDENT_WORD && !BACKCHANNELS.has(w));
  if (confidentContent) return false;
  return shortResponse !== null && BACKCHANNELS.has(shortResponse);
}

/** The words of a line as a recognizer would give them: lower case, no punctuation. Pure. */
export function lineWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' -]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

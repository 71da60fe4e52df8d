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
/** How a stretch sounds, without its words (electron/audio/sound.ts computes it from the 16 kHz samples). */
export interface StretchSound {
  /** Of the stretch's loud 32 ms frames (within 25 dB of its loudest), the share that is voiced (periodic), 0..1. */
  voicedFraction: number;
  /** Of the loud frames' energy, the share in unvoiced ones (fricatives, bursts), 0..1. */
  unvoicedEnergyFraction: number;
  /** Mean zero crossings per sample over the loud frames. */
  zeroCrossingRate: number;
  /** How far the pitch of the voiced frames moves: 90th minus 10th percentile, semitones. */
  pitchSpreadSemitones: number;
  /** Of the loud frames' energy, the share below 1 kHz, 0..1: nearly all of a hum's. */
  lowBandFraction: number;
  /** Peaks of its energy envelope (at least 1): "mm" 1, "mhm" 2, "representative" 4–5. */
  syllables: number;
}

/** What the backchannel rule is told about a stretch of caller speech. */
export interface StretchFeatures {
  /** As detected (the VAD segment). */
  durationMs: number;
  /** The open-vocabulary recognizer's words and their posteriors, 0..1. */
  words: readonly string[];
  wordConfidences: readonly number[];
  /** The closed-list choice (audio/asr.ts SHORT_RESPONSES) for a short stretch; null when not made. */
  shortResponse: string | null;
  /** Its sound; absent for the text voice, whose words are known. */
  sound?: StretchSound;
}

/** An open-vocabulary word this sure and not an acknowledgement makes the speech a turn. */
const CONFIDENT_WORD = 0.5;
/**
 * What the recognizer makes of a hum ("mhm", "hmm"): letters and fillers ("m h m", "an h m",
 * "um"). Not words of their own: heard alone, the stretch's sound decides.
 */
const HUM_WORDS: ReadonlySet<string> = new Set(['m', 'h', 'mm', 'hm', 'hmm', 'mhm', 'um', 'uh', 'huh', 'an', 'a']);
/** The closed-list choices that are hums: in noise the closed list falls on them whatever was said, so the sound must agree. */
const HUM_CHOICES: ReadonlySet<string> = new Set(['mhm', 'hmm', 'mm', 'uh', 'um']);
/**
 * Short words a caller barges in with ("No", "Stop", "Representative"): heard at all, even
 * unsure, or chosen from the closed list, the stretch is a turn. "yes" is an answer.
 */
const BARGE_IN_WORDS: ReadonlySet<string> = new Set([
  'no',
  'nope',
  'stop',
  'wait',
  'cancel',
  'agent',
  'operator',
  'representative',
  'human',
  'person',
  'help',
  'yes',
  'hello',
  'what',
  'repeat',
  'refund',
  'sorry',
]);
/** Below this posterior a word is noise, not heard. */
const HEARD_WORD = 0.05;
/** A hum the recognizer spelled out ("m h m"): at least this long, this voiced (share of loud frames), at most this many syllables ("representative" has four). */
const HUM_MIN_MS = 560;
const HUM_MIN_VOICED = 0.7;
const HUM_MAX_SYLLABLES = 3;
/**
 * A hum the closed list chose is believed when the stretch is this voiced (white noise at 10 dB
 * SNR brings a command's below it), or this long (in that noise, longer than the short commands
 * the closed list puts a hum on), and short of a word's syllables.
 */
const HUM_CHOICE_MIN_VOICED = 0.78;
const HUM_CHOICE_MIN_MS = 700;

/**
 * Whether a stretch of speech is a backchannel ("okay", "yeah", "mhm") rather than a turn.
 * Pure. Duration alone cannot tell ("yeah" and "no" last as long), and the recognizer's words
 * alone cannot either: it hears "mhm" as "m h m" or "an h m", espeak-ng's "No" as "oh" with
 * confidence 1, and in noise almost anything, the closed list falling on "mm" or "uh". With the
 * stretch's sound (audio/sound.ts), in order:
 * - over BACKCHANNEL_MAX_MS: a turn, whatever its words;
 * - a barge-in word heard at all ("no", "stop", "wait", "cancel", "representative"…): a turn;
 * - only letters and fillers ("m h m", "an h m", "um"): a backchannel if it sounds like a hum
 *   (long, voiced, at most three syllables);
 * - one or two acknowledgements (fillers aside): a backchannel, except a lone "oh";
 * - a confident word that is neither, or more than two words: a turn;
 * - otherwise (it is unsure) the closed-list choice: a word-like acknowledgement ("okay",
 *   "yeah", "right", "sure", "uh-huh") is a backchannel, a hum ("mm", "uh") only if the
 *   stretch is voiced enough or long enough, and short of a word's syllables; anything else a turn.
 * The text voice's words are known (confidence 1 each, no closed-list choice, no sound): it is
 * told by words alone, as before sound was heard (isBackchannelByWords).
 * Without the other side of the call, "yeah" after a question counts as a backchannel too; the
 * engine knows whether the agent was speaking and may decide otherwise.
 */
export function isBackchannel(f: StretchFeatures): boolean {
  const sound = f.sound;
  if (!sound) return isBackchannelByWords(f);
  if (f.durationMs > BACKCHANNEL_MAX_MS) return false;
  if (f.words.some((w, i) => (f.wordConfidences[i] ?? 0) >= HEARD_WORD && BARGE_IN_WORDS.has(w))) return false;
  const words = f.words.filter((w) => !HUM_WORDS.has(w));
  if (f.words.length > 0 && words.length === 0 && f.durationMs >= HUM_MIN_MS && sound.voicedFraction >= HUM_MIN_VOICED && sound.syllables <= HUM_MAX_SYLLABLES) return true;
  const acknowledgement = words.length > 0 && words.length <= 2 && (BACKCHANNELS.has(words.join(' ')) || words.every((w) => BACKCHANNELS.has(w)));
  if (acknowledgement && words.join(' ') !== 'oh') return true;
  const confidentContent = f.words.some((w, i) => f.wordConfidences[i] >= CONFIDENT_WORD && !BACKCHANNELS.has(w) && !HUM_WORDS.has(w));
  if (confidentContent || f.words.length > 2) return false;
  const choice = f.shortResponse;
  if (choice === null || choice === 'oh' || !BACKCHANNELS.has(choice)) return false;
  return !HUM_CHOICES.has(choice) || ((sound.voicedFraction >= HUM_CHOICE_MIN_VOICED || f.durationMs >= HUM_CHOICE_MIN_MS) && sound.syllables <= HUM_MAX_SYLLABLES);
}

/**
 * The rule by words alone (the text voice's, and every call's before sound was heard). Speech
 * over BACKCHANNEL_MAX_MS is a turn, and so is speech in which the open-vocabulary recognizer
 * heard more than two words; if all it heard is an acknowledgement, it is a backchannel; if it
 * is confident of any other word, a turn; otherwise (it is unsure) the closed-list choice
 * decides. Pure.
 */
export function isBackchannelByWords(f: StretchFeatures): boolean {
  if (f.durationMs > BACKCHANNEL_MAX_MS || f.words.length > 2) return false;
  const acknowledgement = (words: readonly string[]): boolean => words.length > 0 && (BACKCHANNELS.has(words.join(' ')) || words.every((w) => BACKCHANNELS.has(w)));
  if (acknowledgement(f.words)) return true;
  const confidentContent = f.words.some((w, i) => f.wordConfidences[i] >= CONFIDENT_WORD && !BACKCHANNELS.has(w));
  if (confidentContent) return false;
  return f.shortResponse !== null && BACKCHANNELS.has(f.shortResponse);
}

/** The words of a line as a recognizer would give them: lower case, no punctuation. Pure. */
export function lineWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' -]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * The barge-in words a partial result is believed on: streaming recognition hears "yeah" as
 * "yes", "okay" as "oh" or "no", and throws in "what" and "hello", so the words an
 * acknowledgement is misheard as are left to the whole-utterance decode.
 */
const PARTIAL_BARGE_IN_WORDS: ReadonlySet<string> = new Set(['stop', 'wait', 'cancel', 'agent', 'operator', 'representative', 'human', 'person', 'help', 'refund']);
/**
 * Content words (neither acknowledgements nor a hum's letters and fillers) a partial must hold
 * to make a turn on words alone. Two are not enough: streaming recognition hears flite's and
 * espeak-ng's hums as "they make", "that made", "am married" (42 of 196 acknowledgement clips
 * of test/audio/backchannelCorpus.ts reached two, 5 reached three).
 */
const PARTIAL_CONTENT_WORDS = 3;

/**
 * Whether the words streaming recognition has heard so far of speech still going on (a live
 * call's partial result), with how long it has lasted, already make it a turn, so that a paused
 * agent can stop before the speech ends. The backchannel rule's cues that need no posterior,
 * kept on the side of caution because a partial's words are worse than the final decode's and a
 * wrong turn stops the agent for good (a wrong "not yet" only waits for the final decision):
 * - over BACKCHANNEL_MAX_MS: a turn, whatever its words (as isBackchannel says of it);
 * - an unmistakable barge-in word ("stop", "wait", "cancel", "representative"…): a turn;
 * - PARTIAL_CONTENT_WORDS or more content words: a turn;
 * - otherwise not yet (an acknowledgement, a hum, "no", one or two unsure words): the
 *   whole-utterance decode decides when the speech ends. Pure.
 */
export function partialIsTurn(p: { words: readonly string[]; durationMs: number }): boolean {
  if (p.durationMs > BACKCHANNEL_MAX_MS) return true;
  const words = p.words.map((w) => w.toLowerCase().replace(/[^a-z'-]/g, '')).filter(Boolean);
  if (words.some((w) => PARTIAL_BARGE_IN_WORDS.has(w))) return true;
  return words.filter((w) => !BACKCHANNELS.has(w) && !HUM_WORDS.has(w)).length >= PARTIAL_CONTENT_WORDS;
}

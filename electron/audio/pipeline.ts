// From a recorded call to what the caller said and when: decode → 16 kHz mono → VAD segments →
// ASR. This is what `callsim run call.wav` (and a scenario's synthesized voice) is heard through;
// the recorded caller (callers/) plays each segment onto the call as caller events.

import { DEFAULT_PAD_MS, recognizeSegments, recognizeShortResponses, type LiveRecognizer, type RecognizedUtterance } from './asr.ts';
import type { HttpTranscriber } from './transcriber.ts';
import { to16kMono } from './resample.ts';
import { stretchSound } from './sound.ts';
import { detectSpeechSegments } from './vad.ts';
import { readWavFile, type ChannelChoice } from './wav.ts';

export interface AnalyzedSegment {
  /** Where the speech starts and stops, in ms from the start of the file (as detected). */
  startMs: number;
  endMs: number;
  /** Recognized words, lower-case; empty when the recognizer found none. */
  text: string;
  /** Mean word posterior from the open-vocabulary recognizer, 0..1 (low when it was unsure, even if the text of a backchannel came from the closed list). */
  confidence: number;
  /**
   * A short acknowledgement ("okay", "yeah", "mhm") rather than a turn: see isBackchannel. It is
   * still reported, with its time, so the engine can journal it; whether it ends or interrupts
   * anything is the engine's decision.
   */
  backchannel: boolean;
  /** How the stretch sounded (audio/sound.ts): what, with the words, told whether it was a backchannel. */
  sound?: StretchSound;
  /** Why the recognizer gave no words (your own recognizer failed): the machine hears a recognition failure. */
  failed?: string;
}

/** A segment as a call hears it: whole milliseconds (the journal's grain), its audio attached. */
export interface HeardAudioSegment extends AnalyzedSegment {
  /** The segment's audio, 16 kHz mono 16-bit little-endian, base64 (journaled as caller.audio). */
  pcm16: string;
}

export interface AnalyzedRecording {
  /** Whole milliseconds. */
  durationMs: number;
  segments: HeardAudioSegment[];
}

/** How far hearing a recording has got (the app shows it while a recorded call starts). */
export type HearProgress = { stage: 'detecting speech' | 'recognizing'; done: number; total: number };

export interface HearOptions {
  /** Silence that ends a turn (policy endOfTurnSilenceMs); default 600. */
  endOfTurnSilenceMs?: number;
  /** Told as detection goes (every few hundred frames) and when recognition starts and ends. */
  onProgress?: (p: HearProgress) => void;
  /** Your own recognizer (audio/transcriber.ts) instead of pocketsphinx. */
  transcriber?: HttpTranscriber;
}

export interface AnalyzeOptions extends HearOptions {
  /** Which channel of a stereo recording is the caller; default 'mix'. */
  channel?: ChannelChoice;
}

// The backchannel rule is shared: the text voice, recordings and live calls all use it.
export { BACKCHANNEL_MAX_MS, isBackchannel } from '../../shared/backchannel.ts';
import { BACKCHANNEL_MAX_MS, isBackchannel, type StretchSound } from '../../shared/backchannel.ts';

/**
 * Analyzes a recorded call: where the caller speaks, and what is said — the one path from a WAV
 * file to heard segments (the one WAV reader; any rate, 16 kHz mono after resampling). Effects:
 * reads the file, loads the VAD model, runs the recognizer (or your own: `transcriber`). Throws
 * AudioInputError (naming the file) for a file that is missing or not a usable WAV, before
 * anything is stored; AsrUnavailableError when pocketsphinx is not installed.
 */
export async function analyzeRecording(path: string, opts: AnalyzeOptions = {}): Promise<AnalyzedRecording> {
  const wav = readWavFile(path, { channel: opts.channel });
  const samples = await to16kMono(wav);
  return { durationMs: Math.round(wav.durationMs), segments: await hear(samples, opts) };
}

/**
 * Detection and recognition over 16 kHz audio: speech segments with their words, backchannels
 * marked, times in whole milliseconds and each segment's audio attached. Effects: loads the VAD
 * model, runs the recognizer (or your own: `transcriber`).
 */
export async function hear(samples: Float32Array, o: HearOptions = {}): Promise<HeardAudioSegment[]> {
  const progress = o.onProgress;
  const speech = await detectSpeechSegments(samples, { endOfTurnSilenceMs: o.endOfTurnSilenceMs, onFrames: progress && ((done, total) => progress({ stage: 'detecting speech', done, total })) });
  progress?.({ stage: 'recognizing', done: 0, total: speech.length });
  const heard = await hearSegments(samples, speech, o.transcriber);
  progress?.({ stage: 'recognizing', done: speech.length, total: speech.length });
  // whole milliseconds: the journal's clock has no finer grain
  return heard.map((h) => {
    const startMs = Math.round(h.startMs);
    const endMs = Math.round(h.endMs);
    return { ...h, startMs, endMs, pcm16: pcm16Base64(samples.subarray(startMs * 16, endMs * 16)) };
  });
}

/** 16 kHz mono float samples → base64 of 16-bit little-endian PCM. Pure. */
export function pcm16Base64(samples: Float32Array): string {
  const buf = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]));
    buf.writeInt16LE(Math.round(x < 0 ? x * 32768 : x * 32767), i * 2);
  }
  return buf.toString('base64');
}

/**
 * What was said in each speech segment of 16 kHz audio: open-vocabulary recognition, and for
 * short segments the closed-list choice that tells a backchannel from a short answer. Each is
 * one batch of recognizer processes, one per core, each loading the model once. Effects: runs
 * pocketsphinx.
 */
export async function hearSegments(samples: Float32Array, speech: { startMs: number; endMs: number }[], transcriber?: HttpTranscriber): Promise<AnalyzedSegment[]> {
  if (transcriber) return transcribeSegments(samples, speech, transcriber);
  const short = speech.filter((s) => s.endMs - s.startMs <= BACKCHANNEL_MAX_MS);
  // Two independent recognizer runs (open vocabulary; closed list for the short segments).
  const [recognized, shortTexts] = await Promise.all([recognizeSegments(samples, speech), recognizeShortResponses(samples, short)]);
  const shortResponses = new Map(short.map((segment, i) => [segment, shortTexts[i]]));
  return speech.map((segment, i) => heardSegment(samples, segment, recognized[i], shortResponses.get(segment) ?? null));
}

/**
 * What was said in each segment, by your own recognizer (audio/transcriber.ts): each segment
 * with DEFAULT_PAD_MS of audio either side (never into its neighbours) as one request, in order,
 * one at a time (servers such as whisper.cpp's decode one request at a time anyway, and a server
 * that answers by order gives the same call every run). The same backchannel rule as
 * pocketsphinx's, without the closed-list choice (the words are the server's). Effects: HTTP
 * requests. Never throws for a server's failure: that segment is `failed`.
 */
async function transcribeSegments(samples: Float32Array, speech: { startMs: number; endMs: number }[], transcriber: HttpTranscriber): Promise<AnalyzedSegment[]> {
  const out: AnalyzedSegment[] = [];
  for (let i = 0; i < speech.length; i++) {
    const segment = speech[i];
    const from = Math.max(segment.startMs - DEFAULT_PAD_MS, i > 0 ? speech[i - 1].endMs : 0, 0);
    const to = Math.min(segment.endMs + DEFAULT_PAD_MS, i + 1 < speech.length ? speech[i + 1].startMs : Infinity, samples.length / 16);
    const heard = await transcriber.transcribe(samples.subarray(Math.floor(from * 16), Math.ceil(to * 16)));
    out.push(heard.ok ? heardSegment(samples, segment, heard.utterance, null) : { startMs: segment.startMs, endMs: segment.endMs, text: '', confidence: 0, backchannel: false, failed: heard.error });
  }
  return out;
}

/**
 * What was said in one segment of a live stream (`samples`: the stream so far), with the
 * recognizer the call keeps running: the same recognition and the same backchannel rule as
 * hearSegments, so the same audio is heard the same way live and offline. `around` (the end of
 * the segment before, the start of the one after if it has begun) bounds its padding as
 * hearSegments' neighbours do. Effects: runs pocketsphinx (through the recognizer's processes).
 */
export async function hearLiveSegment(
  recognizer: LiveRecognizer,
  samples: Float32Array,
  segment: { startMs: number; endMs: number },
  around: { previousEndMs: number; nextStartMs?: number },
): Promise<AnalyzedSegment> {
  const [open, shortResponse] = await Promise.all([
    recognizer.recognize(samples, segment, around),
    segment.endMs - segment.startMs <= BACKCHANNEL_MAX_MS ? recognizer.recognizeShortResponse(samples, segment, around) : null,
  ]);
  return heardSegment(samples, segment, open, shortResponse);
}

/**
 * A segment of the 16 kHz `samples`, its open-vocabulary recognition and closed-list choice,
 * classified by the shared rule with the stretch's sound. Pure.
 */
function heardSegment(samples: Float32Array, segment: { startMs: number; endMs: number }, open: RecognizedUtterance, shortResponse: string | null): AnalyzedSegment {
  const sound = stretchSound(samples, segment.startMs, segment.endMs);
  const backchannel = isBackchannel({ durationMs: segment.endMs - segment.startMs, words: open.words, wordConfidences: open.wordConfidences, shortResponse, sound });
  return {
    startMs: segment.startMs,
    endMs: segment.endMs,
    // For a backchannel the closed-list word is the better transcript (see isBackchannel).
    text: backchannel && shortResponse ? shortResponse : open.text,
    confidence: open.confidence,
    backchannel,
    sound,
  };
}

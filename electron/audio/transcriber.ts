// Your own recognizer: any server that speaks the OpenAI-compatible transcription API
// (`POST {baseUrl}/audio/transcriptions`, multipart with the audio as a WAV file) — whisper.cpp's
// server, faster-whisper-server, LocalAI, a hosted one. Each speech stretch the VAD found is sent
// on its own; the words that come back are the caller's words. A server that does not answer in
// time, answers an HTTP error, something that is not JSON, or no words, is a recognition failure
// the call machine already handles (the caller is asked again), never a crash.

import { excerpt, networkReason, redactSecrets } from '../world/model.ts';
import type { CallEnv } from '../world/secrets.ts';
import type { RecognizedUtterance } from './asr.ts';
import { encodeWav16 } from './wav.ts';

/** An `asr` of an agent file (shared/scenario.ts asrSchema). */
export interface TranscriberConfig {
  baseUrl: string;
  /** The `model` field of the request (whisper.cpp's server ignores it). */
  name?: string;
  apiKeyEnv?: string;
  language?: string;
  /** A stretch not transcribed by then is a recognition failure. Default 10 s. */
  timeoutMs?: number;
}

/** One stretch's transcription: the words, or why there are none. */
export type Transcription = { ok: true; utterance: RecognizedUtterance } | { ok: false; error: string };

/** Lower-case words without punctuation, as pocketsphinx gives them ("Yeah, okay." → yeah okay). Pure. */
export function transcriptWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]+/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^['-]+|['-]+$/g, ''))
    .filter(Boolean);
}

export class HttpTranscriber {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly config: TranscriberConfig,
    private readonly env: CallEnv = {},
    opts: { fetch?: typeof fetch } = {},
  ) {
    this.timeoutMs = config.timeoutMs ?? 10_000;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** Where requests go, for messages. */
  get url(): string {
    return `${this.config.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`;
  }

  /**
   * Transcribes 16 kHz mono samples. The server gives no per-word confidence, so each word it
   * heard counts as sure (the backchannel rule then goes by the words and the duration).
   * Effects: one HTTP request. Never throws.
   */
  async transcribe(samples16k: Float32Array): Promise<Transcription> {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(encodeWav16(samples16k, 16_000))], { type: 'audio/wav' }), 'speech.wav');
    form.set('model', this.config.name ?? 'whisper-1');
    form.set('response_format', 'json');
    if (this.config.language) form.set('language', this.config.language);
    const headers: Record<string, string> = { accept: 'application/json' };
    const key = this.config.apiKeyEnv ? this.env[this.config.apiKeyEnv] : undefined;
    if (this.config.apiKeyEnv && !key) return { ok: false, error: `the environment variable ${this.config.apiKeyEnv} (asr.apiKeyEnv) is not set` };
    if (key) headers.authorization = `Bearer ${key}`;
    let status: number;
    let text: string;
    try {
      const res = await this.fetch(this.url, { method: 'POST', body: form, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.status;
      text = redactSecrets(await res.text(), [key]);
    } catch (err) {
      return { ok: false, error: `recognizer: no answer from ${this.url}: ${networkReason(err, this.timeoutMs)}` };
    }
    if (status < 200 || status > 299) return { ok: false, error: `recognizer answered HTTP ${status}${text.trim() ? `: ${excerpt(text)}` : ''}` };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, error: `recognizer answered something that is not JSON: ${excerpt(text)}` };
    }
    const said = (body as { text?: unknown } | null)?.text;
    if (typeof said !== 'string') return { ok: false, error: `recognizer answered JSON without a "text": ${excerpt(text)}` };
    const words = transcriptWords(said);
    if (words.length === 0) return { ok: false, error: 'no words recognised' };
    return { ok: true, utterance: { text: words.join(' '), confidence: 1, words, wordConfidences: words.map(() => 1) } };
  }
}

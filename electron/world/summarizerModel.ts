// The summarizer model (SPEC §5, issue 20): an OpenAI chat-completions server asked, once a call
// has handed off, to fill the packet's fields. What it answers is journaled verbatim as a
// summarizer.result; shared/summarizer.ts checks it against the journal whenever the packet is
// built, so nothing here decides what the human sees.

import type { JournalEntry, JournalInput } from '../../shared/events.ts';
import { summarizerRequest } from '../../shared/summarizer.ts';
import type { ModelConfig } from './model.ts';
import { chatEndpoint, excerpt, networkReason, redactSecrets } from './model.ts';
import type { CallEnv } from './secrets.ts';

export type SummarizerResult = Extract<JournalInput, { type: 'summarizer.result' }>;

/**
 * Asks the summarizer model for the packet of a handed-off call's journal; never throws: a
 * timeout, an HTTP error or a reply without a message is a result with `error`. Sends
 * `response_format` json_schema first, and again without it when the server refuses it (400/422).
 * Effects: HTTP requests; reads the wall clock for the latency.
 */
export async function askSummarizer(config: ModelConfig, entries: readonly JournalEntry[], env: CallEnv, o: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<SummarizerResult> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const doFetch = o.fetch ?? fetch;
  const { messages, jsonSchema } = summarizerRequest(entries);
  const endpoint = chatEndpoint(config, env, 'summarizer.apiKeyEnv');
  const key = 'error' in endpoint ? undefined : endpoint.key;
  const started = performance.now();
  const done = (r: { content?: string; error?: string; tokens?: number }): SummarizerResult => ({
    type: 'summarizer.result',
    model: config.name,
    latencyMs: Math.round(performance.now() - started),
    tokens: r.tokens ?? 0,
    ...(r.content === undefined ? {} : { content: redactSecrets(r.content, [key]) }),
    ...(r.error === undefined ? {} : { error: redactSecrets(r.error, [key]) }),
  });
  if ('error' in endpoint) return done({ error: endpoint.error });
  const { url, headers } = endpoint;
  for (const structured of [true, false]) {
    const body = {
      model: config.name,
      messages,
      temperature: 0,
      ...(structured ? { response_format: { type: 'json_schema', json_schema: { name: 'handoff_packet', strict: true, schema: jsonSchema } } } : {}),
    };
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      return done({ error: `could not be reached at ${url}: ${networkReason(err, timeoutMs)}` });
    }
    if (structured && (res.status === 400 || res.status === 422)) continue;
    if (!res.ok) return done({ error: `answered HTTP ${res.status}${text.trim() ? `: ${excerpt(text)}` : ''}` });
    let reply: { choices?: { message?: { content?: unknown } }[]; usage?: { total_tokens?: unknown } };
    try {
      reply = JSON.parse(text);
    } catch {
      return done({ error: `answered a body that is not JSON: ${excerpt(text)}` });
    }
    const content = reply?.choices?.[0]?.message?.content;
    const tokens = typeof reply?.usage?.total_tokens === 'number' && Number.isInteger(reply.usage.total_tokens) && reply.usage.total_tokens >= 0 ? reply.usage.total_tokens : 0;
    if (typeof content !== 'string') return done({ error: 'answered no message', tokens });
    return done({ content: content.slice(0, 100_000), tokens });
  }
  return done({ error: 'refused the request with and without response_format' });
}

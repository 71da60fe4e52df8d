import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real HTTP servers on 127.0.0.1 for the bring-your-own-agent tests: a chat-completions server
 * that answers scripted replies (as one JSON body, or as server-sent events when the request
 * asks for `stream`), and a tools server. Both record what they were sent.
 */

/** A scripted model message: the server renders it as JSON or as a stream of fragments. */
export interface ScriptedMessage {
  content?: string | null;
  toolCalls?: { name: string; arguments: string | Record<string, unknown>; id?: string }[];
  /** total_tokens of `usage` (default 100); null: the server sends no `usage` at all. */
  tokens?: number | null;
  delayMs?: number;
}
/** A raw answer, for garbage: any status, any body. */
export interface RawReply {
  status: number;
  body: string;
  contentType?: string;
  delayMs?: number;
}
export type Reply = ScriptedMessage | RawReply;

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any; // a test's view of what was sent
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const isRaw = (r: Reply): r is RawReply => 'status' in r;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** Splits a text in about `n` pieces (a stream's fragments). */
function pieces(text: string, n: number): string[] {
  if (!text) return [];
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function toolCallsOf(m: ScriptedMessage) {
  return (m.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i + 1}`,
    type: 'function',
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
}

/**
 * A chat-completions server: the n-th request gets `replies[n]` (the last one again after the
 * end), or whatever `replies(request, n)` returns.
 */
export async function chatServer(replies: Reply[] | ((req: RecordedRequest, n: number) => Reply)): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const { server, url } = await listen(async (req, res) => {
    const text = await readBody(req);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const recorded = { path: req.url ?? '', headers: req.headers, body };
    requests.push(recorded);
    const n = requests.length - 1;
    const reply = typeof replies === 'function' ? replies(recorded, n) : replies[Math.min(n, replies.length - 1)];
    if (reply.delayMs) await sleep(reply.delayMs);
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    if (isRaw(reply)) {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' }).end(reply.body);
      return;
    }
    const calls = toolCallsOf(reply);
    const usage = reply.tokens === null ? undefined : { prompt_tokens: 0, completion_tokens: reply.tokens ?? 100, total_tokens: reply.tokens ?? 100 };
    if (!body?.stream) {
      const message = { role: 'assistant', content: reply.content ?? null, ...(calls.length ? { tool_calls: calls } : {}) };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion', model: body?.model, choices: [{ index: 0, message, finish_reason: calls.length ? 'tool_calls' : 'stop' }], usage }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', model: body.model };
    send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
    for (const p of pieces(reply.content ?? '', 3)) {
      send({ ...base, choices: [{ index: 0, delta: { content: p } }] });
      await sleep(1);
    }
    for (const [index, c] of calls.entries()) {
      send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] } }] });
      for (const p of pieces(c.function.arguments, 4)) send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: p } }] } }] });
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: calls.length ? 'tool_calls' : 'stop' }] });
    if (body.stream_options?.include_usage && usage) send({ ...base, choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
  return { url: `${url}/v1`, requests, close: closer(server) };
}

export interface ToolRoute {
  status?: number;
  body?: string;
  delayMs?: number;
}

/** A tools server: `routes[path]` answers each request (given what was sent). */
export async function toolServer(routes: Record<string, (req: RecordedRequest & { method: string; query: URLSearchParams }) => ToolRoute>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const { server, url } = await listen(async (req, res) => {
    const text = await readBody(req);
    const u = new URL(req.url ?? '/', 'http://x');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text
    }
    const recorded = { path: u.pathname, headers: req.headers, body, method: req.method ?? '', query: u.searchParams };
    requests.push(recorded);
    const route = routes[u.pathname];
    const r = route ? route(recorded) : { status: 404, body: '{"error":"no such route"}' };
    if (r.delayMs) await sleep(r.delayMs);
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json' }).end(r.body ?? '');
  });
  return { url, requests, close: closer(server) };
}

/** What a transcription server was sent: the form's fields, and the audio file's first bytes and size. */
export interface TranscriptionRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  fields: Record<string, string>;
  file: { name: string; bytes: number; riff: boolean } | null;
}

/**
 * An OpenAI-compatible transcription server (`POST /v1/audio/transcriptions`, multipart): the
 * n-th request gets `answer(n)` — a status and a raw body, or `hang` for one that never answers.
 */
export async function transcriptionServer(answer: (n: number) => { status?: number; body?: string; hang?: boolean }): Promise<TestServer & { transcriptions: TranscriptionRequest[] }> {
  const transcriptions: TranscriptionRequest[] = [];
  const { server, url } = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1];
    const fields: Record<string, string> = {};
    let file: TranscriptionRequest['file'] = null;
    if (boundary) {
      for (const part of raw.toString('latin1').split(`--${boundary}`)) {
        const name = /name="([^"]+)"/.exec(part)?.[1];
        if (!name) continue;
        const body = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
        const filename = /filename="([^"]+)"/.exec(part)?.[1];
        if (filename) file = { name: filename, bytes: Buffer.byteLength(body, 'latin1'), riff: body.startsWith('RIFF') && body.slice(8, 12) === 'WAVE' };
        else fields[name] = body;
      }
    }
    const n = transcriptions.length;
    transcriptions.push({ path: req.url ?? '', headers: req.headers, fields, file });
    const a = answer(n);
    if (a.hang) return; // never answers (closed with the server)
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(a.body ?? '');
  });
  return { url, requests: [], transcriptions, close: closer(server) };
}

/** A port on 127.0.0.1 with nothing listening (a server started and stopped). */
export async function deadUrl(): Promise<string> {
  const { server, url } = await listen((_, res) => res.end());
  await closer(server)();
  return url;
}

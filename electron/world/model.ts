import { z } from 'zod';
import { assertNever } from '../../shared/assertNever.ts';
import type { AgentInput, AgentResponse } from '../../shared/events.ts';
import { knownTools } from '../../shared/faults.ts';
import type { Policy } from '../../shared/policy.ts';
import { envProblem, type CallEnv } from './secrets.ts';
import type { Rng } from '../../shared/rng.ts';
import type { Scenario, modelSchema } from '../../shared/scenario.ts';
import { scriptLines } from '../../shared/script.ts';
import { jsonPath } from '../../shared/validate.ts';
import type { AgentBrain, AgentDecision } from './agent.ts';

/**
 * The model-backed agent of SPEC §2 "Bring your own agent": the agent's turns and tool calls
 * come from a server that speaks the OpenAI chat-completions API. Whatever it answers is an
 * input like any other: a usable answer becomes an `AgentResponse`, anything else an
 * `{ ok: false }` decision that the machine counts as a failure of the "agent" backend.
 */

export type ModelConfig = z.infer<typeof modelSchema>;
export type ToolEndpoints = NonNullable<Scenario['tools']>;

/** A tool as the model is offered it: what it does and the arguments it takes. */
interface ToolSpec {
  description: string;
  args: z.ZodType<Record<string, unknown>>;
}

const optionalText = z.string().min(1).optional();

/** The simulated backends' tools (SPEC §4), with the arguments a model must give them. */
const builtinTools: Record<(typeof knownTools)[number], ToolSpec> = {
  'crm.lookupCustomer': {
    description: "Finds the caller's customer record (customerId, name, tier). The phone line identifies the caller, so no argument is needed.",
    args: z.object({ phone: optionalText, email: optionalText }).strict(),
  },
  'crm.getAccountBalance': {
    description: "A customer's account balance in USD.",
    args: z.object({ customerId: z.string().min(1).describe('the customerId that crm_lookupCustomer returned') }).strict(),
  },
  'orders.getShippingStatus': {
    description: "Where the caller's order is: status, carrier, days to arrival.",
    args: z.object({ orderId: optionalText.describe('the order number, if the caller gave one'), customerId: optionalText }).strict(),
  },
  'orders.requestRefund': {
    description: "Requests a refund of the caller's order.",
    args: z.object({ orderId: optionalText.describe('the order number, if the caller gave one'), customerId: optionalText, reason: optionalText }).strict(),
  },
};

/** The two call-control functions every model is offered, beside the tools. */
const transferToHuman = 'transfer_to_human';
const endCall = 'end_call';
const controlTools: Record<string, ToolSpec> = {
  [transferToHuman]: {
    description: 'Transfers the caller to a human colleague. Use it when the caller needs a person or you cannot help.',
    args: z.object({ reason: optionalText.describe('why, in a few words, for the colleague') }).strict(),
  },
  [endCall]: {
    description: 'Says goodbye and hangs up. Use it only when the caller has nothing else.',
    args: z.object({ goodbye: optionalText.describe('the last sentence to say to the caller') }).strict(),
  },
};

const userToolArgs = z.record(z.string(), z.unknown());

/**
 * A tool name as the API allows it (`^[A-Za-z0-9_-]{1,64}$`): `crm.getAccountBalance` →
 * `crm_getAccountBalance`. The way back is a table of the offered tools (see `ToolNames`). Pure.
 */
export function apiToolName(tool: string): string {
  return tool.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The offered tools both ways: call-time names (`crm_getAccountBalance`) and callsim's. */
class ToolNames {
  readonly toApi = new Map<string, string>();
  readonly fromApi = new Map<string, string>();

  constructor(tools: readonly string[]) {
    for (const tool of [...tools, transferToHuman, endCall]) {
      const api = apiToolName(tool);
      const clash = this.fromApi.get(api);
      // a configuration error a user can make; byoConfigProblem reports it before a call starts
      if (clash !== undefined) throw new Error(`tools "${clash}" and "${tool}" both map to the API name "${api}"`);
      if (api.length > 64 || api.length === 0) throw new Error(`tool "${tool}" maps to "${api}", which the API does not allow (1 to 64 characters)`);
      this.toApi.set(tool, api);
      this.fromApi.set(api, tool);
    }
  }
}

/** The tools a model is offered: the simulated ones and every tool of the user's `tools`. Pure. */
export function offeredTools(endpoints: ToolEndpoints | undefined): string[] {
  return [...new Set<string>([...knownTools, ...Object.keys(endpoints ?? {})])];
}

function toolSpec(tool: string): ToolSpec {
  return (builtinTools as Record<string, ToolSpec>)[tool] ?? controlTools[tool] ?? { description: `Your own tool "${tool}"; it takes a JSON object.`, args: userToolArgs };
}

/**
 * What is wrong with a bring-your-own-agent configuration, or null: tool names the API cannot
 * carry or that clash once mapped, an API key or header variable the call may not read
 * (`allowed`, see secrets.ts) or that is not set. The answer names the JSON path of the problem
 * (for an InputError). Pure apart from reading `env`.
 */
export function byoConfigProblem(
  cfg: { model?: ModelConfig; tools?: ToolEndpoints; asr?: { apiKeyEnv?: string } },
  allowed: ReadonlySet<string>,
  env: NodeJS.ProcessEnv = process.env,
): { path: (string | number)[]; problem: string } | null {
  const seen = new Map<string, string>();
  for (const tool of [...offeredTools(cfg.tools), transferToHuman, endCall]) {
    const api = apiToolName(tool);
    const at = cfg.tools && tool in cfg.tools ? ['tools', tool] : ['tools'];
    if (!api.length || api.length > 64) return { path: at, problem: `the tool name maps to "${api}", longer than the API's 64 characters` };
    const clash = seen.get(api);
    if (clash !== undefined) return { path: at, problem: `"${tool}" and "${clash}" both become the API tool name "${api}"` };
    seen.set(api, tool);
  }
  return envProblem(cfg, allowed, env);
}

/** The system prompt a model gets when the configuration gives none. Pure. */
export function defaultSystemPrompt(tools: readonly string[]): string {
  return [
    'You are the voice agent of Acme support, on a live phone call. Everything you write is spoken to the caller by text-to-speech:',
    'answer in one or two short sentences, with no lists and no markdown. Never invent account data: look it up with a tool.',
    'Tools:',
    ...tools.map((t) => `- ${apiToolName(t)}: ${toolSpec(t).description}`),
    `- ${transferToHuman}: ${controlTools[transferToHuman].description}`,
    `- ${endCall}: ${controlTools[endCall].description}`,
  ].join('\n');
}

type ApiToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };
type ChatMessage = { role: 'system' | 'user'; content: string } | { role: 'assistant'; content: string | null; tool_calls?: ApiToolCall[] } | { role: 'tool'; tool_call_id: string; content: string };

/** A reply put together from either a JSON body or a stream: the same thing, whichever way it came. */
export interface ModelReply {
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  /** From the server's `usage`; null when it sent none. */
  tokens: number | null;
}

export type Fetched = { ok: true; reply: ModelReply } | { ok: false; error: string; tokens: number };

const toolCallShape = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() }),
});
const completionShape = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish(), tool_calls: z.array(toolCallShape).nullish() }) })).min(1),
  usage: z.object({ total_tokens: z.number().nullish() }).nullish(),
});
const chunkShape = z.object({
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(z.object({ index: z.number().int().min(0).optional(), id: z.string().nullish(), function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish() }))
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  usage: z.object({ total_tokens: z.number().nullish() }).nullish(),
  error: z.unknown().optional(),
});

export interface ModelAgentOptions {
  /** Every tool the model may call (callsim names). */
  tools: readonly string[];
  /** A request that has not finished by then is given up (the thinking budget has decided long before). */
  requestTimeoutMs?: number;
  /** The variables the call may read (the key's among them); none by default. */
  env?: CallEnv;
  /** Injected for tests; the default is the global fetch and performance.now. */
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * An `AgentBrain` backed by an OpenAI-compatible chat-completions server. It keeps the
 * conversation (system prompt, the greeting, caller turns, its own tool calls and their
 * results), offers the tools as function tools under API-safe names plus `transfer_to_human`
 * and `end_call`, and measures each request on the wall clock. Garbage — a body that is not
 * JSON, a non-2xx status, an unknown tool, arguments that are not JSON or fail the tool's
 * schema, an empty message — is a failed decision, never a throw. A failed turn leaves the
 * conversation as it was, so the machine's re-ask sends the same request again.
 * Effects: HTTP requests to `baseUrl`; reads the API key from the call's allowed variables (`env`) at request time.
 */
export class ModelAgent implements AgentBrain {
  private readonly history: ChatMessage[];
  private readonly names: ToolNames;
  private readonly apiTools: unknown[];
  /** The tool call the conversation owes a result to (the API requires one per call). */
  private outstanding: { id: string; tool: string } | null = null;
  private nextLocalId = 1;
  private readonly fetch: typeof fetch;
  private readonly env: CallEnv;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: ModelConfig,
    opts: ModelAgentOptions,
  ) {
    this.names = new ToolNames(opts.tools);
    this.apiTools = [...opts.tools, transferToHuman, endCall].map((tool) => {
      const spec = toolSpec(tool);
      const { $schema: _drop, ...parameters } = z.toJSONSchema(spec.args) as Record<string, unknown>;
      return { type: 'function', function: { name: this.names.toApi.get(tool)!, description: spec.description, parameters } };
    });
    this.history = [
      { role: 'system', content: config.systemPrompt ?? defaultSystemPrompt(opts.tools) },
      // the machine's scripted greeting opens every call: the model should know it was said
      { role: 'assistant', content: scriptLines.greeting },
    ];
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.env = opts.env ?? {};
    this.now = opts.now ?? (() => performance.now());
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000;
  }

  /** Asks the model about one input. Effects: one HTTP request; on success, the conversation grows. */
  async respond(input: AgentInput, _rng: Rng): Promise<AgentDecision> {
    const turn = this.turnMessages(input);
    const startedAt = this.now();
    const fetched = await this.request([...this.history, ...turn]);
    const latencyMs = Math.max(0, Math.round(this.now() - startedAt));
    if (!fetched.ok) return { ok: false, error: this.redact(fetched.error), tokens: fetched.tokens, latencyMs };
    const reply: ModelReply = {
      ...fetched.reply,
      content: fetched.reply.content === null ? null : this.redact(fetched.reply.content),
      toolCalls: fetched.reply.toolCalls.map((c) => ({ ...c, arguments: this.redact(c.arguments) })),
    };
    // A server that reports no usage still spends tokens: estimate them, or tokenBudget could never fire.
    const tokens = reply.tokens ?? estimateTokens([...this.history, ...turn], reply);
    const decided = this.interpret(reply);
    if (!decided.ok) return { ok: false, error: this.redact(decided.error), tokens, latencyMs };
    this.history.push(...turn, decided.message);
    this.outstanding = decided.owes;
    return { ok: true, response: decided.response, tokens, latencyMs };
  }

  /** The messages one input adds to the conversation (committed only if the model's answer is usable). */
  private turnMessages(input: AgentInput): ChatMessage[] {
    switch (input.kind) {
      case 'caller': {
        // a tool call the machine never ran (the caller spoke first) still needs its result
        const owed: ChatMessage[] = this.outstanding ? [{ role: 'tool', tool_call_id: this.outstanding.id, content: JSON.stringify({ error: 'not run: the caller spoke first' }) }] : [];
        return [...owed, { role: 'user', content: input.text }];
      }
      case 'tool': {
        const content = JSON.stringify(toolResultForModel(input));
        if (this.outstanding) return [{ role: 'tool', tool_call_id: this.outstanding.id, content }];
        return [{ role: 'user', content: `[${input.tool} answered: ${content}]` }];
      }
      case 'retry':
        return [];
      default:
        return assertNever(input);
    }
  }

  private interpret(reply: ModelReply): { ok: true; response: AgentResponse; message: ChatMessage; owes: { id: string; tool: string } | null } | { ok: false; error: string } {
    const content = reply.content?.trim() ? reply.content : null;
    const call = reply.toolCalls[0];
    if (!call) {
      if (!content) return { ok: false, error: 'the model answered an empty message (no content, no tool call)' };
      return { ok: true, response: { kind: 'say', text: content.trim(), progress: true }, message: { role: 'assistant', content }, owes: null };
    }
    const tool = this.names.fromApi.get(call.name);
    if (tool === undefined) return { ok: false, error: `the model called an unknown tool ${excerpt(call.name, 64)}` };
    let raw: unknown;
    try {
      raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      return { ok: false, error: `the model's arguments for ${tool} are not JSON: ${excerpt(call.arguments)}` };
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: `the model's arguments for ${tool} are not a JSON object: ${excerpt(call.arguments)}` };
    // models often send null for an argument they leave out; that is not garbage
    const args = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== null));
    const parsed = toolSpec(tool).args.safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const what = issue.code === 'unrecognized_keys' ? `unknown argument ${(issue as { keys: string[] }).keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return { ok: false, error: `the model's arguments for ${tool} fail its schema at ${jsonPath(issue.path)}: ${what}` };
    }
    const id = call.id || `call_${this.nextLocalId++}`;
    // one call per turn: the machine runs one tool at a time, and the API wants a result for every call kept
    const message: ChatMessage = { role: 'assistant', content, tool_calls: [{ id, type: 'function', function: { name: call.name, arguments: call.arguments } }] };
    if (tool === transferToHuman) {
      const reason = parsed.data.reason;
      return { ok: true, response: typeof reason === 'string' ? { kind: 'handoff', text: reason } : { kind: 'handoff' }, message, owes: { id, tool } };
    }
    if (tool === endCall) {
      const goodbye = typeof parsed.data.goodbye === 'string' ? parsed.data.goodbye : (content?.trim() ?? 'Thank you for calling. Goodbye!');
      return { ok: true, response: { kind: 'end', text: goodbye }, message, owes: { id, tool } };
    }
    return { ok: true, response: { kind: 'tool', tool, args: parsed.data }, message, owes: { id, tool } };
  }

  private async request(messages: ChatMessage[]): Promise<Fetched> {
    const { config } = this;
    const stream = config.stream === true;
    const endpoint = chatEndpoint(config, this.env, 'model.apiKeyEnv', stream ? 'text/event-stream' : 'application/json');
    if ('error' in endpoint) return { ok: false, error: endpoint.error, tokens: 0 };
    const { url, headers } = endpoint;
    const body = { model: config.name, messages, tools: this.apiTools, tool_choice: 'auto', ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
    let res: Response;
    try {
      res = await this.fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      return { ok: false, error: `the model could not be reached at ${url}: ${networkReason(err, this.timeoutMs)}`, tokens: 0 };
    }
    try {
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        return { ok: false, error: `the model answered HTTP ${res.status}${text.trim() ? `: ${excerpt(errorText(text))}` : ''}`, tokens: 0 };
      }
      // a server that ignores `stream` and answers JSON is read as JSON
      if (stream && (res.headers.get('content-type') ?? '').includes('text/event-stream')) return await readStream(res);
      return parseCompletion(await res.text());
    } catch (err) {
      return { ok: false, error: `the model's answer broke off: ${networkReason(err, this.timeoutMs)}`, tokens: 0 };
    }
  }

  /** The key must never reach the journal, even when a server echoes it in an error or an answer. */
  private redact(text: string): string {
    return redactSecrets(text, [this.config.apiKeyEnv ? this.env[this.config.apiKeyEnv] : undefined]);
  }
}

/**
 * Where a chat-completions request goes and its headers, with the key read from the call's
 * variables (`env`) by the configuration's `apiKeyEnv`; or, when that variable is not set, the
 * error naming it at `keyPath` (its place in the file). Shared by the agent's model, the
 * summarizer and a persona caller's model. Pure.
 */
export function chatEndpoint(
  config: { baseUrl: string; apiKeyEnv?: string },
  env: CallEnv,
  keyPath: string,
  accept = 'application/json',
): { url: string; headers: Record<string, string>; key: string | undefined } | { error: string } {
  const key = config.apiKeyEnv ? env[config.apiKeyEnv] : undefined;
  if (config.apiKeyEnv && !key) return { error: `the environment variable ${config.apiKeyEnv} (${keyPath}) is not set` };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (key) headers.authorization = `Bearer ${key}`;
  return { url: `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`, headers, key };
}

/** `text` with every occurrence of each secret (values shorter than 4 characters are left alone) replaced by [redacted]. Pure. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

/** What the model is told a tool answered. Pure. */
function toolResultForModel(input: Extract<AgentInput, { kind: 'tool' }>): unknown {
  switch (input.outcome) {
    case 'ok':
      return input.data ?? null;
    case 'empty':
      return { error: 'the backend answered with no data' };
    case 'malformed':
      return { error: 'the backend answered a body that is not valid JSON' };
    case 'timeout':
      return { error: 'the backend did not answer in time' };
    case 'error':
      return { error: `the backend failed${input.status ? ` with HTTP ${input.status}` : ''}` };
    default:
      return assertNever(input.outcome);
  }
}

/** A non-streamed chat completion → a reply, or why it is garbage. Pure. */
export function parseCompletion(text: string): Fetched {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `the model answered a body that is not JSON: ${excerpt(text)}`, tokens: 0 };
  }
  const tokens = totalTokens(json);
  const r = completionShape.safeParse(json);
  if (!r.success) return { ok: false, error: `the model's JSON is not a chat completion (${jsonPath(r.error.issues[0].path)}: ${r.error.issues[0].message})`, tokens: tokens ?? 0 };
  const m = r.data.choices[0].message;
  return {
    ok: true,
    reply: {
      content: m.content ?? null,
      toolCalls: (m.tool_calls ?? []).map((c) => ({
        id: c.id ?? '',
        name: c.function.name,
        arguments: typeof c.function.arguments === 'string' ? c.function.arguments : JSON.stringify(c.function.arguments ?? {}),
      })),
      tokens,
    },
  };
}

/** `usage.total_tokens`, or null when the server sent none. Pure. */
function totalTokens(json: unknown): number | null {
  const n = (json as { usage?: { total_tokens?: unknown } } | null)?.usage?.total_tokens;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

/**
 * Tokens a request and its reply used, estimated at four characters a token (the usual rule of
 * thumb for English with GPT-style tokenizers), for servers that report no `usage`. Pure.
 */
export function estimateTokens(messages: readonly ChatMessage[], reply: Pick<ModelReply, 'content' | 'toolCalls'>): number {
  let chars = 0;
  for (const m of messages) chars += (m.content ?? '').length + ('tool_calls' in m && m.tool_calls ? JSON.stringify(m.tool_calls).length : 0);
  chars += (reply.content ?? '').length + reply.toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return Math.ceil(chars / 4);
}

/**
 * Reads a streamed chat completion (server-sent events): `delta.content` and
 * `delta.tool_calls` fragments are put together by index; `usage` comes in the last chunk.
 * Effects: consumes the response body.
 */
async function readStream(res: Response): Promise<Fetched> {
  const reply: ModelReply = { content: null, toolCalls: [], tokens: null };
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let done = false;
  let chunks = 0;
  let head = '';
  let failure: string | null = null;

  const dispatch = () => {
    if (!data.length) return;
    const payload = data.join('\n');
    data = [];
    chunks++;
    if (payload.trim() === '[DONE]') {
      done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      failure = `the model streamed a chunk that is not JSON: ${excerpt(payload)}`;
      return;
    }
    const r = chunkShape.safeParse(json);
    if (!r.success) {
      failure = `the model streamed a chunk that is not a chat completion chunk (${jsonPath(r.error.issues[0].path)}: ${r.error.issues[0].message})`;
      return;
    }
    const chunk = r.data;
    if (chunk.error !== undefined) {
      failure = `the model streamed an error: ${excerpt(errorText(JSON.stringify(chunk.error)))}`;
      return;
    }
    if (chunk.usage) reply.tokens = totalTokens(chunk);
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta;
      if (!delta) continue;
      if (typeof delta.content === 'string') reply.content = (reply.content ?? '') + delta.content;
      for (const [i, frag] of (delta.tool_calls ?? []).entries()) {
        const index = frag.index ?? i;
        const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
        if (frag.id) call.id = frag.id;
        if (frag.function?.name) call.name += frag.function.name;
        if (frag.function?.arguments) call.arguments += frag.function.arguments;
        calls.set(index, call);
      }
    }
  };

  const lines = (text: string) => {
    if (head.length < 200) head += text.slice(0, 200 - head.length);
    buffer += text;
    let nl: number;
    while (!done && failure === null && (nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') dispatch();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      // comments (":") and other fields (event:, id:, retry:) carry nothing for us
    }
  };

  const reader = res.body!.getReader();
  try {
    while (!done && failure === null) {
      const { value, done: end } = await reader.read();
      if (end) break;
      lines(decoder.decode(value, { stream: true }));
    }
    if (!done && failure === null) {
      lines(`${decoder.decode()}\n`);
      dispatch();
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (failure !== null) return { ok: false, error: failure, tokens: reply.tokens ?? 0 };
  if (chunks === 0) return { ok: false, error: `the model's stream carried no data: ${excerpt(head)}`, tokens: 0 };
  reply.toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
  return { ok: true, reply };
}

/** An error body's message, if it is the usual `{ "error": { "message" } }`, else the text. Pure. */
export function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error.message === 'string') return j.error.message;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the text itself
  }
  return text;
}

/** The start of a text, on one line, for an error message. Pure. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${JSON.stringify(flat.slice(0, max))}…` : JSON.stringify(flat);
}

/** Why a fetch failed, in words: refused, timed out, reset. Pure. */
export function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * The model brain a scenario asks for (`agent.model`), or null for the simulated agent. The
 * request timeout sits just past the thinking budget: by then the machine has handed off, and
 * on the virtual clock a server that never answers must not hold the call forever. Pure.
 */
export function modelBrainFor(scenario: Pick<Scenario, 'agent' | 'tools'>, policy: Policy, env: CallEnv): ModelAgent | null {
  const model = scenario.agent?.model;
  return model ? new ModelAgent(model, { tools: offeredTools(scenario.tools), requestTimeoutMs: policy.thinkingBudgetMs + 1000, env }) : null;
}

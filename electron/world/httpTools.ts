import type { CallCommand } from '../../shared/events.ts';
import type { Policy } from '../../shared/policy.ts';
import type { Rng } from '../../shared/rng.ts';
import type { Scenario } from '../../shared/scenario.ts';
import { excerpt, networkReason, redactSecrets } from './model.ts';
import type { ToolAnswer, ToolBackend } from './tools.ts';
import { envReference, type CallEnv } from './secrets.ts';

type ToolCall = Extract<CallCommand, { type: 'tool.call' }>;
export type ToolEndpoint = NonNullable<Scenario['tools']>[string];

/** Status of a call that got no HTTP answer at all (refused, reset, timed out): callsim is the gateway that failed. */
export const noAnswerStatus = 502;

/** The longest body kept as a malformed answer's data (it is journaled). */
const maxBodyKept = 2000;

export interface HttpToolBackendOptions {
  /** A request not finished by then is given up (the tool latency budget has decided before). */
  timeoutMs?: number;
  /** The variables the headers may read (secrets.ts); none by default. */
  env?: CallEnv;
  /** Injected for tests; the default is the global fetch and performance.now. */
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * A user's own tool backend over HTTP (SPEC §2 `tools`): a call's args go as JSON to the
 * configured URL (POST by default; GET puts them in the query string), with the configured
 * headers, where `${NAME}` is read from the call's allowed variables at request time so that a
 * token need not be written in the file (never in the URL or the body: secrets.ts). The answer: `ok` (2xx with JSON), `empty` (2xx with no body or
 * `null`), `malformed` (2xx that is not JSON), `error` (any other status, kept; no answer at
 * all → 502 with the reason). Latency is measured on the wall clock. Faults of the plan and
 * of the control panel are applied on top by ToolsPart, as for the simulated backend.
 * Effects: HTTP requests.
 */
export class HttpToolBackend implements ToolBackend {
  private readonly fetch: typeof fetch;
  private readonly env: CallEnv;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(
    private readonly endpoints: Readonly<Record<string, ToolEndpoint>>,
    opts: HttpToolBackendOptions = {},
  ) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.env = opts.env ?? {};
    this.now = opts.now ?? (() => performance.now());
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  handles(tool: string): boolean {
    return Object.hasOwn(this.endpoints, tool);
  }

  /** Sends one call to its endpoint. Effects: one HTTP request. Never throws. */
  async answer(call: ToolCall, _rng: Rng): Promise<ToolAnswer> {
    const endpoint = this.endpoints[call.tool];
    const method = endpoint.method ?? 'POST';
    const startedAt = this.now();
    const latency = () => Math.max(0, Math.round(this.now() - startedAt));
    const headers = expandHeaders(endpoint.headers ?? {}, this.env);
    if (typeof headers === 'string') return { outcome: 'error', status: noAnswerStatus, data: { error: headers }, latencyMs: 0 };
    let url = endpoint.url;
    const init: RequestInit = { method, headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(this.timeoutMs) };
    if (method === 'GET') url = withQuery(url, call.args);
    else {
      init.body = JSON.stringify(call.args);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    let status: number;
    let text: string;
    try {
      const res = await this.fetch(url, init);
      status = res.status;
      // a backend that echoes the token it was sent must not put it in the journal
      text = redactSecrets(await res.text(), headerSecrets(endpoint.headers ?? {}, this.env));
    } catch (err) {
      return { outcome: 'error', status: noAnswerStatus, data: { error: `${call.tool}: no answer from ${endpoint.url}: ${networkReason(err, this.timeoutMs)}` }, latencyMs: latency() };
    }
    const latencyMs = latency();
    if (status < 200 || status > 299) return { outcome: 'error', status, data: parseOr(text, () => ({ error: `HTTP ${status}${text.trim() ? `: ${excerpt(text, 200)}` : ''}` })), latencyMs };
    if (text.trim() === '') return { outcome: 'empty', status, data: null, latencyMs };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { outcome: 'malformed', status, data: text.slice(0, maxBodyKept), latencyMs };
    }
    return data === null ? { outcome: 'empty', status, data: null, latencyMs } : { outcome: 'ok', status, data, latencyMs };
  }
}

/** `${NAME}` in header values, from the allowed variables; one not there is the error text. Pure. */
function expandHeaders(headers: Readonly<Record<string, string>>, env: CallEnv): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    let missing: string | null = null;
    out[name] = value.replace(envReference, (_, v: string) => {
      const x = env[v];
      if (x === undefined) missing ??= v;
      return x ?? '';
    });
    if (missing) return `header "${name}" needs the environment variable ${missing}, which is not set or not allowed (--allow-env)`;
  }
  return out;
}

/** The values of the environment variables that the headers name: what must not be journaled. Pure. */
function headerSecrets(headers: Readonly<Record<string, string>>, env: CallEnv): string[] {
  return Object.values(headers).flatMap((v) => [...v.matchAll(envReference)].map((m) => env[m[1]] ?? ''));
}

/** The args as query parameters: strings as they are, anything else as JSON. Pure. */
function withQuery(url: string, args: Record<string, unknown>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(args)) if (v !== undefined) u.searchParams.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  return u.toString();
}

function parseOr(text: string, fallback: () => unknown): unknown {
  try {
    const data = JSON.parse(text) as unknown;
    return data ?? fallback();
  } catch {
    return fallback();
  }
}

/**
 * The HTTP backends a scenario asks for (`tools`), to sit before the simulated backend so that
 * unlisted tools stay simulated. The timeout sits just past the tool latency budget, after
 * which the machine has abandoned the call anyway.
 */
export function httpBackendsFor(scenario: Pick<Scenario, 'tools'>, policy: Policy, env: CallEnv): HttpToolBackend[] {
  return scenario.tools && Object.keys(scenario.tools).length ? [new HttpToolBackend(scenario.tools, { timeoutMs: policy.toolLatencyBudgetMs + 1000, env })] : [];
}

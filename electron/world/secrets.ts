// Which environment variables a call may send, and to whom.
//
// A model's `apiKeyEnv` and a tool's `${NAME}` headers read the environment so that a token
// need not be written in a file. But a file names its own hosts, so a scenario from a suite
// someone else wrote could send any variable (AWS_SECRET_ACCESS_KEY, a CI token) to any host.
// So a call reads only variables the user allowed: named with `--allow-env NAME`, or listed in
// the `allowEnv` of the agent file the user runs; the agent file's own references count as
// allowed for its own model and tools (the user chose that file), never for a scenario's.
// Variables are read into headers and the key only, never into URLs or bodies.

import type { ModelConfig, ToolEndpoints } from './model.ts';

/** The variables a call may read, by name: what the world gets instead of process.env. */
export type CallEnv = Readonly<Record<string, string>>;

/** `${NAME}` in a header value. */
export const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A variable a configuration reads, and the JSON path (in that configuration) that names it. */
export interface EnvUse {
  name: string;
  path: (string | number)[];
}

/**
 * The parts of a configuration that read variables: the agent's model, tools' headers, the
 * recognizer, the summarizer, and a persona caller's model (its path is the scenario's).
 */
export interface EnvConfig {
  model?: ModelConfig;
  tools?: ToolEndpoints;
  asr?: { apiKeyEnv?: string };
  summarizer?: { apiKeyEnv?: string };
  persona?: { apiKeyEnv?: string };
}

/** What a scenario's own parts read: its agent's model, its tools and its persona caller's model. Pure. */
export function scenarioEnvConfig(s: { agent?: { model?: ModelConfig }; tools?: ToolEndpoints; caller: { persona?: { model: { apiKeyEnv?: string } } } }): EnvConfig {
  return { model: s.agent?.model, tools: s.tools, persona: s.caller.persona?.model };
}

/** Every variable a model and tool configuration reads, in file order. Pure. */
export function envUses(cfg: EnvConfig): EnvUse[] {
  const uses: EnvUse[] = [];
  if (cfg.persona?.apiKeyEnv) uses.push({ name: cfg.persona.apiKeyEnv, path: ['caller', 'persona', 'model', 'apiKeyEnv'] });
  if (cfg.model?.apiKeyEnv) uses.push({ name: cfg.model.apiKeyEnv, path: ['model', 'apiKeyEnv'] });
  if (cfg.asr?.apiKeyEnv) uses.push({ name: cfg.asr.apiKeyEnv, path: ['asr', 'apiKeyEnv'] });
  if (cfg.summarizer?.apiKeyEnv) uses.push({ name: cfg.summarizer.apiKeyEnv, path: ['summarizer', 'apiKeyEnv'] });
  for (const [tool, endpoint] of Object.entries(cfg.tools ?? {}))
    for (const [header, value] of Object.entries(endpoint.headers ?? {})) for (const m of value.matchAll(envReference)) uses.push({ name: m[1], path: ['tools', tool, 'headers', header] });
  return uses;
}

/**
 * The first variable `cfg` reads that it may not (not in `allowed`) or that is not set, as the
 * JSON path and problem of an InputError; null when every one is allowed and set. Pure.
 */
export function envProblem(cfg: EnvConfig, allowed: ReadonlySet<string>, env: NodeJS.ProcessEnv): { path: (string | number)[]; problem: string } | null {
  for (const use of envUses(cfg)) {
    if (!allowed.has(use.name)) return { path: use.path, problem: `reads the environment variable ${use.name}, which this call may not send: pass --allow-env ${use.name} if the file may have it` };
    if (!env[use.name]) return { path: use.path, problem: `the environment variable ${use.name} is not set` };
  }
  return null;
}

/** The allowed variables that are set, from `env`: the only environment a call's world reads. Pure. */
export function callEnv(allowed: Iterable<string>, env: NodeJS.ProcessEnv = process.env): CallEnv {
  const out: Record<string, string> = {};
  for (const name of allowed) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** `--allow-env` values: repeated, or comma-separated, each a variable name. The bad one, or the set. Pure. */
export function parseAllowEnv(values: readonly string[] | undefined): Set<string> | { bad: string } {
  const out = new Set<string>();
  for (const v of values ?? [])
    for (const name of v.split(',')) {
      const n = name.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) return { bad: n };
      out.add(n);
    }
  return out;
}

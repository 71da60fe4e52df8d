import { z } from 'zod';
import { handoffPriorities, handoffReasons, toolOutcomes, type HandoffReason, type JournalEntry, type JournalInput, type ToolOutcome } from './events.ts';
import { callerIntents, classifyIntent, type CallerIntent } from './intent.ts';
import { initialFrustration, updateFrustration } from './frustration.ts';
import { maskPii, maskDeep } from './pii.ts';

/** The handoff packet of SPEC §5: fixed fields, validated before a human sees them. */
export const handoffPacketSchema = z
  .object({
    reason: z.enum(handoffReasons),
    priority: z.enum(handoffPriorities),
    customer: z.object({ customerId: z.string().nullable(), name: z.string().nullable(), tier: z.string().nullable() }).strict(),
    intent: z.enum(callerIntents),
    toolsAttempted: z.array(z.object({ tool: z.string(), outcome: z.enum(toolOutcomes), count: z.number().int().min(1) }).strict()),
    frustration: z.object({ score: z.number().min(0).max(1), trajectory: z.array(z.number().min(0).max(1)) }).strict(),
    lastCallerUtterances: z.array(z.string()).max(3),
    transcriptExcerpt: z.string(),
    openQuestions: z.array(z.string()),
    /**
     * Only when a summarizer model was asked: what became of each field it filled — `verified`
     * (it stands, every id, name, amount and tool in it found in the journal), `replaced` (the
     * deterministic value stands instead), or `failed` (the model gave nothing usable).
     */
    checks: z.array(z.object({ field: z.string(), verdict: z.enum(['verified', 'replaced', 'failed']), why: z.string() }).strict()).optional(),
  })
  .strict();

export type HandoffPacket = z.infer<typeof handoffPacketSchema>;
export type FieldCheck = NonNullable<HandoffPacket['checks']>[number];

/**
 * What a summarizer model is asked to fill: the packet's fields but the machine's own (reason,
 * priority) and those the journal says verbatim (frustration, last utterances). Strict, so an
 * answer with any other key is garbage.
 */
export const summarizerAnswerSchema = z
  .object({
    customer: handoffPacketSchema.shape.customer,
    intent: handoffPacketSchema.shape.intent,
    toolsAttempted: handoffPacketSchema.shape.toolsAttempted,
    transcriptExcerpt: handoffPacketSchema.shape.transcriptExcerpt.max(4_000),
    openQuestions: handoffPacketSchema.shape.openQuestions.max(10),
  })
  .strict();
export type SummarizerAnswer = z.infer<typeof summarizerAnswerSchema>;

const intentQuestion: Partial<Record<CallerIntent, string>> = {
  balance: "The caller's account balance has not been given.",
  shipping: "The caller's order status has not been given.",
  refund: "The caller's refund has not been processed.",
  escalate: 'The caller wants something the agent may not do (cancellation, complaint or legal).',
};

const reasonQuestion: Record<HandoffReason, string> = {
  caller_request: 'The caller asked for a person.',
  caller_frustration: 'The caller is frustrated: acknowledge before solving.',
  backend_failure: 'A backend kept failing: check its status before retrying.',
  tool_loop: 'The agent kept calling the same tool: its answer may be wrong or empty.',
  latency_timeout: 'The agent took too long to answer.',
  dead_air: 'The caller went silent: they may have left or have a bad line.',
  cost_limit: 'The agent used up its token budget.',
  no_progress: 'The agent could not understand the caller.',
  agent_request: 'The agent asked for a person.',
};

/**
 * Builds the handoff packet from the journal alone — not from the agent's model — into fixed
 * fields, with PII masked in every caller text. Deterministic and pure; throws only if the
 * journal has no handoff (a programmer error).
 */
export function buildHandoffPacket(entries: readonly JournalEntry[]): HandoffPacket {
  const packet = deterministicPacket(entries);
  let asked: Extract<JournalInput, { type: 'summarizer.result' }> | null = null;
  for (const e of entries) if (e.kind === 'input' && e.event.type === 'summarizer.result') asked = e.event;
  return asked ? handoffPacketSchema.parse(maskDeep(checkSummary(packet, asked, entries))) : packet;
}

/**
 * What a summarizer model is asked (OpenAI chat-completions messages): the call as the journal
 * has it up to the handoff — caller words (masked), agent lines, tool calls and their results —
 * and the fields to fill, with the JSON schema for `response_format`. Pure.
 */
export function summarizerRequest(entries: readonly JournalEntry[]): { messages: { role: 'system' | 'user'; content: string }[]; jsonSchema: Record<string, unknown> } {
  const lines: string[] = [];
  for (const e of entries) {
    if (e.kind === 'command' && e.command.type === 'handoff.start') {
      lines.push(`[handoff: ${e.command.reason}, priority ${e.command.priority}]`);
      break;
    }
    if (e.kind === 'command' && e.command.type === 'agent.speak') lines.push(`Agent: ${e.command.text}`);
    if (e.kind === 'command' && e.command.type === 'tool.call') lines.push(`[tool call ${e.command.tool} ${JSON.stringify(maskDeep(e.command.args))}]`);
    if (e.kind === 'input' && e.event.type === 'tool.result')
      lines.push(`[tool result ${e.event.tool}: ${e.event.outcome}${e.event.data === undefined ? '' : ` ${JSON.stringify(maskDeep(e.event.data))}`}]`);
    if (e.kind === 'input' && e.event.type === 'asr.result') lines.push(`Caller: ${maskPii(e.event.text)}`);
  }
  const system =
    'You summarize a phone call that is being handed to a human agent. Answer with one JSON object and nothing else, with exactly these keys: ' +
    `customer {customerId, name, tier: strings from the tool results, or null}, intent (one of ${callerIntents.join(', ')}), ` +
    `toolsAttempted [{tool, outcome (one of ${toolOutcomes.join(', ')}), count}], transcriptExcerpt (the last few lines, "Caller: " / "Agent: "), ` +
    'openQuestions [what the human must still find out or do]. Name no id, amount or order number that the call does not contain.';
  return {
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: lines.join('\n') },
    ],
    jsonSchema: z.toJSONSchema(summarizerAnswerSchema) as Record<string, unknown>,
  };
}

/** The packet with the model's answer merged field by field where the journal bears it out, and the checks. Pure. */
function checkSummary(packet: HandoffPacket, result: Extract<JournalInput, { type: 'summarizer.result' }>, entries: readonly JournalEntry[]): HandoffPacket {
  const failed = (why: string): HandoffPacket => ({ ...packet, checks: [{ field: 'packet', verdict: 'failed', why: `the summarizer model ${result.model} ${why}: the deterministic packet stands` }] });
  if (result.content === undefined) return failed(`failed (${result.error ?? 'no answer'})`);
  let json: unknown;
  try {
    json = JSON.parse(stripFence(result.content));
  } catch {
    return failed('answered something that is not JSON');
  }
  const parsed = summarizerAnswerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return failed(`answered JSON that is not the packet's (${issue.path.join('.') || 'top level'}: ${issue.message})`);
  }
  const answer = parsed.data;
  const known = journalWords(entries, packet);
  const checks: FieldCheck[] = [];
  const out: HandoffPacket = { ...packet, customer: { ...packet.customer } };
  const verify = (field: string, bad: string | null, take: () => void) => {
    if (bad) checks.push({ field, verdict: 'replaced', why: bad });
    else {
      take();
      checks.push({ field, verdict: 'verified', why: 'found in the journal' });
    }
  };
  for (const key of ['customerId', 'name', 'tier'] as const) {
    const v = answer.customer[key];
    const d = packet.customer[key];
    const bad = v === null ? (d === null ? null : `left out what the tools returned (${d})`) : known.values.has(norm(v)) ? null : `"${v}" is in no tool result and nothing the caller said`;
    verify(`customer.${key}`, bad, () => (out.customer[key] = v));
  }
  // intent is one of the known values (the schema holds it to them); it is a reading of the caller, not a fact to find
  verify('intent', null, () => (out.intent = answer.intent));
  const toolBad =
    answer.toolsAttempted
      .map((a) =>
        known.tools.has(a.tool)
          ? packet.toolsAttempted.some((t) => t.tool === a.tool && t.outcome === a.outcome && t.count === a.count)
            ? null
            : `${a.tool} ${a.outcome} x${a.count} is not what the journal counts`
          : `${a.tool} was never called`,
      )
      .find((b) => b !== null) ?? null;
  const missing = packet.toolsAttempted.find((t) => !answer.toolsAttempted.some((a) => a.tool === t.tool && a.outcome === t.outcome));
  verify('toolsAttempted', toolBad ?? (missing ? `left out ${missing.tool} ${missing.outcome}` : null), () => (out.toolsAttempted = answer.toolsAttempted));
  verify('transcriptExcerpt', unknownFact(answer.transcriptExcerpt, known), () => (out.transcriptExcerpt = maskPii(answer.transcriptExcerpt)));
  verify('openQuestions', answer.openQuestions.map((q) => unknownFact(q, known)).find((b) => b !== null) ?? null, () => (out.openQuestions = answer.openQuestions.map(maskPii)));
  return { ...out, checks };
}

/** A model's JSON, without the ``` fence some servers put round it without structured output. */
function stripFence(text: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return m ? m[1] : text;
}

const norm = (v: string) => v.trim().toLowerCase();

/** Every string and number that tool results returned, the caller's words, and the tools called: what a model's fields may name. */
function journalWords(entries: readonly JournalEntry[], packet: HandoffPacket): { values: Set<string>; text: string; tools: Set<string> } {
  const values = new Set<string>();
  const texts: string[] = [];
  const tools = new Set(packet.toolsAttempted.map((t) => t.tool));
  const walk = (v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string' || typeof v === 'number') {
      values.add(norm(String(v)));
      texts.push(String(v));
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  for (const e of entries) {
    if (e.kind === 'command' && e.command.type === 'tool.call') tools.add(e.command.tool);
    if (e.kind !== 'input') continue;
    if (e.event.type === 'tool.result' && e.event.outcome === 'ok') walk(e.event.data, 0);
    if (e.event.type === 'asr.result') {
      values.add(norm(e.event.text));
      texts.push(e.event.text, maskPii(e.event.text));
    }
  }
  return { values, text: texts.join('\n').toLowerCase(), tools };
}

/**
 * The first fact in a model's free text that the journal does not bear out, in words, or null:
 * a number (an id, an amount, an order number: any run with a digit in it) or a tool name.
 */
function unknownFact(text: string, known: { text: string; tools: Set<string> }): string | null {
  for (const m of text.matchAll(/[A-Za-z0-9$€£][A-Za-z0-9_$€£.,:/-]*/g)) {
    const token = m[0].replace(/[.,:]+$/, '');
    if (/\d/.test(token) && !known.text.includes(token.replace(/^[$€£]/, '').toLowerCase())) return `"${token}" is in no tool result and nothing the caller said`;
    if (/^[a-z]+\.[a-zA-Z]+$/.test(token) && !known.tools.has(token)) return `${token} was never called`;
  }
  return null;
}

/** The deterministic packet (the default, and what every model field is checked against). Pure. */
function deterministicPacket(entries: readonly JournalEntry[]): HandoffPacket {
  const start = entries.find((e) => e.kind === 'command' && e.command.type === 'handoff.start');
  if (!start || start.kind !== 'command' || start.command.type !== 'handoff.start') throw new Error('no handoff in this journal');
  const before = entries.filter((e) => e.seq <= start.seq);

  const customer = { customerId: null as string | null, name: null as string | null, tier: null as string | null };
  const attempts = new Map<string, { tool: string; outcome: ToolOutcome; count: number }>();
  const openCalls = new Map<number, string>();
  const count = (tool: string, outcome: ToolOutcome) => {
    const key = `${tool}\u0000${outcome}`;
    const a = attempts.get(key) ?? { tool, outcome, count: 0 };
    a.count++;
    attempts.set(key, a);
  };
  const utterances: string[] = [];
  const transcript: string[] = [];
  let frustration = initialFrustration;
  let failures = 0;
  let intent: CallerIntent = 'unknown';
  /** The model's failures in a row, and the last one's reason. */
  let modelFailures = 0;
  let lastModelError = '';

  for (const e of before) {
    if (e.kind === 'command') {
      const c = e.command;
      if (c.type === 'tool.call') openCalls.set(c.callId, c.tool);
      if (c.type === 'tool.abandon' && openCalls.has(c.callId)) {
        count(openCalls.get(c.callId)!, 'timeout');
        openCalls.delete(c.callId);
        failures++;
      }
      if (c.type === 'agent.speak') transcript.push(`Agent: ${c.text}`);
      // the machine counts failures since the caller's last turn was taken, as here
      if (c.type === 'agent.think' && c.input.kind === 'caller') failures = 0;
    } else if (e.kind === 'input') {
      const ev = e.event;
      if (ev.type === 'tool.result' && openCalls.has(ev.callId)) {
        openCalls.delete(ev.callId);
        count(ev.tool, ev.outcome);
        if (ev.outcome === 'error' || ev.outcome === 'malformed') failures++;
        if (ev.outcome === 'ok' && ev.data && typeof ev.data === 'object') {
          const d = ev.data as Record<string, unknown>;
          if (typeof d.customerId === 'string') customer.customerId = d.customerId;
          if (typeof d.name === 'string') customer.name = d.name;
          if (typeof d.tier === 'string') customer.tier = d.tier;
        }
      }
      if (ev.type === 'agent.failed') {
        count('agent', 'error');
        modelFailures++;
        lastModelError = ev.error;
      }
      if (ev.type === 'agent.response') modelFailures = 0;
      if (ev.type === 'asr.result') {
        const masked = maskPii(ev.text);
        utterances.push(masked);
        transcript.push(`Caller: ${masked}`);
        frustration = updateFrustration(frustration, ev.text, { recentToolFailures: failures });
        const i = classifyIntent(ev.text);
        if (i !== 'unknown' && i !== 'presence' && i !== 'greeting') intent = i;
      }
    }
  }
  const { reason, priority } = start.command;
  const toolsAttempted = [...attempts.values()];
  const openQuestions = [reasonQuestion[reason]];
  if (reason === 'backend_failure' && modelFailures > 0)
    openQuestions.push(`The agent's model failed ${modelFailures} time${modelFailures > 1 ? 's' : ''} in a row (last: ${lastModelError}): check the model server.`);
  const answered = toolsAttempted.some((a) => a.outcome === 'ok' && a.tool !== 'crm.lookupCustomer');
  if (intentQuestion[intent] && (!answered || intent === 'escalate')) openQuestions.push(intentQuestion[intent]!);
  if (!customer.customerId) openQuestions.push('The caller has not been identified.');

  return handoffPacketSchema.parse(
    maskDeep({
      reason,
      priority,
      customer,
      intent,
      toolsAttempted,
      frustration: { score: frustration.score, trajectory: frustration.trajectory },
      lastCallerUtterances: utterances.slice(-3),
      transcriptExcerpt: transcript.slice(-6).join('\n'),
      openQuestions,
    }),
  );
}

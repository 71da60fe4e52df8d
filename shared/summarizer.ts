import { z } from 'zod';
import { handoffPriorities, handoffReasons, toolOutcomes, type HandoffReason, type JournalEntry, type ToolOutcome } from './events.ts';
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
  })
  .strict();

export type HandoffPacket = z.infer<typeof handoffPacketSchema>;

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

import { assertNever } from '../../shared/assertNever.ts';
import type { AgentInput, AgentResponse, CallCommand } from '../../shared/events.ts';
import { classifyIntent, type CallerIntent } from '../../shared/intent.ts';
import type { Rng } from '../../shared/rng.ts';
import type { WorldContext, WorldPart } from './world.ts';

/** How long a model endpoint takes to fail when a fault replaces its answer (a fast HTTP error). */
export const faultedAnswerMs = 150;

/** One decision of an agent brain, with what it cost. */
export type AgentDecision = { ok: true; response: AgentResponse; tokens: number; latencyMs: number } | { ok: false; error: string; tokens: number; latencyMs: number };

/**
 * The agent interface both the simulated agent and a model-backed agent implement; the world
 * is given one by configuration, the machine never knows which.
 */
export interface AgentBrain {
  respond(input: AgentInput, rng: Rng): AgentDecision | Promise<AgentDecision>;
}

export interface SimulatedAgentHabits {
  thinkMs: number | { min: number; max: number };
  tokensPerStep: number;
  onToolError: 'retry' | 'apologize';
}

const toolFor: Partial<Record<CallerIntent, string>> = {
  balance: 'crm.getAccountBalance',
  shipping: 'orders.getShippingStatus',
  refund: 'orders.requestRefund',
};

/**
 * The simulated agent: deterministic intent rules, a seeded think time, a fixed token cost per
 * step. With `onToolError: "retry"` it is the naive model that keeps calling a failing tool,
 * so that the orchestration layer's limits, not the agent's manners, decide the handoff.
 */
export class SimulatedAgent implements AgentBrain {
  private customer: { customerId: string; name: string } | null = null;
  private intent: CallerIntent | null = null;
  private lastInput: AgentInput | null = null;

  constructor(private readonly habits: SimulatedAgentHabits) {}

  respond(input: AgentInput, rng: Rng): AgentDecision {
    const t = this.habits.thinkMs;
    const latencyMs = typeof t === 'number' ? t : rng.int(t.min, t.max);
    return { ok: true, response: this.decide(input), tokens: this.habits.tokensPerStep, latencyMs };
  }

  private decide(input: AgentInput): AgentResponse {
    if (input.kind === 'retry') return this.lastInput ? this.decide(this.lastInput) : { kind: 'say', text: 'How can I help?', progress: true };
    this.lastInput = input;
    if (input.kind === 'caller') return this.onCaller(input.text);
    return this.onTool(input);
  }

  private onCaller(text: string): AgentResponse {
    const intent = classifyIntent(text);
    switch (intent) {
      case 'escalate':
        return { kind: 'handoff', text: 'That needs a specialist.' };
      case 'goodbye':
        return { kind: 'end', text: 'Thanks for calling. Goodbye!' };
      case 'presence':
        return this.intent ? this.nextToolFor(this.intent) : { kind: 'say', text: "Yes, I'm here. How can I help?", progress: true };
      case 'greeting':
        return { kind: 'say', text: 'Hi! How can I help you today?', progress: true };
      case 'balance':
      case 'shipping':
      case 'refund':
        this.intent = intent;
        return this.nextToolFor(intent);
      case 'unknown':
        return { kind: 'say', text: 'Sorry, I can help with balances, orders and refunds. What do you need?', progress: false };
      default:
        return assertNever(intent);
    }
  }

  private nextToolFor(intent: CallerIntent): AgentResponse {
    if (intent !== 'shipping' && !this.customer) return { kind: 'tool', tool: 'crm.lookupCustomer', args: {} };
    const tool = toolFor[intent]!;
    return { kind: 'tool', tool, args: this.customer ? { customerId: this.customer.customerId } : {} };
  }

  private onTool(input: Extract<AgentInput, { kind: 'tool' }>): AgentResponse {
    if (input.outcome === 'ok') {
      const d = (input.data ?? {}) as Record<string, unknown>;
      if (input.tool === 'crm.lookupCustomer') {
        this.customer = { customerId: String(d.customerId), name: String(d.name) };
        return this.intent ? this.nextToolFor(this.intent) : { kind: 'say', text: `Thanks ${d.name}. How can I help?`, progress: true };
      }
      this.intent = null;
      if (input.tool === 'crm.getAccountBalance') return { kind: 'say', text: `Your balance is ${Number(d.balanceUsd).toFixed(2)} dollars.`, progress: true };
      if (input.tool === 'orders.getShippingStatus')
        return {
          kind: 'say',
          text: `Your order ${d.orderId} is ${String(d.status).replace(/_/g, ' ')} with ${d.carrier}, arriving in ${d.etaDays} ${d.etaDays === 1 ? 'day' : 'days'}.`,
          progress: true,
        };
      if (input.tool === 'orders.requestRefund') return { kind: 'say', text: `Your refund ${d.refundId} is ${d.status}.`, progress: true };
      return { kind: 'say', text: 'Done.', progress: true };
    }
    if (this.habits.onToolError === 'retry') return { kind: 'tool', tool: input.tool, args: this.customer ? { customerId: this.customer.customerId } : {} };
    this.intent = null;
    return { kind: 'say', text: "I'm sorry, I can't reach that system right now. Is there anything else I can help with?", progress: true };
  }
}

/**
 * Carries out `agent.think`: asks the brain, applies `agent` faults (latency added; error,
 * malformed and empty become `agent.failed`; timeout never answers), and delivers the answer
 * after its latency on the virtual clock. `agent.cancel`, `agent.kill` and a handoff drop it.
 */
export class AgentPart implements WorldPart {
  private pending: number | null = null;
  private killed = false;

  constructor(
    private readonly ctx: WorldContext,
    private readonly brain: AgentBrain,
  ) {}

  onCommand(command: CallCommand): void {
    switch (command.type) {
      case 'agent.think':
        if (!this.killed) this.think(command.input);
        break;
      case 'agent.kill':
        this.killed = true;
        this.drop();
        break;
      case 'agent.cancel':
      case 'handoff.start':
      case 'call.end':
        this.drop();
        break;
      case 'agent.speak':
      case 'agent.speech.stop':
      case 'agent.speech.pause':
      case 'agent.speech.resume':
      case 'filler.play':
      case 'tool.call':
      case 'tool.abandon':
      case 'asr.abandon':
        break;
      default:
        assertNever(command);
    }
  }

  private drop(): void {
    if (this.pending !== null) this.ctx.scheduler.cancel(this.pending);
    this.pending = null;
    this.generation++;
  }

  /** Bumped by every cancel, so an answer that arrives for a cancelled thought is dropped. */
  private generation = 0;

  private think(input: AgentInput): void {
    const { ctx } = this;
    this.drop();
    const generation = this.generation;
    const startedAt = ctx.scheduler.now;
    const { callIndex: index, addedLatencyMs, failure } = ctx.faultFor('agent');
    let unusable = false; // the model is asked, but what it answers cannot be used
    if (failure)
      switch (failure.mode) {
        case 'timeout':
          return; // never answers: the thinking budget decides
        case 'error':
          return this.failFast(`model HTTP ${failure.status}`, addedLatencyMs);
        case 'empty':
        case 'garble': // recognition's alone (the schema refuses it here); as before, a failed answer
          return this.failFast(`model answered ${failure.mode}`, addedLatencyMs);
        case 'malformed':
          unusable = true;
          break;
        default:
          assertNever(failure);
      }
    const settle = (decision: AgentDecision) => {
      if (generation !== this.generation) return; // cancelled while the model was thinking
      this.pending = ctx.scheduler.at(startedAt + decision.latencyMs + addedLatencyMs, () => {
        this.pending = null;
        if (unusable) ctx.deliver({ type: 'agent.failed', error: 'model answered malformed', tokens: decision.tokens });
        else if (decision.ok) ctx.deliver({ type: 'agent.response', response: decision.response, tokens: decision.tokens });
        else ctx.deliver({ type: 'agent.failed', error: decision.error, tokens: decision.tokens });
      });
    };
    const decision = this.brain.respond(input, ctx.rng(`agent:${index}`));
    if (decision instanceof Promise) ctx.track(decision.then(settle));
    else settle(decision);
  }

  /** A fault that replaces the answer: the model is not asked, and fails like a fast HTTP error. */
  private failFast(error: string, addedLatencyMs: number): void {
    this.pending = this.ctx.scheduler.after(faultedAnswerMs + addedLatencyMs, () => {
      this.pending = null;
      this.ctx.deliver({ type: 'agent.failed', error, tokens: 0 });
    });
  }
}

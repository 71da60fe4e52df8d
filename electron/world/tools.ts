import { assertNever } from '../../shared/assertNever.ts';
import type { CallCommand, ToolOutcome } from '../../shared/events.ts';
import type { FaultFailure } from '../../shared/faults.ts';
import type { Rng } from '../../shared/rng.ts';
import type { WorldContext, WorldPart } from './world.ts';

type ToolCall = Extract<CallCommand, { type: 'tool.call' }>;

/** What a backend answered, before faults. */
export interface ToolAnswer {
  outcome: Exclude<ToolOutcome, 'timeout'>;
  status: number;
  data: unknown;
  latencyMs: number;
}

/** A tool backend: the simulated one, or (issue 7) a user's HTTP backend. */
export interface ToolBackend {
  handles(tool: string): boolean;
  /** Answers one call. A simulated backend answers at once; latency is part of the answer. */
  answer(call: ToolCall, rng: Rng): ToolAnswer | Promise<ToolAnswer>;
}

const firstNames = ['Maria', 'James', 'Aisha', 'Chen', 'Olga', 'Diego', 'Priya', 'Tom'];
const lastNames = ['Garcia', 'Smith', 'Okafor', 'Wei', 'Ivanova', 'Lopez', 'Patel', 'Brown'];
const carriers = ['UPS', 'FedEx', 'USPS', 'DHL'];
const shipStates = ['in_transit', 'out_for_delivery', 'delivered', 'label_created'];

/**
 * The four simulated tools of SPEC §4, answering plausible data drawn from the session's
 * seeded generator (so the same seed gives the same customer, balance and parcel).
 */
export class SimulatedBackend implements ToolBackend {
  private readonly data: { customerId: string; name: string; tier: string; balance: number; orderId: string; carrier: string; shipState: string; etaDays: number };

  constructor(rng: Rng) {
    this.data = {
      customerId: `C-${rng.int(10000, 99999)}`,
      name: `${rng.pick(firstNames)} ${rng.pick(lastNames)}`,
      tier: rng.pick(['standard', 'gold', 'platinum']),
      balance: rng.int(0, 90000) / 100,
      orderId: `A${rng.int(100000, 999999)}`,
      carrier: rng.pick(carriers),
      shipState: rng.pick(shipStates),
      etaDays: rng.int(1, 6),
    };
  }

  handles(tool: string): boolean {
    return ['crm.lookupCustomer', 'crm.getAccountBalance', 'orders.getShippingStatus', 'orders.requestRefund'].includes(tool);
  }

  answer(call: ToolCall, rng: Rng): ToolAnswer {
    const d = this.data;
    const latencyMs = rng.int(90, 320);
    switch (call.tool) {
      case 'crm.lookupCustomer':
        return { outcome: 'ok', status: 200, latencyMs, data: { customerId: d.customerId, name: d.name, tier: d.tier } };
      case 'crm.getAccountBalance':
        return { outcome: 'ok', status: 200, latencyMs, data: { customerId: d.customerId, balanceUsd: d.balance } };
      case 'orders.getShippingStatus':
        return { outcome: 'ok', status: 200, latencyMs, data: { orderId: String(call.args.orderId ?? d.orderId), status: d.shipState, carrier: d.carrier, etaDays: d.etaDays } };
      case 'orders.requestRefund':
        return { outcome: 'ok', status: 200, latencyMs, data: { orderId: String(call.args.orderId ?? d.orderId), refundId: `R-${rng.int(1000, 9999)}`, status: 'approved' } };
      default:
        return { outcome: 'error', status: 404, latencyMs, data: { error: `unknown tool ${call.tool}` } };
    }
  }
}

const malformedBodies = ['{"balanceUsd": 12', '<html>502 Bad Gateway</html>', '{"status": "ok",,}', 'null}'];

/** The answer a backend's answer becomes under a failure; null: it never comes. Pure. */
function faulted(answer: ToolAnswer, failure: FaultFailure | null, callIndex: number): ToolAnswer | null {
  if (!failure) return answer;
  switch (failure.mode) {
    case 'timeout':
      return null;
    case 'error':
      return { ...answer, outcome: 'error', status: failure.status, data: { error: `HTTP ${failure.status}` } };
    case 'empty':
      return { ...answer, outcome: 'empty', status: 200, data: null };
    case 'malformed':
      return { ...answer, outcome: 'malformed', status: 200, data: malformedBodies[callIndex % malformedBodies.length] };
    case 'garble':
      return answer; // recognition's alone: the schema refuses it on a tool
    default:
      return assertNever(failure);
  }
}

/**
 * Carries out `tool.call` commands: asks the backend, applies the fault plan (latency added,
 * errors, timeouts, empty and malformed bodies replace the answer), and delivers `tool.result`
 * after the answer's latency on the virtual clock. A `timeout` never answers; the machine's
 * toolLatencyBudgetMs abandons it.
 */
export class ToolsPart implements WorldPart {
  private readonly pending = new Map<number, number>();

  constructor(
    private readonly ctx: WorldContext,
    private readonly backends: ToolBackend[],
  ) {}

  onCommand(command: CallCommand): void {
    if (command.type === 'tool.call') this.call(command);
    else if (command.type === 'tool.abandon') this.abandon(command.callId);
    else if (command.type === 'handoff.start' || command.type === 'call.end') for (const id of [...this.pending.keys()]) this.abandon(id);
  }

  private call(call: ToolCall): void {
    const { ctx } = this;
    const rng = ctx.rng(`tool:${call.tool}:${call.callId}`);
    const hit = ctx.faultFor(call.tool);
    const backend = this.backends.find((b) => b.handles(call.tool)) ?? this.backends[this.backends.length - 1];
    const startedAt = ctx.scheduler.now;
    const settle = (answer: ToolAnswer, from = startedAt) => {
      const result = faulted(answer, hit.failure, hit.callIndex);
      if (!result) return; // never answers
      const { outcome, status, data } = result;
      const latencyMs = answer.latencyMs + hit.addedLatencyMs;
      this.pending.set(
        call.callId,
        ctx.scheduler.at(from + latencyMs, () => {
          this.pending.delete(call.callId);
          ctx.deliver({ type: 'tool.result', callId: call.callId, tool: call.tool, outcome, status, data, latencyMs });
        }),
      );
    };
    if (hit.failure?.mode === 'timeout') return; // never answers: the latency budget decides, and the backend is not asked
    const answer = backend.answer(call, rng);
    if (answer instanceof Promise) ctx.track(answer.then((a) => !this.abandoned.has(call.callId) && settle(a, startedAt)));
    else settle(answer, startedAt);
  }

  /** Calls given up on (timeout, handoff): an HTTP answer that arrives later is dropped. */
  private readonly abandoned = new Set<number>();

  private abandon(callId: number): void {
    this.abandoned.add(callId);
    const job = this.pending.get(callId);
    if (job !== undefined) this.ctx.scheduler.cancel(job);
    this.pending.delete(callId);
  }
}

import { describe, expect, it } from 'vitest';
import { faultEffect, faultSchema, type Fault } from '../../shared/faults.ts';
import { createRng } from '../../shared/rng.ts';
import { run } from '../helpers.ts';

const tool = 'crm.getAccountBalance';
const error = (extra: Partial<Fault> = {}): Fault => ({ target: tool, mode: 'error', status: 503, ...extra });
/** Whether the `callIndex`-th call at `nowMs` fails under `plan` (a fresh generator per call). */
const fails = (plan: Fault[], nowMs: number, callIndex = 1, seed = 1) => faultEffect(plan, tool, callIndex, nowMs, createRng(seed)).failure !== null;

describe('fault time windows', () => {
  it('fromMs: the fault applies from that virtual time on, inclusive', () => {
    const plan = [error({ fromMs: 5000 })];
    expect([0, 4999, 5000, 5001, 3_600_000].map((t) => fails(plan, t))).toEqual([false, false, true, true, true]);
  });

  it('toMs: the fault applies until that virtual time, exclusive', () => {
    const plan = [error({ toMs: 8000 })];
    expect([0, 7999, 8000, 8001].map((t) => fails(plan, t))).toEqual([true, true, false, false]);
  });

  it('fromMs and toMs together: a blackout [fromMs, toMs)', () => {
    const plan = [error({ fromMs: 5000, toMs: 8000 })];
    expect([4999, 5000, 7999, 8000].map((t) => fails(plan, t))).toEqual([false, true, true, false]);
  });

  it('a window that closes before it opens is refused', () => {
    const r = faultSchema.safeParse(error({ fromMs: 8000, toMs: 8000 }));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['toMs', '"toMs" must be after "fromMs"']]);
    expect(faultSchema.safeParse(error({ fromMs: -1 })).success).toBe(false);
  });

  it('a window applies on the call clock: a blackout over the first call only, retried after it closes', async () => {
    // "Where is my package?" is asked 1000–2620; the agent calls the tool at 3620 (seeded latency
    // 246), the orchestration layer retries 100 ms after the failure, at 3966
    const r = await run({
      caller: { turns: [{ at: 1000, say: 'Where is my package?' }, { hangUp: true }] },
      faults: [{ target: 'orders.getShippingStatus', mode: 'error', status: 503, fromMs: 3600, toMs: 3900 }],
    });
    expect(r.result.toolCalls.map((c) => [c.startMs, c.endMs, c.outcome, c.status])).toEqual([
      [3620, 3866, 'error', 503],
      [3966, 4185, 'ok', 200],
    ]);
    const later = await run({
      caller: { turns: [{ at: 1000, say: 'Where is my package?' }, { hangUp: true }] },
      faults: [{ target: 'orders.getShippingStatus', mode: 'error', status: 503, fromMs: 3621 }],
    });
    expect(later.result.toolCalls.map((c) => [c.startMs, c.outcome])).toEqual([[3620, 'ok']]);
  });
});

describe('fault calls', () => {
  it('lists the 1-based indexes of the calls that fail', () => {
    const plan = [error({ calls: [2, 4] })];
    expect([1, 2, 3, 4, 5].map((i) => fails(plan, 0, i))).toEqual([false, true, false, true, false]);
  });

  it('combines with a window: both must hold', () => {
    const plan = [error({ calls: [1, 2], fromMs: 1000 })];
    expect([fails(plan, 999, 1), fails(plan, 1000, 1), fails(plan, 1000, 3)]).toEqual([false, true, false]);
  });
});

describe('fault probability', () => {
  const draws = (plan: Fault[], seed: number, n = 200) => {
    const rng = createRng(seed);
    return Array.from({ length: n }, (_, i) => faultEffect(plan, tool, i + 1, 0, rng).failure !== null);
  };

  it('draws from the seeded generator: the same seed gives the same failures, another seed others', () => {
    const plan = [error({ probability: 0.3 })];
    expect(draws(plan, 42)).toEqual(draws(plan, 42));
    expect(draws(plan, 43)).not.toEqual(draws(plan, 42));
  });

  it('fails about as often as it says, and 0 and 1 are never and always', () => {
    const rate = draws([error({ probability: 0.3 })], 7, 2000).filter(Boolean).length / 2000;
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
    expect(draws([error({ probability: 0 })], 7).some(Boolean)).toBe(false);
    expect(draws([error({ probability: 1 })], 7).every(Boolean)).toBe(true);
  });

  it('draws whether or not the window and calls hold, so a window does not shift later draws', () => {
    const outside = createRng(5);
    const inside = createRng(5);
    faultEffect([error({ probability: 0.5, fromMs: 10_000, calls: [9] })], tool, 1, 0, outside);
    faultEffect([error({ probability: 0.5 })], tool, 1, 0, inside);
    expect(outside.next()).toBe(inside.next());
  });

  it('a fault on another target draws nothing', () => {
    const rng = createRng(5);
    const untouched = createRng(5);
    expect(faultEffect([{ target: 'orders.requestRefund', mode: 'error', probability: 0.5 }], tool, 1, 0, rng)).toEqual({ addedLatencyMs: 0, failure: null });
    expect(rng.next()).toBe(untouched.next());
  });
});

describe('fault effects', () => {
  it('latencies add up; the first failure in the plan wins; a missing status is 500', () => {
    const plan: Fault[] = [
      { target: tool, mode: 'latency', ms: 300 },
      { target: tool, mode: 'error' },
      { target: tool, mode: 'latency', ms: 200 },
      { target: tool, mode: 'timeout' },
    ];
    expect(faultEffect(plan, tool, 1, 0, createRng(1))).toEqual({ addedLatencyMs: 500, failure: { mode: 'error', status: 500 } });
  });
});

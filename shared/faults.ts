import { z } from 'zod';
import type { Rng } from './rng.ts';

/** The simulated backends of SPEC §4; any other dotted name is a user's own tool. */
export const knownTools = [
  'crm.lookupCustomer',
  'crm.getAccountBalance',
  'orders.getShippingStatus',
  'orders.requestRefund',
] as const;

export const faultModes = ['latency', 'error', 'timeout', 'empty', 'malformed', 'garble'] as const;
export type FaultMode = (typeof faultModes)[number];

const target = z
  .string()
  .regex(/^(agent|asr|tts|[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+)$/, 'a tool name like "crm.getAccountBalance", or "agent", "asr", "tts"');

/** One fault of a fault plan (SPEC §4). Strict: unknown keys are errors. */
export const faultSchema = z
  .object({
    target,
    mode: z.enum(faultModes),
    ms: z.number().int().min(0).max(3_600_000).optional(),
    status: z.number().int().min(100).max(599).optional(),
    probability: z.number().min(0).max(1).optional(),
    fromMs: z.number().int().min(0).optional(),
    toMs: z.number().int().min(0).optional(),
    calls: z.array(z.number().int().min(1)).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.mode === 'latency' && f.ms === undefined)
      ctx.addIssue({ code: 'custom', path: ['ms'], message: 'a latency fault needs "ms"' });
    if (f.mode === 'garble' && f.target !== 'asr')
      ctx.addIssue({ code: 'custom', path: ['mode'], message: '"garble" applies to the "asr" target only' });
    if (f.fromMs !== undefined && f.toMs !== undefined && f.toMs <= f.fromMs)
      ctx.addIssue({ code: 'custom', path: ['toMs'], message: '"toMs" must be after "fromMs"' });
  });

export type Fault = z.infer<typeof faultSchema>;
export const faultPlanSchema = z.array(faultSchema);

/** What the faults of a plan do to one call of one target. */
export interface FaultEffect {
  /** Extra latency added to the call, in ms. */
  addedLatencyMs: number;
  /** The failure that replaces the answer, if any (first matching fault wins). */
  failure: null | { mode: 'error'; status: number } | { mode: 'timeout' | 'empty' | 'malformed' | 'garble' };
}

/**
 * Decides which faults hit the `callIndex`-th call (1-based) of `target` at `nowMs`.
 * Every fault with a probability draws from `rng` whether or not its other conditions hold,
 * so the stream of draws depends only on the number of calls, not on the plan's windows.
 * Effects: advances `rng`.
 */
export function faultEffect(plan: readonly Fault[], targetName: string, callIndex: number, nowMs: number, rng: Rng): FaultEffect {
  const effect: FaultEffect = { addedLatencyMs: 0, failure: null };
  for (const f of plan) {
    if (f.target !== targetName) continue;
    const drawn = f.probability === undefined ? true : rng.next() < f.probability;
    if (!drawn) continue;
    if (f.fromMs !== undefined && nowMs < f.fromMs) continue;
    if (f.toMs !== undefined && nowMs >= f.toMs) continue;
    if (f.calls && !f.calls.includes(callIndex)) continue;
    if (f.mode === 'latency') effect.addedLatencyMs += f.ms ?? 0;
    else if (!effect.failure) effect.failure = f.mode === 'error' ? { mode: 'error', status: f.status ?? 500 } : { mode: f.mode };
  }
  return effect;
}

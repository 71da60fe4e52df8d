import { z } from 'zod';
import { assertNever } from './assertNever.ts';
import type { Rng } from './rng.ts';
import { faultApplies, faultModes, faultParam, onlyTarget, serviceTargets, type FaultMode } from './faultModes.ts';

export { faultApplies, faultModes, faultParam, faultTargets, knownTools, onlyTarget, serviceTargets, type FaultMode, type ServiceTarget } from './faultModes.ts';

const target = z
  .string()
  .regex(new RegExp(`^(${serviceTargets.join('|')}|[A-Za-z_][\\w-]*(\\.[A-Za-z_][\\w-]*)+)$`), `a tool name like "crm.getAccountBalance", or ${serviceTargets.map((t) => `"${t}"`).join(', ')}`);

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
    calls: z.array(z.number().int().min(1)).max(10_000).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (faultParam[f.mode] === 'ms' && f.ms === undefined) ctx.addIssue({ code: 'custom', path: ['ms'], message: `a ${f.mode} fault needs "ms"` });
    if (!faultApplies(f.mode, f.target)) ctx.addIssue({ code: 'custom', path: ['mode'], message: `"${f.mode}" applies to the "${onlyTarget[f.mode]}" target only` });
    if (f.fromMs !== undefined && f.toMs !== undefined && f.toMs <= f.fromMs) ctx.addIssue({ code: 'custom', path: ['toMs'], message: '"toMs" must be after "fromMs"' });
  });

export type Fault = z.infer<typeof faultSchema>;
/** At most 1,000 faults in one plan (length limits: README, "Hardening, measured"). */
export const faultPlanSchema = z.array(faultSchema).max(1_000);

/** What a failure carries besides its mode. */
interface FailureDetail {
  error: { status: number };
}

/** Every mode but latency, which only delays. */
type FailureMode = Exclude<FaultMode, 'latency'>;

/**
 * A failure that replaces the answer of one call. A mode added to `faultModes` is a new member
 * here, and each part of the world that switches over failures (tools, agent, recognition, the
 * agent's voice) must decide what it does with it before the code compiles.
 */
export type FaultFailure = { [M in FailureMode]: { mode: M } & (M extends keyof FailureDetail ? FailureDetail[M] : unknown) }[FailureMode];

/** What the faults of a plan do to one call of one target. */
export interface FaultEffect {
  /** Extra latency added to the call, in ms. */
  addedLatencyMs: number;
  /** The failure that replaces the answer, if any (first matching fault wins). */
  failure: FaultFailure | null;
}

/** The failure a fault of `mode` stands for. Pure. */
function failureOf(mode: FailureMode, status: number | undefined): FaultFailure {
  switch (mode) {
    case 'error':
      return { mode, status: status ?? 500 };
    case 'timeout':
    case 'empty':
    case 'malformed':
    case 'garble':
      return { mode };
    default:
      return assertNever(mode);
  }
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
    else if (!effect.failure) effect.failure = failureOf(f.mode, f.status);
  }
  return effect;
}

/** What the plan does to one call, and which call of its target it is. */
export interface FaultHit extends FaultEffect {
  /** 1-based, counted per target (tools, agent, asr and tts apart), as the plan's `calls` counts. */
  callIndex: number;
}

/**
 * The world's one way to learn its faults: returns `faultFor(target)`, which counts a call to
 * `target` and decides what the live plan (read at each call, so control-panel changes apply
 * at once) does to it at `now()`. Each call draws from its own fork of `rng`, by target and
 * index, so one target's calls never shift another's draws. Effects: the returned function
 * counts calls.
 */
export function faultsFor(plan: () => readonly Fault[], now: () => number, rng: Rng): (target: string) => FaultHit {
  const calls = new Map<string, number>();
  return (targetName) => {
    const callIndex = (calls.get(targetName) ?? 0) + 1;
    calls.set(targetName, callIndex);
    return { callIndex, ...faultEffect(plan(), targetName, callIndex, now(), rng.fork(`fault:${targetName}:${callIndex}`)) };
  };
}

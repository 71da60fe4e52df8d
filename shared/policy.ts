import { z } from 'zod';

/**
 * The orchestration policy of SPEC §3: the limits and budgets that decide a handoff.
 * Every key is optional in files; these defaults fill the rest.
 */
export const policyDefaults = {
  toolLatencyBudgetMs: 800,
  toolRetries: 1,
  circuitBreakerFailures: 3,
  sameToolMaxConsecutive: 3,
  fillerAfterMs: 600,
  thinkingBudgetMs: 3000,
  deadAirMs: 5000,
  deadAirReprompts: 2,
  noProgressTurns: 3,
  tokenBudget: 20000,
  frustrationThreshold: 0.7,
  bargeInMinSpeechMs: 250,
  endOfTurnSilenceMs: 600,
} as const;

export type Policy = { -readonly [K in keyof typeof policyDefaults]: number };
export type PolicyKey = keyof Policy;

const ms = z.number().int().min(0).max(3_600_000);
const count = z.number().int().min(0).max(1000);

/** Strict schema of a policy override: unknown keys and wrong types are errors. */
export const policyOverrideSchema = z
  .object({
    toolLatencyBudgetMs: ms.min(1),
    toolRetries: count,
    circuitBreakerFailures: count.min(1),
    sameToolMaxConsecutive: count.min(1),
    fillerAfterMs: ms,
    thinkingBudgetMs: ms.min(1),
    deadAirMs: ms.min(1),
    deadAirReprompts: count,
    noProgressTurns: count,
    tokenBudget: z.number().int().min(1),
    frustrationThreshold: z.number().min(0).max(1),
    bargeInMinSpeechMs: ms,
    endOfTurnSilenceMs: ms.min(1),
  })
  .partial()
  .strict();

export type PolicyOverride = z.infer<typeof policyOverrideSchema>;

/** Applies overrides, left to right, on top of the defaults. Pure. */
export function resolvePolicy(...overrides: (PolicyOverride | undefined)[]): Policy {
  const policy: Policy = { ...policyDefaults };
  for (const o of overrides) if (o) Object.assign(policy, o);
  return policy;
}

/** The keys whose value differs between two policies, for what-if reports. Pure. */
export function policyDiff(a: Policy, b: Policy): PolicyKey[] {
  return (Object.keys(policyDefaults) as PolicyKey[]).filter((k) => a[k] !== b[k]);
}

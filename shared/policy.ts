import { z } from 'zod';
import { policyKeys, type PolicyKey } from './policyDefaults.ts';

export { asPolicy, keysAddedSince, policyDefaults, policyDiff, policyKeys, resolvePolicy, type JournaledPolicy, type Policy, type PolicyKey } from './policyDefaults.ts';

const ms = z.number().int().min(0).max(3_600_000);
const count = z.number().int().min(0).max(1000);

/**
 * What a file may set each key of the policy (SPEC §3) to. The keys, their order and their
 * defaults are policyDefaults.ts's (zod-free, for the UI's first script); this table must name
 * exactly those keys, or it does not compile.
 */
const policySchemas = {
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
  falseInterruptionTimeoutMs: ms.min(1),
  endOfTurnSilenceMs: ms.min(1),
} satisfies { [K in PolicyKey]: z.ZodNumber };

/** Strict schema of a policy override: unknown keys and wrong types are errors. */
export const policyOverrideSchema = z
  .object(Object.fromEntries(policyKeys.map((k) => [k, policySchemas[k]])) as { [K in PolicyKey]: z.ZodNumber })
  .partial()
  .strict();

export type PolicyOverride = z.infer<typeof policyOverrideSchema>;

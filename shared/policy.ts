import { z } from 'zod';

const ms = z.number().int().min(0).max(3_600_000);
const count = z.number().int().min(0).max(1000);

/**
 * The orchestration policy of SPEC §3: the limits and budgets that decide a handoff. Each key
 * once, with its default and what a file may set it to; the defaults, the override schema and
 * the types all come from this table, so a new key is added here alone.
 */
const policyTable = {
  toolLatencyBudgetMs: { default: 800, schema: ms.min(1) },
  toolRetries: { default: 1, schema: count },
  circuitBreakerFailures: { default: 3, schema: count.min(1) },
  sameToolMaxConsecutive: { default: 3, schema: count.min(1) },
  fillerAfterMs: { default: 600, schema: ms },
  thinkingBudgetMs: { default: 3000, schema: ms.min(1) },
  deadAirMs: { default: 5000, schema: ms.min(1) },
  deadAirReprompts: { default: 2, schema: count },
  noProgressTurns: { default: 3, schema: count },
  tokenBudget: { default: 20000, schema: z.number().int().min(1) },
  frustrationThreshold: { default: 0.7, schema: z.number().min(0).max(1) },
  bargeInMinSpeechMs: { default: 250, schema: ms },
  /**
   * How long the agent stays paused over caller speech (from the pause) before it stops for good:
   * a backchannel has ended and been told one by then.
   */
  falseInterruptionTimeoutMs: { default: 1500, schema: ms.min(1) },
  endOfTurnSilenceMs: { default: 600, schema: ms.min(1) },
} satisfies Record<string, { default: number; schema: z.ZodNumber }>;

export type PolicyKey = keyof typeof policyTable;
export type Policy = { [K in PolicyKey]: number };
/** Keys added after sessions were first journaled: a session from before lacks them (see the machine's stopsWithoutPause). */
export const keysAddedSince = ['falseInterruptionTimeoutMs'] as const;
/** A policy as a session journaled it: every key but those added since it was made. */
export type JournaledPolicy = Omit<Policy, (typeof keysAddedSince)[number]> & Partial<Pick<Policy, (typeof keysAddedSince)[number]>>;
/**
 * A journaled policy as the machine takes it. A key added since the session was made stays
 * missing rather than defaulted: replay, what-if and fork then play the session by the rules it
 * was made under (the machine checks for the missing key). Pure.
 */
export const asPolicy = (p: JournaledPolicy): Policy => p as Policy;

/** The keys in the table's order (the order files, editors and reports show them in). */
export const policyKeys: readonly PolicyKey[] = Object.keys(policyTable) as PolicyKey[];

/** Every key is optional in files; these fill the rest. */
export const policyDefaults: Readonly<Policy> = Object.fromEntries(policyKeys.map((k) => [k, policyTable[k].default])) as Policy;

/** Strict schema of a policy override: unknown keys and wrong types are errors. */
export const policyOverrideSchema = z
  .object(Object.fromEntries(policyKeys.map((k) => [k, policyTable[k].schema])) as { [K in PolicyKey]: z.ZodNumber })
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
  return policyKeys.filter((k) => a[k] !== b[k]);
}

// The orchestration policy's keys, defaults and the pure functions over them, apart from
// policy.ts's schema: the UI's first script uses these and must not carry zod. policy.ts
// re-exports all of it, and its schema table is typed against these keys. Pure, no imports.

/**
 * The orchestration policy of SPEC §3: the limits and budgets that decide a handoff, each key
 * once with its default, in the order files, editors and reports show them. What a file may set
 * each to is policy.ts's schema table, which must name exactly these keys (or nothing compiles).
 */
const defaults = {
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
  /**
   * How long the agent stays paused over caller speech (from the pause) before it stops for good:
   * a backchannel has ended and been told one by then.
   */
  falseInterruptionTimeoutMs: 1500,
  endOfTurnSilenceMs: 600,
};

export type PolicyKey = keyof typeof defaults;
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
export const policyKeys: readonly PolicyKey[] = Object.keys(defaults) as PolicyKey[];

/** Every key is optional in files; these fill the rest. */
export const policyDefaults: Readonly<Policy> = defaults;

/** Applies overrides (policy.ts's `PolicyOverride`), left to right, on top of the defaults. Pure. */
export function resolvePolicy(...overrides: (Partial<Policy> | undefined)[]): Policy {
  const policy: Policy = { ...policyDefaults };
  for (const o of overrides) if (o) Object.assign(policy, o);
  return policy;
}

/** The keys whose value differs between two policies, for what-if reports. Pure. */
export function policyDiff(a: Policy, b: Policy): PolicyKey[] {
  return policyKeys.filter((k) => a[k] !== b[k]);
}

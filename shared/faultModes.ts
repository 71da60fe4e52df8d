// The fault plan's targets and modes (SPEC §4), apart from faults.ts's schemas: the UI's first
// script uses these and must not carry zod. faults.ts re-exports all of it. Pure, no imports.

/** The simulated backends of SPEC §4; any other dotted name is a user's own tool. */
export const knownTools = ['crm.lookupCustomer', 'crm.getAccountBalance', 'orders.getShippingStatus', 'orders.requestRefund'] as const;

/** The targets that are not tools: the agent's model, recognition and synthesis. */
export const serviceTargets = ['agent', 'asr', 'tts'] as const;
export type ServiceTarget = (typeof serviceTargets)[number];
/** What the control panel offers a fault for: each simulated tool and each service. */
export const faultTargets = [...knownTools, ...serviceTargets] as const;

export const faultModes = ['latency', 'error', 'timeout', 'empty', 'malformed', 'garble'] as const;
export type FaultMode = (typeof faultModes)[number];

/** The parameter a mode is set with, if any (`status` defaults to 500; `ms` is required). */
export const faultParam = {
  latency: 'ms',
  error: 'status',
  timeout: null,
  empty: null,
  malformed: null,
  garble: null,
} as const satisfies Record<FaultMode, 'ms' | 'status' | null>;

/** Modes that one target alone takes: garble replaces recognised words. */
export const onlyTarget: { readonly [M in FaultMode]?: ServiceTarget } = { garble: 'asr' };

/** Whether a fault of `mode` may be set on `target` (the schema refuses the rest). Pure. */
export function faultApplies(mode: FaultMode, target: string): boolean {
  const only = onlyTarget[mode];
  return only === undefined || only === target;
}

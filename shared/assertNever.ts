/**
 * Exhaustiveness check for switches over unions: the compiler rejects the call while a member
 * is unhandled, so a new member is chased into every switch that must decide about it.
 * Throws if reached anyway (a value from outside the types, e.g. an old journal).
 */
export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}

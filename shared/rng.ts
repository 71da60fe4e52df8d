/**
 * Seeded pseudo-random numbers (mulberry32). The machine and the world never call
 * Math.random(): every draw comes from a generator seeded by the session's seed, so two runs
 * with the same seed draw the same numbers in the same order.
 */
export interface Rng {
  /** A float in [0, 1). Advances the generator. */
  next(): number;
  /** An integer in [min, max] inclusive. Advances the generator. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. Advances the generator. */
  pick<T>(items: readonly T[]): T;
  /** A new independent generator derived from this one and a label (e.g. a tool name). Pure. */
  fork(label: string): Rng;
}

function hashLabel(label: string): number {
  // FNV-1a: a stable 32-bit hash so a fork's stream depends only on (seed, label).
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Creates a generator from a 32-bit seed. Pure: no global state. */
export function createRng(seed: number): Rng {
  const origin = seed >>> 0;
  let state = origin;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    fork: (label) => createRng((origin ^ hashLabel(label)) >>> 0),
  };
}

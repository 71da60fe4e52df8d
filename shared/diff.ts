import { policyDiff, type Policy } from './policy.ts';
import type { RunResult } from './result.ts';

/** What changed between two runs, for `whatif`. */
export interface RunDiff {
  policyChanged: string[];
  outcome: [string, string];
  handoff: [string, string];
  toolCalls: [number, number];
  tokens: [number, number];
  firstDifference: null | { index: number; atMs: number; before: string; after: string };
}

/** Compares two results transition by transition. Pure. */
export function diffRuns(a: RunResult, b: RunResult, pa: Policy, pb: Policy): RunDiff {
  const h = (r: RunResult) => (r.handoff ? `${r.handoff.reason} (${r.handoff.priority}) at ${r.handoff.atMs} ms` : 'none');
  let firstDifference: RunDiff['firstDifference'] = null;
  const n = Math.max(a.transitions.length, b.transitions.length);
  for (let i = 0; i < n; i++) {
    const x = a.transitions[i];
    const y = b.transitions[i];
    if (!x || !y || x.state !== y.state || x.atMs !== y.atMs) {
      firstDifference = {
        index: i,
        atMs: Math.min(x?.atMs ?? Infinity, y?.atMs ?? Infinity),
        before: x ? `${x.state} at ${x.atMs} ms` : 'no transition',
        after: y ? `${y.state} at ${y.atMs} ms` : 'no transition',
      };
      break;
    }
  }
  return {
    policyChanged: policyDiff(pa, pb).map((k) => `${k}: ${pa[k]} → ${pb[k]}`),
    outcome: [a.outcome, b.outcome],
    handoff: [h(a), h(b)],
    toolCalls: [a.toolCalls.length, b.toolCalls.length],
    tokens: [a.metrics.tokens, b.metrics.tokens],
    firstDifference,
  };
}

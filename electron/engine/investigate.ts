import type { JournalEntry, SessionSource } from '../../shared/events.ts';
import type { Fault } from '../../shared/faults.ts';
import { asPolicy, type PolicyOverride, type Policy } from '../../shared/policy.ts';
import { replayJournal, type Divergence } from '../../shared/replay.ts';
import { scenarioSchema } from '../../shared/scenario.ts';
import type { RunResult } from '../../shared/result.ts';
import { diffRuns, type RunDiff } from '../../shared/diff.ts';
import type { SessionStore } from '../store/sessions.ts';
import { InputError } from '../../shared/validate.ts';
import type { CallSetup, ControlAction } from './runner.ts';
import { runSession, type SessionRun } from './session.ts';
import { setupFor, type CallerSource } from './setup.ts';
import { journaledAnswers } from '../callers/persona.ts';

/** The SPEC §1 `replay --json` object. */
export interface ReplayReport {
  sessionId: string;
  identical: boolean;
  events: number;
  transitions: number;
  divergence: Divergence | null;
  /** Set when the journal is empty (a call killed before its first entries were committed): why there is nothing to replay. */
  nothingToReplay?: string;
}

type SessionStarted = Extract<JournalEntry, { kind: 'input' }>['event'] & { type: 'session.started' };

/** The session.started event of a journal (policy, faults, seed, source). */
export function sessionStart(entries: readonly JournalEntry[], id: string): SessionStarted {
  if (entries.length === 0) throw new InputError(id, '', 'nothing was journaled (the call ended before its first entries were written): there is no call to go on from');
  const e = entries.find((x) => x.kind === 'input' && x.event.type === 'session.started');
  if (!e || e.kind !== 'input') throw new InputError(id, 'journal', 'has no session.started event (not a callsim session)');
  return e.event as SessionStarted;
}

/**
 * Re-executes a saved session from its journal alone (no world) and checks every transition
 * against the recorded one. Pure apart from reading the store.
 */
export function replaySession(store: SessionStore, idOrPrefix: string): ReplayReport {
  const s = store.resolve(idOrPrefix);
  const entries = store.journal(s.sessionId);
  // A call killed before its first tick was committed has a session row and nothing else: it
  // replays to its cut, which is the start.
  if (entries.length === 0) {
    const why = s.status === 'running' ? 'still running, nothing journaled yet' : 'interrupted before anything was journaled';
    return { sessionId: s.sessionId, identical: true, events: 0, transitions: 0, divergence: null, nothingToReplay: why };
  }
  sessionStart(entries, s.sessionId);
  const r = replayJournal(entries);
  return { sessionId: s.sessionId, identical: r.identical, events: r.events, transitions: r.transitions.length, divergence: r.divergence };
}

/** Live control actions journaled in a session, to apply again at the same times. */
export function journaledControls(entries: readonly JournalEntry[], untilMs = Infinity): { atMs: number; action: ControlAction }[] {
  const out: { atMs: number; action: ControlAction }[] = [];
  for (const e of entries) {
    if (e.kind !== 'input' || e.atMs > untilMs) continue;
    const ev = e.event;
    if (ev.type === 'control.fault.set') out.push({ atMs: e.atMs, action: { type: 'fault.set', fault: ev.fault } });
    else if (ev.type === 'control.fault.cleared') out.push({ atMs: e.atMs, action: { type: 'fault.clear', target: ev.target } });
    else if (ev.type === 'control.policy.set') out.push({ atMs: e.atMs, action: { type: 'policy.set', patch: ev.patch } });
  }
  return out;
}

/** The scenario a session was run from, following fork/what-if links to the original. */
function originalSource(store: SessionStore, start: SessionStarted): SessionSource {
  let src = start.source;
  for (let hops = 0; (src.kind === 'fork' || src.kind === 'whatif') && hops < 100; hops++) {
    if (src.scenario) return { kind: 'scenario', name: String((src.scenario as { name?: string }).name ?? 'scenario'), scenario: src.scenario };
    src = sessionStart(store.journal(src.parentId), src.parentId).source;
  }
  return src;
}

/**
 * Rebuilds the call of a saved session — same caller input, seed and fault plan — under a
 * (possibly) different policy and fault plan. Scenario sessions re-run their scenario;
 * recorded and microphone sessions replay their journaled caller input.
 */
export async function rebuildSetup(
  store: SessionStore,
  sessionId: string,
  entries: readonly JournalEntry[],
  o: { policy: Policy; faults: Fault[]; relation: 'whatif' | 'fork'; atMs?: number },
): Promise<CallSetup> {
  const start = sessionStart(entries, sessionId);
  const src = originalSource(store, start);
  // A text scenario is simulated again (its caller reacts to the agent); audio callers —
  // recordings, the microphone, synthesized voices — say again what the journal heard.
  const textScenario = src.kind === 'scenario' && ((src.scenario as { caller?: { voice?: string } }).caller?.voice ?? 'text') === 'text';
  const caller: CallerSource = textScenario && src.kind === 'scenario' ? { kind: 'scenario', scenario: scenarioSchema.parse(src.scenario) } : { kind: 'journal', entries };
  // a persona caller takes its model's answers from the journal wherever the conversation is the same
  const base = await setupFor(caller, { seed: start.seed, faults: o.faults, strict: start.strict, callerAnswers: journaledAnswers(entries) });
  return {
    ...base,
    policy: o.policy,
    source: { kind: o.relation, parentId: sessionId, atMs: o.atMs, scenario: src.kind === 'scenario' ? src.scenario : undefined },
  };
}

export interface WhatIfReport {
  parent: RunResult;
  child: RunResult;
  diff: RunDiff;
}

/**
 * Re-runs a session's caller input and fault plan under another policy and stores the new
 * run as a session linked to its parent. Effects: writes one session.
 */
export async function whatIf(store: SessionStore, idOrPrefix: string, override: PolicyOverride): Promise<WhatIfReport & { run: SessionRun }> {
  const s = store.resolve(idOrPrefix);
  const entries = store.journal(s.sessionId);
  const start = sessionStart(entries, s.sessionId);
  const policy = { ...asPolicy(start.policy), ...override };
  const setup = await rebuildSetup(store, s.sessionId, entries, { policy, faults: start.faults, relation: 'whatif' });
  setup.controls = journaledControls(entries);
  const run = await runSession(setup, { store, parentId: s.sessionId, relation: 'whatif' }, { pacing: 'virtual' });
  const parent = store.result(s.sessionId);
  return { parent, child: run.result, diff: diffRuns(parent, run.result, asPolicy(start.policy), policy), run };
}

export interface ForkReport {
  run: SessionRun;
  parentId: string;
  atMs: number;
  /** Transitions up to --at that were checked against the parent. */
  checkedTransitions: number;
}

/** A fork whose first part did not reproduce its parent: a divergence (exit 1), not bad input. */
export class ForkDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForkDivergedError';
  }
}

/**
 * Runs a session again, identical up to `atMs` (checked transition by transition against the
 * parent, not assumed), then goes on under new faults and/or policy, applied at `atMs` as
 * journaled control events. With new faults, every fault active at `atMs` (the plan's and those
 * set live before it) is cleared first. Effects: writes one session. Throws a
 * ForkDivergedError, and keeps nothing, if the parent cannot be reproduced up to `atMs`.
 */
export async function fork(store: SessionStore, idOrPrefix: string, atMs: number, o: { faults?: Fault[]; policy?: PolicyOverride }): Promise<ForkReport> {
  const s = store.resolve(idOrPrefix);
  const entries = store.journal(s.sessionId);
  const start = sessionStart(entries, s.sessionId);
  const parent = store.result(s.sessionId);
  if (atMs > parent.durationMs) throw new InputError('callsim fork', '--at', `${atMs} ms is after the end of session ${s.sessionId} (${parent.durationMs} ms)`);
  const setup = await rebuildSetup(store, s.sessionId, entries, { policy: asPolicy(start.policy), faults: start.faults, relation: 'fork', atMs });
  const controls = journaledControls(entries, atMs - 1);
  if (o.faults) {
    const active = new Set([...start.faults.map((f) => f.target), ...controls.flatMap((c) => (c.action.type === 'fault.set' ? [c.action.fault.target] : []))]);
    for (const target of active) controls.push({ atMs, action: { type: 'fault.clear', target } });
    for (const f of o.faults) controls.push({ atMs, action: { type: 'fault.set', fault: f } });
  }
  if (o.policy) controls.push({ atMs, action: { type: 'policy.set', patch: o.policy } });
  setup.controls = controls;
  const run = await runSession(setup, { store, parentId: s.sessionId, relation: 'fork', forkAtMs: atMs }, { pacing: 'virtual' });
  const before = (r: RunResult) => r.transitions.filter((t) => t.atMs < atMs);
  const a = before(parent);
  const b = before(run.result);
  const same = a.length === b.length && a.every((t, i) => t.state === b[i].state && t.atMs === b[i].atMs);
  if (!same) {
    store.delete(run.sessionId);
    const i = a.findIndex((t, k) => !b[k] || t.state !== b[k].state || t.atMs !== b[k].atMs);
    throw new ForkDivergedError(`fork of ${s.sessionId}: cannot reproduce the session up to ${atMs} ms: transition ${i < 0 ? b.length : i} differs`);
  }
  return { run, parentId: s.sessionId, atMs, checkedTransitions: a.length };
}

import type { JournalEntry } from '../../shared/events.ts';
import type { Fault } from '../../shared/faults.ts';
import { policyDefaults, type PolicyKey, type PolicyOverride } from '../../shared/policy.ts';
import { maxSameToolRun, type RunResult } from '../../shared/result.ts';
import { scenarioSchema, type CallerTurn, type Scenario } from '../../shared/scenario.ts';
import { sessionStart } from './investigate.ts';

/**
 * Turns a saved session (an incident) into a scenario with an `expect` block from what
 * happened: the caller's turns at the times they started, the faults that were active (live
 * changes as time windows), the seed and policy. Running it reproduces the session's
 * transitions for text callers. Pure.
 */
export function sessionToScenario(sessionId: string, entries: readonly JournalEntry[], result: RunResult): Scenario {
  const start = sessionStart(entries, sessionId);
  const original = start.source.kind === 'scenario' ? (start.source.scenario as Scenario) : start.source.kind !== 'recording' && start.source.kind !== 'mic' ? ((start.source.scenario as Scenario | undefined) ?? null) : null;

  const turns: CallerTurn[] = [];
  let open: { at: number } | null = null;
  for (const e of entries) {
    if (e.kind !== 'input') continue;
    const ev = e.event;
    if (ev.type === 'caller.speech.started') open = { at: e.atMs };
    else if (ev.type === 'asr.result' && open) {
      turns.push({ at: open.at, say: ev.text });
      open = null;
    } else if (ev.type === 'caller.hungup') turns.push({ at: e.atMs, hangUp: true });
  }

  // The fault plan: the session's plan, plus each live change as a window in time.
  const faults: Fault[] = [...start.faults];
  const live = new Map<string, Fault>();
  for (const e of entries) {
    if (e.kind !== 'input') continue;
    const ev = e.event;
    if (ev.type === 'control.fault.set') {
      const prev = live.get(ev.fault.target);
      if (prev) prev.toMs = e.atMs;
      const f: Fault = { ...ev.fault, fromMs: e.atMs };
      live.set(ev.fault.target, f);
      faults.push(f);
    } else if (ev.type === 'control.fault.cleared') {
      const prev = live.get(ev.target);
      if (prev && prev.toMs === undefined && e.atMs > (prev.fromMs ?? 0)) prev.toMs = e.atMs;
      live.delete(ev.target);
      for (const f of faults) if (f.target === ev.target && f.fromMs === undefined && f.toMs === undefined) f.toMs = Math.max(1, e.atMs);
    }
  }

  const policy: PolicyOverride = {};
  for (const k of Object.keys(policyDefaults) as PolicyKey[]) if (start.policy[k] !== policyDefaults[k]) policy[k] = start.policy[k];

  const expect: Scenario['expect'] = { outcome: result.outcome, maxSameToolConsecutive: maxSameToolRun(result.toolCalls), maxTokens: result.metrics.tokens };
  if (result.handoff) {
    expect.handoffReason = result.handoff.reason;
    expect.handoffPriority = result.handoff.priority;
    expect.handoffWithinMs = result.handoff.atMs;
    expect.noAgentSpeechAfterHandoff = !entries.some((e) => e.kind === 'command' && e.command.type === 'agent.speak' && !e.command.scripted && e.atMs >= result.handoff!.atMs);
  }

  return scenarioSchema.parse({
    callsim: 1,
    name: `${original?.name ?? 'incident'}-${sessionId.slice(-8)}`,
    description: `Regression test made from session ${sessionId} (${result.outcome}${result.handoff ? `, ${result.handoff.reason} at ${result.handoff.atMs} ms` : ''}).`,
    seed: start.seed,
    ...(start.strict ? { strict: true } : {}),
    ...(Object.keys(policy).length ? { policy } : {}),
    ...(original?.agent ? { agent: original.agent } : {}),
    caller: { ...(original?.caller.voice ? { voice: original.caller.voice } : {}), turns },
    ...(faults.length ? { faults } : {}),
    expect,
  });
}

import type { JournalEntry } from '../../shared/events.ts';
import type { Fault } from '../../shared/faults.ts';
import { asPolicy, policyDefaults, policyKeys, type PolicyOverride } from '../../shared/policy.ts';
import { RecognitionQueue } from '../../shared/recognitionQueue.ts';
import { maxSameToolRun, type RunResult } from '../../shared/result.ts';
import { maxSayChars, maxTurns, scenarioSchema, type CallerTurn, type Scenario } from '../../shared/scenario.ts';
import { InputError } from '../../shared/validate.ts';
import { diffRuns, type RunDiff } from '../../shared/diff.ts';
import { sessionStart } from './investigate.ts';
import { runScenario } from './session.ts';

/**
 * Words for a stretch of speech nobody knows the words of (a recording's or microphone's turn
 * that recognition failed on or lost): blank, so a text caller's recognition fails on it too,
 * fault or no fault, and the turn still counts as one of recognition's calls.
 */
const unheardWords = ' ';

/**
 * The caller's turns of a journal: each stretch of speech at the time it started, and the
 * hang-up. A text caller's words are what its scenario said (`spoken`: the `say` turns in
 * order, one stretch of speech each), so the copied `asr` faults delay, fail or garble the same
 * turns again. Without them the words are what recognition heard, paired with their stretch as
 * RecognitionQueue says. A turn whose recognition failed is kept: the caller spoke, and
 * dropping it would move a fault's `calls` onto another turn. Pure.
 */
export function callerTurns(entries: readonly JournalEntry[], spoken: readonly string[] | null): CallerTurn[] {
  const turns: CallerTurn[] = [];
  const wordsKnown: boolean[] = [];
  const recognition = new RecognitionQueue<number>();
  let speaking: number | null = null;
  for (const e of entries) {
    if (e.kind === 'command' && e.command.type === 'asr.abandon') recognition.abandoned();
    if (e.kind !== 'input') continue;
    const ev = e.event;
    if (ev.type === 'caller.speech.started') {
      const said = spoken?.[wordsKnown.length];
      wordsKnown.push(said !== undefined);
      speaking = turns.push({ at: e.atMs, say: said ?? unheardWords }) - 1;
    } else if (ev.type === 'caller.speech.ended') {
      if (speaking !== null) recognition.ended(speaking);
      speaking = null;
    } else if (ev.type === 'asr.result' || ev.type === 'asr.failed') {
      const turn = recognition.answered();
      if (turn !== undefined && ev.type === 'asr.result' && !wordsKnown[turn]) turns[turn].say = fitLine(ev.text);
    } else if (ev.type === 'caller.hungup') turns.push({ at: e.atMs, hangUp: true });
  }
  return turns;
}

/**
 * Words as a scenario line can hold them: at most maxSayChars, cut at the last whole word
 * (a long monologue of a recorded caller). Pure.
 */
export function fitLine(text: string): string {
  if (text.length <= maxSayChars) return text;
  const cut = text.slice(0, maxSayChars);
  const space = cut.lastIndexOf(' ');
  return space > 0 ? cut.slice(0, space) : cut;
}

/** The caller's words a scenario line could not hold whole: when each was said. Pure. */
export function cutLines(entries: readonly JournalEntry[]): number[] {
  return entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'asr.result' && e.event.text.length > maxSayChars ? [e.atMs] : []));
}

/**
 * Turns a saved session (an incident) into a scenario with an `expect` block from what
 * happened: the caller's turns at the times they started, the faults that were active (live
 * changes as time windows), the seed and policy. Running it reproduces the session's
 * transitions for text callers, recognition that failed or answered late included. Words
 * longer than a scenario line are cut (checkReproduction says so); a session with more caller
 * turns than a scenario holds is an InputError. Pure.
 */
export function sessionToScenario(sessionId: string, entries: readonly JournalEntry[], result: RunResult): Scenario {
  const start = sessionStart(entries, sessionId);
  const original =
    start.source.kind === 'scenario'
      ? (start.source.scenario as Scenario)
      : start.source.kind !== 'recording' && start.source.kind !== 'mic'
        ? ((start.source.scenario as Scenario | undefined) ?? null)
        : null;

  const textCaller = (original?.caller.voice ?? 'text') === 'text';
  const spoken = original && textCaller ? original.caller.turns.flatMap((t) => (t.say !== undefined ? [t.say] : [])) : null;
  const turns = callerTurns(entries, spoken);
  if (turns.length > maxTurns) throw new InputError(sessionId, 'journal', `has ${turns.length} caller turns, more than the ${maxTurns} a scenario file holds: it cannot become one scenario`);

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
  for (const k of policyKeys) if (start.policy[k] !== policyDefaults[k]) policy[k] = start.policy[k];

  const expect: Scenario['expect'] = { outcome: result.outcome, maxSameToolConsecutive: maxSameToolRun(result.toolCalls), maxTokens: result.metrics.tokens };
  if (result.handoff) {
    expect.handoffReason = result.handoff.reason;
    expect.handoffPriority = result.handoff.priority;
    expect.handoffWithinMs = result.handoff.atMs;
    expect.noAgentSpeechAfterHandoff = !entries.some((e) => e.kind === 'command' && e.command.type === 'agent.speak' && !e.command.scripted && e.atMs >= result.handoff!.atMs);
  }

  return scenarioSchema.parse({
    callsim: 1,
    name: `${(original?.name ?? 'incident').slice(0, 191)}-${sessionId.slice(-8)}`, // within the schema's 200
    description: `Regression test made from session ${sessionId} (${result.outcome}${result.handoff ? `, ${result.handoff.reason} at ${result.handoff.atMs} ms` : ''}).`,
    seed: start.seed,
    ...(start.strict ? { strict: true } : {}),
    ...(Object.keys(policy).length ? { policy } : {}),
    ...(original?.agent ? { agent: original.agent } : {}),
    ...(original?.tools ? { tools: original.tools } : {}),
    caller: { ...(original?.caller.voice ? { voice: original.caller.voice } : {}), turns },
    ...(faults.length ? { faults } : {}),
    expect,
  });
}

/** Whether a scenario made by sessionToScenario takes the session's transitions again. */
export interface Reproduction {
  identical: boolean;
  transitions: number;
  /** The first transition where the two part, as diffRuns reports it. */
  firstDifference: RunDiff['firstDifference'];
  /** What a scenario file cannot say, which explains a difference. */
  limits: string[];
}

/**
 * Runs a scenario made from a session and compares its transitions with the session's, so a
 * user knows whether the regression test reproduces the incident. Effects: one headless run
 * (nothing stored).
 */
export async function checkReproduction(scenario: Scenario, entries: readonly JournalEntry[], result: RunResult): Promise<Reproduction> {
  const again = await runScenario(scenario, null);
  const start = sessionStart(entries, result.sessionId);
  const { firstDifference } = diffRuns(result, again.result, asPolicy(start.policy), asPolicy(start.policy));
  const limits: string[] = [];
  const policyChanges = entries.filter((e) => e.kind === 'input' && e.event.type === 'control.policy.set').map((e) => e.atMs);
  if (policyChanges.length) limits.push(`live policy changes (at ${policyChanges.join(', ')} ms) have no place in a scenario file`);
  const early = entries.filter((e) => e.kind === 'input' && e.event.type === 'caller.speech.turn').map((e) => e.atMs);
  if (early.length) limits.push(`turns told before they ended by the live call's partial results (at ${early.join(', ')} ms) are told when they end by a scenario's caller`);
  const cut = cutLines(entries);
  if (cut.length) limits.push(`the caller's words at ${cut.join(', ')} ms were cut to the ${maxSayChars} characters a scenario line holds`);
  const source = start.source.kind;
  if (source === 'recording' || source === 'mic') limits.push(`the caller's ${source === 'mic' ? 'microphone' : 'recorded'} audio becomes text turns, whose lengths are estimated`);
  return { identical: firstDifference === null, transitions: result.transitions.length, firstDifference, limits };
}

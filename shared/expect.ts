import type { JournalEntry } from './events.ts';
import type { Expectations } from './scenario.ts';
import { maxSameToolRun, type RunResult } from './result.ts';

export interface ExpectationFailure {
  key: keyof Expectations;
  expected: string;
  actual: string;
}

/**
 * Checks a scenario's `expect` block against what happened. Returns every failed expectation
 * (empty when all hold). Pure.
 */
export function checkExpectations(result: RunResult, entries: readonly JournalEntry[], expect: Expectations | undefined): ExpectationFailure[] {
  if (!expect) return [];
  const fails: ExpectationFailure[] = [];
  const fail = (key: keyof Expectations, expected: unknown, actual: unknown) => fails.push({ key, expected: String(expected), actual: String(actual) });
  if (expect.outcome !== undefined && result.outcome !== expect.outcome) fail('outcome', expect.outcome, result.outcome);
  if (expect.handoffReason !== undefined && result.handoff?.reason !== expect.handoffReason) fail('handoffReason', expect.handoffReason, result.handoff?.reason ?? 'no handoff');
  if (expect.handoffPriority !== undefined && result.handoff?.priority !== expect.handoffPriority) fail('handoffPriority', expect.handoffPriority, result.handoff?.priority ?? 'no handoff');
  if (expect.handoffWithinMs !== undefined && !(result.handoff && result.handoff.atMs <= expect.handoffWithinMs))
    fail('handoffWithinMs', `handoff by ${expect.handoffWithinMs} ms`, result.handoff ? `handoff at ${result.handoff.atMs} ms` : 'no handoff');
  if (expect.maxSameToolConsecutive !== undefined) {
    const run = maxSameToolRun(result.toolCalls);
    if (run > expect.maxSameToolConsecutive) fail('maxSameToolConsecutive', `at most ${expect.maxSameToolConsecutive}`, run);
  }
  if (expect.maxTokens !== undefined && result.metrics.tokens > expect.maxTokens) fail('maxTokens', `at most ${expect.maxTokens}`, result.metrics.tokens);
  if (expect.noAgentSpeechAfterHandoff && result.handoff) {
    const at = result.handoff.atMs;
    const unscripted = entries.find((e) => e.kind === 'command' && e.command.type === 'agent.speak' && !e.command.scripted && e.atMs >= at);
    if (unscripted && unscripted.kind === 'command' && unscripted.command.type === 'agent.speak')
      fail('noAgentSpeechAfterHandoff', 'only scripted lines after the handoff', `"${unscripted.command.text}" at ${unscripted.atMs} ms`);
  }
  if (expect.minBargeIns !== undefined && result.metrics.bargeIns < expect.minBargeIns) fail('minBargeIns', `at least ${expect.minBargeIns}`, result.metrics.bargeIns);
  if (expect.maxBargeIns !== undefined && result.metrics.bargeIns > expect.maxBargeIns) fail('maxBargeIns', `at most ${expect.maxBargeIns}`, result.metrics.bargeIns);
  if (expect.minFillerPlays !== undefined && result.metrics.fillerPlays < expect.minFillerPlays) fail('minFillerPlays', `at least ${expect.minFillerPlays}`, result.metrics.fillerPlays);
  return fails;
}

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readScenario } from '../../electron/input/files.ts';
import { runScenario } from '../../electron/engine/session.ts';
import { libraryDir, libraryNames } from '../helpers.ts';
import { repromptedHoldingWords } from './invariants.ts';

const dir = libraryDir;
const files = libraryNames();
const reasons = ['caller_request', 'caller_frustration', 'backend_failure', 'tool_loop', 'latency_timeout', 'dead_air', 'cost_limit', 'no_progress', 'agent_request'];

describe('the scenario library', () => {
  it('covers every handoff reason of SPEC §1 and a happy path', () => {
    const expected = files.map((f) => readScenario(path.join(dir, f)).expect ?? {});
    expect(new Set(expected.map((e) => e.handoffReason).filter(Boolean))).toEqual(new Set(reasons));
    expect(expected.some((e) => e.outcome === 'completed')).toBe(true);
  });

  for (const f of files) {
    it(`${f} meets its expect block, and the agent never reprompts a caller whose words it holds`, async () => {
      const s = readScenario(path.join(dir, f));
      expect(s.expect).toBeDefined();
      const run = await runScenario(s, null);
      expect(run.error).toBeNull();
      expect(run.failures).toEqual([]);
      expect(repromptedHoldingWords(run.entries)).toEqual([]);
    });
  }

  it('aside-during-lookup: words said during a tool call are the turn right after the answer', async () => {
    const run = await runScenario(readScenario(path.join(dir, 'aside-during-lookup.json')), null);
    const thinks = run.entries.flatMap((e) => (e.kind === 'command' && e.command.type === 'agent.think' && e.command.input.kind === 'caller' ? [{ atMs: e.atMs, text: e.command.input.text }] : []));
    expect(thinks.map((t) => t.text)).toEqual(['Where is my order?', 'The blue one.', 'Thanks, bye.']);
    // taken the moment the agent's answer to the lookup ended, not when the caller next spoke
    const answer = run.entries.findIndex((e) => e.kind === 'command' && e.command.type === 'agent.speak' && e.command.text.startsWith('Your order'));
    const answerEnded = run.entries.slice(answer).find((e) => e.kind === 'input' && e.event.type === 'agent.speech.ended')!;
    expect(thinks[1]!.atMs).toBe(answerEnded.atMs);
  });
});

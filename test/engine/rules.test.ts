import { describe, expect, it } from 'vitest';
import { conversationStates, enteredAt, run } from '../helpers.ts';
import { agentSpeechMs, callerSpeechMs } from '../../electron/voices/text.ts';
import { scriptLines } from '../../shared/script.ts';
import type { CallCommand } from '../../shared/events.ts';
import type { SessionRun } from '../../electron/engine/session.ts';

// The times below are worked out from the policy and the speech model, not read off a run:
// the greeting "Acme support." lasts agentSpeechMs = 200 + 330 × 2 words = 860 ms; a caller line
// lasts callerSpeechMs = 180 + 360 × words; a turn is taken endOfTurnSilenceMs (600) after the
// caller stops; the simulated agent thinks 400 ms; a scripted caller answers 500 ms after the
// agent stops. Tool latencies are drawn from the seeded generator (per tool and call id).

const ask = (say: string) => ({ turns: [{ at: 1000, say }] });
/** 5 words: speech 1000–2980, turn taken at 3580, the agent answers at 3980. */
const balance = ask("Hi, what's my account balance?");
/** 4 words: speech 1000–2620, turn taken at 3220, the agent answers at 3620. */
const packageThenHangUp = { turns: [{ at: 1000, say: 'Where is my package?' }, { hangUp: true as const }] };
const greetingEnd = agentSpeechMs(scriptLines.greeting);

/** The handoff without its packet: what the rules decide. */
const decided = (r: SessionRun) => (r.result.handoff ? { reason: r.result.handoff.reason, priority: r.result.handoff.priority, atMs: r.result.handoff.atMs } : null);
/** When each command of a type was emitted. */
const commandTimes = (r: SessionRun, type: CallCommand['type']) => r.entries.filter((e) => e.kind === 'command' && e.command.type === type).map((e) => e.atMs);
/** The agent.think commands: when, and about what (the caller's words, or a tool's answer). */
const thoughts = (r: SessionRun) =>
  r.entries.flatMap((e) => (e.kind === 'command' && e.command.type === 'agent.think' ? [[e.atMs, e.command.input.kind === 'caller' ? e.command.input.text : e.command.input.kind]] : []));
const calls = (r: SessionRun) => r.result.toolCalls.map((c) => [c.tool, c.startMs, c.endMs, c.outcome]);

describe('the speech model', () => {
  it('gives the durations the times below are worked out from', () => {
    expect(greetingEnd).toBe(860);
    expect(callerSpeechMs("Hi, what's my account balance?")).toBe(1980);
    expect(callerSpeechMs('Where is my package?')).toBe(1620);
  });
});

describe('circuitBreakerFailures', () => {
  it('three CRM 500s in a row: backend_failure, high priority, at the time of the third failure', async () => {
    const r = await run({ caller: balance, faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 500 }] });
    // call 1 at 3980 (seeded latency 151); the orchestration's retry after a 100 ms backoff (127);
    // then toolRetries is spent: the agent thinks 400 ms and calls again (234) — the third failure
    expect(r.result.toolCalls.map((c) => [c.tool, c.startMs, c.endMs, c.outcome, c.status])).toEqual([
      ['crm.lookupCustomer', 3980, 4131, 'error', 500],
      ['crm.lookupCustomer', 4231, 4358, 'error', 500],
      ['crm.lookupCustomer', 4758, 4992, 'error', 500],
    ]);
    expect(decided(r)).toEqual({ reason: 'backend_failure', priority: 'high', atMs: 4992 });
    expect(r.result.outcome).toBe('handoff');
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'toolCall',
      'handoff',
      'transferred',
    ]);
  });

  it('an override of 2 hands off at the second failure', async () => {
    const r = await run({ caller: balance, policy: { circuitBreakerFailures: 2 }, faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 502 }] });
    expect(calls(r)).toEqual([
      ['crm.lookupCustomer', 3980, 4131, 'error'],
      ['crm.lookupCustomer', 4231, 4358, 'error'],
    ]);
    expect(decided(r)).toEqual({ reason: 'backend_failure', priority: 'high', atMs: 4358 });
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'thinking', 'toolCall', 'toolBackoff', 'toolCall', 'handoff', 'transferred']);
  });

  it('a success in between resets the count', async () => {
    const r = await run({
      caller: { turns: [{ at: 1000, say: "What's my balance?" }, { say: 'Thanks, and where is my order?' }, { say: "Thanks, that's all, bye." }] },
      policy: { toolRetries: 0 },
      faults: [
        { target: 'crm.lookupCustomer', mode: 'error', status: 500, calls: [1, 2] },
        { target: 'crm.getAccountBalance', mode: 'error', status: 500, calls: [2, 3] },
      ],
    });
    // lookup fails twice, succeeds (count back to 0); balance ok; then 2 more crm failures would be 2, not 3
    expect(r.result.toolCalls.map((c) => `${c.tool}:${c.outcome}`)).toEqual([
      'crm.lookupCustomer:error',
      'crm.lookupCustomer:error',
      'crm.lookupCustomer:ok',
      'crm.getAccountBalance:ok',
      'orders.getShippingStatus:ok',
    ]);
    expect(r.result.handoff).toBeNull();
    expect(r.result.outcome).toBe('completed');
  });
});

describe('toolLatencyBudgetMs', () => {
  it('a tool slower than 800 ms is abandoned as timeout at exactly 800 ms, then retried', async () => {
    const r = await run({ caller: packageThenHangUp, faults: [{ target: 'orders.getShippingStatus', mode: 'latency', ms: 900, calls: [1] }] });
    // 3620 + 800 = 4420 (the answer was due at 3620 + 246 + 900); retry after the 100 ms backoff
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 4420, 'timeout'],
      ['orders.getShippingStatus', 4520, 4739, 'ok'],
    ]);
    expect(commandTimes(r, 'tool.abandon')).toEqual([4420]);
    expect(r.result.handoff).toBeNull();
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'agentSpeaking',
      'listening',
      'hungUp',
    ]);
  });

  it('an override of 300 ms abandons at 300 ms, and three of them open the breaker', async () => {
    const r = await run({ caller: ask('Where is my package?'), policy: { toolLatencyBudgetMs: 300 }, faults: [{ target: 'orders.getShippingStatus', mode: 'latency', ms: 400 }] });
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 3920, 'timeout'],
      ['orders.getShippingStatus', 4020, 4320, 'timeout'],
      ['orders.getShippingStatus', 4720, 5020, 'timeout'],
    ]);
    expect(decided(r)).toEqual({ reason: 'backend_failure', priority: 'high', atMs: 5020 });
  });

  it('a tool that never answers times out, and three timeouts open the breaker', async () => {
    const r = await run({ caller: ask('Where is my package?'), faults: [{ target: 'orders.getShippingStatus', mode: 'timeout' }] });
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 4420, 'timeout'],
      ['orders.getShippingStatus', 4520, 5320, 'timeout'],
      ['orders.getShippingStatus', 5720, 6520, 'timeout'],
    ]);
    expect(decided(r)).toEqual({ reason: 'backend_failure', priority: 'high', atMs: 6520 });
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'toolCall',
      'handoff',
      'transferred',
    ]);
  });
});

describe('toolRetries', () => {
  const oneFailure = [{ target: 'orders.getShippingStatus' as const, mode: 'error' as const, status: 500, calls: [1] }];

  it('default 1: the orchestration layer retries a failed call once, after a 100 ms backoff, before the agent hears of it', async () => {
    const r = await run({ caller: packageThenHangUp, faults: oneFailure });
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 3866, 'error'],
      ['orders.getShippingStatus', 3966, 4185, 'ok'],
    ]);
    expect(thoughts(r)).toEqual([
      [3220, 'Where is my package?'],
      [4185, 'tool'],
    ]);
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'agentSpeaking',
      'listening',
      'hungUp',
    ]);
  });

  it('0: no retry; the failure goes straight back to the agent, which calls again itself 400 ms later', async () => {
    const r = await run({ caller: packageThenHangUp, policy: { toolRetries: 0 }, faults: oneFailure });
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 3866, 'error'],
      ['orders.getShippingStatus', 4266, 4485, 'ok'],
    ]);
    expect(thoughts(r)).toEqual([
      [3220, 'Where is my package?'],
      [3866, 'tool'],
      [4485, 'tool'],
    ]);
    expect(conversationStates(r)).not.toContain('toolBackoff');
  });

  it('2: two retries with growing backoff (100 ms, then 200 ms)', async () => {
    const r = await run({ caller: packageThenHangUp, policy: { toolRetries: 2 }, faults: [{ ...oneFailure[0], calls: [1, 2] }] });
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 3866, 'error'],
      ['orders.getShippingStatus', 3966, 4185, 'error'],
      ['orders.getShippingStatus', 4385, 4696, 'ok'],
    ]);
    expect(thoughts(r)).toEqual([
      [3220, 'Where is my package?'],
      [4696, 'tool'],
    ]);
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'agentSpeaking',
      'listening',
      'hungUp',
    ]);
  });
});

describe('fillerAfterMs and thinkingBudgetMs', () => {
  it('thinking past 600 ms plays filler; past 3000 ms hands off with latency_timeout', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 5000 } });
    expect(enteredAt(r, 'thinking.waiting')).toEqual([3580]);
    expect(enteredAt(r, 'thinking.fillerPlayed')).toEqual([3580 + 600]);
    expect(commandTimes(r, 'filler.play')).toEqual([3580 + 600]);
    expect(commandTimes(r, 'agent.cancel')).toEqual([3580 + 3000]);
    expect(decided(r)).toEqual({ reason: 'latency_timeout', priority: 'normal', atMs: 3580 + 3000 });
    expect(r.result.metrics).toMatchObject({ fillerPlays: 1, tokens: 0 });
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'thinking', 'handoff', 'transferred']);
  });

  it('overrides move both times', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 5000 }, policy: { fillerAfterMs: 1000, thinkingBudgetMs: 2000 } });
    expect(commandTimes(r, 'filler.play')).toEqual([3580 + 1000]);
    expect(decided(r)).toEqual({ reason: 'latency_timeout', priority: 'normal', atMs: 3580 + 2000 });
  });

  it('a model that answers within the filler time plays no filler', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 500 } });
    expect(r.result.metrics.fillerPlays).toBe(0);
    expect(commandTimes(r, 'filler.play')).toEqual([]);
  });
});

describe('sameToolMaxConsecutive', () => {
  it('an agent looping on an empty answer gets the fallback script, then tool_loop', async () => {
    const r = await run({ caller: ask('Where is my order?'), faults: [{ target: 'orders.getShippingStatus', mode: 'empty' }] });
    // an empty answer is not a failure (no retry, no breaker): the agent asks again each time
    expect(calls(r)).toEqual([
      ['orders.getShippingStatus', 3620, 3866, 'empty'],
      ['orders.getShippingStatus', 4266, 4485, 'empty'],
      ['orders.getShippingStatus', 4885, 5196, 'empty'],
    ]);
    // the fourth request (5596) is refused: the fallback line, 200 + 330 × 9 words = 3170 ms, then the handoff
    const fallback = r.result.turns.find((t) => t.text === scriptLines.fallback)!;
    expect([fallback.startMs, fallback.endMs]).toEqual([5596, 5596 + 3170]);
    expect(decided(r)).toEqual({ reason: 'tool_loop', priority: 'normal', atMs: 8766 });
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'thinking',
      'toolCall',
      'thinking',
      'toolCall',
      'thinking',
      'fallbackScript',
      'handoff',
      'transferred',
    ]);
  });

  it('an override of 2 stops after two calls', async () => {
    const r = await run({ caller: ask('Where is my order?'), policy: { sameToolMaxConsecutive: 2 }, faults: [{ target: 'orders.getShippingStatus', mode: 'empty' }] });
    expect(r.result.toolCalls).toHaveLength(2);
    expect(decided(r)).toEqual({ reason: 'tool_loop', priority: 'normal', atMs: 4885 + 3170 });
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'thinking',
      'toolCall',
      'thinking',
      'fallbackScript',
      'handoff',
      'transferred',
    ]);
  });
});

describe('tokenBudget', () => {
  // "Hello" (1 word) 1000–1540, answered at 2540 with "Hi! How can I help you today?" (2510 ms, to 5050);
  // "My balance please" (3 words) 5550–6810, turn taken at 7410. Every response costs 7000 tokens:
  // 2540 → 7000, 7810 (crm.lookupCustomer) → 14000, 8361 (crm.getAccountBalance) → 21000, ...
  const caller = { turns: [{ at: 1000, say: 'Hello' }, { say: 'My balance please' }] };
  const agent = { tokensPerStep: 7000 };

  it('the response that passes the budget kills the worker: cost_limit', async () => {
    const r = await run({ caller, agent });
    expect(r.result.metrics.tokens).toBe(21000);
    expect(commandTimes(r, 'agent.kill')).toEqual([8361]);
    expect(decided(r)).toEqual({ reason: 'cost_limit', priority: 'normal', atMs: 8361 });
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'thinking',
      'handoff',
      'transferred',
    ]);
  });

  it('an override moves the kill: 13999 at the second response, 21000 (reached, not passed) only at the fourth', async () => {
    const low = await run({ caller, agent, policy: { tokenBudget: 13999 } });
    expect(decided(low)).toEqual({ reason: 'cost_limit', priority: 'normal', atMs: 7810 });
    expect([low.result.metrics.tokens, low.result.toolCalls.length]).toEqual([14000, 0]);
    const exact = await run({ caller, agent, policy: { tokenBudget: 21000 } });
    expect(calls(exact)).toEqual([
      ['crm.lookupCustomer', 7810, 7961, 'ok'],
      ['crm.getAccountBalance', 8361, 8464, 'ok'],
    ]);
    expect(decided(exact)).toEqual({ reason: 'cost_limit', priority: 'normal', atMs: 8864 });
    expect(exact.result.metrics.tokens).toBe(28000);
  });
});

describe('deadAirMs and deadAirReprompts', () => {
  it('two reprompts after 5 s of silence each, then dead_air', async () => {
    const r = await run({ caller: { turns: [] } });
    const reprompts = r.result.turns.filter((t) => t.speaker === 'agent' && scriptLines.reprompt.includes(t.text as never));
    // 860 + 5000; "Are you still there?" lasts 1520 ms; + 5000; the second lasts 3830 ms; + 5000
    expect(reprompts.map((t) => [t.startMs, t.endMs])).toEqual([
      [5860, 7380],
      [12380, 16210],
    ]);
    expect(decided(r)).toEqual({ reason: 'dead_air', priority: 'normal', atMs: 21210 });
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'agentSpeaking', 'listening', 'agentSpeaking', 'listening', 'handoff', 'transferred']);
  });

  it('deadAirReprompts 0 hands off after the first silence', async () => {
    const r = await run({ caller: { turns: [] }, policy: { deadAirReprompts: 0, deadAirMs: 2000 } });
    expect(decided(r)).toEqual({ reason: 'dead_air', priority: 'normal', atMs: greetingEnd + 2000 });
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'handoff', 'transferred']);
  });
});

describe('endOfTurnSilenceMs', () => {
  // "Where is" 1000–1900, a 400 ms pause, "my package?" 2300–3200
  const pausing = { turns: [{ at: 1000, say: 'Where is' }, { at: 2300, say: 'my package?' }, { hangUp: true as const }] };

  it('a pause shorter than 600 ms does not end the turn: the agent hears one turn, 600 ms after the caller stops', async () => {
    const r = await run({ caller: pausing });
    expect(thoughts(r)[0]).toEqual([3200 + 600, 'Where is my package?']);
    expect(conversationStates(r).slice(0, 7)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'callerSpeaking', 'callerPaused', 'thinking']);
  });

  it('an override of 300 ends the turn at the pause; the caller speaking again cancels that thought', async () => {
    const r = await run({ caller: pausing, policy: { endOfTurnSilenceMs: 300 } });
    expect(thoughts(r).slice(0, 2)).toEqual([
      [1900 + 300, 'Where is'],
      [3200 + 300, 'Where is my package?'],
    ]);
    expect(commandTimes(r, 'agent.cancel')).toEqual([2300]);
    expect(conversationStates(r).slice(0, 8)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'thinking', 'callerSpeaking', 'callerPaused', 'thinking']);
  });

  it('an override of 1500 takes the turn 1500 ms after the caller stops', async () => {
    const r = await run({ caller: packageThenHangUp, policy: { endOfTurnSilenceMs: 1500 } });
    expect(enteredAt(r, 'callerPaused')).toEqual([2620]);
    expect(thoughts(r)[0]).toEqual([2620 + 1500, 'Where is my package?']);
  });
});

describe('bargeInMinSpeechMs', () => {
  it('caller speech of 250 ms over the agent pauses it; a turn, it stops it for good, and the agent turn ends where its audio paused', async () => {
    const line = 'Wait, actually, one more thing about it';
    const r = await run({
      caller: {
        turns: [
          { at: 1000, say: 'Where is my package?' },
          { bargeInMs: 1200, say: line },
        ],
      },
    });
    const interrupted = r.result.turns.find((t) => t.speaker === 'agent' && t.interrupted)!;
    // the answer starts at 3866 (seeded tool latency 246) + 400 = 4266; the caller cuts in 1200 ms
    // later and the agent's audio pauses bargeInMinSpeechMs after that
    expect([interrupted.startMs, interrupted.endMs]).toEqual([4266, 4266 + 1200 + 250]);
    const barge = r.result.turns.find((t) => t.speaker === 'caller' && t.startMs === interrupted.startMs + 1200)!;
    expect([barge.startMs, barge.endMs]).toEqual([5466, 5466 + callerSpeechMs(line)]);
    expect(commandTimes(r, 'agent.speech.pause')).toEqual([5716]);
    // the line is longer than falseInterruptionTimeoutMs: the pause becomes a stop 1500 ms on
    expect(callerSpeechMs(line)).toBeGreaterThan(250 + 1500);
    expect(commandTimes(r, 'agent.speech.stop')).toEqual([5716 + 1500]);
    expect(commandTimes(r, 'agent.speech.resume')).toEqual([]);
    expect(enteredAt(r, 'agentSpeaking.callerOverlap')).toEqual([5466]);
    expect(enteredAt(r, 'agentSpeaking.paused')).toEqual([5716]);
    expect(r.result.metrics.bargeIns).toBe(1);
    expect(conversationStates(r).slice(0, 11)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'thinking',
      'agentSpeaking',
      'callerSpeaking',
      'callerPaused',
      'thinking',
    ]);
  });

  it('"okay" over the agent, longer than bargeInMinSpeechMs: the agent pauses, resumes where it held, and its line ends as much later; no turn, no barge-in', async () => {
    const base = await run({ caller: { turns: [{ at: 1000, say: 'Where is my package?' }] } });
    const r = await run({
      caller: {
        turns: [
          { at: 1000, say: 'Where is my package?' },
          { bargeInMs: 800, say: 'Okay.' },
        ],
      },
    });
    const speechMs = callerSpeechMs('Okay.');
    expect(speechMs).toBeGreaterThan(250);
    const [pause] = commandTimes(r, 'agent.speech.pause');
    const [resume] = commandTimes(r, 'agent.speech.resume');
    const answer = r.result.turns.filter((t) => t.speaker === 'agent')[1];
    expect(pause).toBe(answer.startMs + 800 + 250);
    expect(resume).toBe(answer.startMs + 800 + speechMs);
    // the answer's audio held for the pause: it ends that much later than without the "okay"
    const baseAnswer = base.result.turns.filter((t) => t.speaker === 'agent')[1];
    expect(answer.startMs).toBe(baseAnswer.startMs);
    expect(answer.endMs - answer.startMs).toBe(baseAnswer.endMs - baseAnswer.startMs + (resume - pause));
    expect(answer.interrupted).toBe(false);
    expect(r.result.metrics.bargeIns).toBe(0);
    expect(r.result.turns.filter((t) => t.speaker === 'caller').map((t) => t.text)).toEqual(['Where is my package?']);
    expect(r.entries.some((e) => e.kind === 'input' && e.event.type === 'caller.backchannel' && e.event.text === 'Okay.')).toBe(true);
  });

  it('"No" over the agent is no backchannel: the agent pauses, then stops at its end, and "No" is the caller\'s turn', async () => {
    const r = await run({
      caller: {
        turns: [
          { at: 1000, say: 'Where is my package?' },
          { bargeInMs: 800, say: 'No.' },
        ],
      },
    });
    const answer = r.result.turns.filter((t) => t.speaker === 'agent')[1];
    const [pause] = commandTimes(r, 'agent.speech.pause');
    expect(pause).toBe(answer.startMs + 800 + 250);
    expect(commandTimes(r, 'agent.speech.stop')[0]).toBe(answer.startMs + 800 + callerSpeechMs('No.'));
    expect(answer).toMatchObject({ interrupted: true, endMs: pause });
    expect(r.result.metrics.bargeIns).toBe(1);
    expect(r.result.turns.filter((t) => t.speaker === 'caller').map((t) => t.text)).toEqual(['Where is my package?', 'No.']);
  });

  it('a backchannel shorter than bargeInMinSpeechMs does not stop the agent', async () => {
    const r = await run({
      caller: {
        turns: [
          { at: 1000, say: 'Where is my package?' },
          { bargeInMs: 800, say: 'mhm' },
        ],
      },
      policy: { bargeInMinSpeechMs: callerSpeechMs('mhm') + 1 },
    });
    expect(r.result.metrics.bargeIns).toBe(0);
    expect(r.result.turns.filter((t) => t.speaker === 'agent').every((t) => !t.interrupted)).toBe(true);
  });
});

describe('explicit requests and frustration', () => {
  it('"a real person" hands off at once with high priority, before the agent thinks', async () => {
    const r = await run({ caller: ask('Can I talk to a real person please?') });
    // 8 words: speech 1000–4060; the request is heard at the end of speech, not after the end-of-turn silence
    expect(decided(r)).toEqual({ reason: 'caller_request', priority: 'high', atMs: 4060 });
    expect(thoughts(r)).toEqual([]);
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'handoff', 'transferred']);
  });

  const sarcasticCall = {
    agent: { onToolError: 'apologize' as const },
    caller: { turns: [{ at: 1000, say: "What's my balance?" }, { say: 'Wow, thanks for nothing. Amazing service, really.' }] },
    faults: [{ target: 'crm.lookupCustomer' as const, mode: 'error' as const, status: 503, calls: [1, 2] }],
  };

  it('sarcasm after a failure is frustration; venting is not', async () => {
    const sarcastic = await run(sarcasticCall);
    // the apology ends at 9848; the caller answers at 10348 for 180 + 360 × 7 = 2700 ms; scored 0.9 at once
    expect(decided(sarcastic)).toEqual({ reason: 'caller_frustration', priority: 'high', atMs: 13048 });
    expect(sarcastic.result.handoff?.packet.frustration.trajectory).toEqual([0, 0.9]);
    expect(conversationStates(sarcastic)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'toolCall',
      'toolBackoff',
      'toolCall',
      'thinking',
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'handoff',
      'transferred',
    ]);
    const venting = await run({ caller: { turns: [{ at: 1000, say: "Sorry, long day, I'm just venting. Anyway, where is my order?" }, { say: "Okay thanks, that's all, bye." }] } });
    expect(venting.result.handoff).toBeNull();
    expect(venting.result.outcome).toBe('completed');
  });

  it('frustrationThreshold: an override moves the handoff both ways', async () => {
    // "I'm frustrated" scores 0.40: below the default 0.7, at a threshold of 0.4 (the guard is >=)
    const frustrated = { turns: [{ at: 1000, say: "I'm frustrated, where is my order?" }, { hangUp: true as const }] };
    const atDefault = await run({ caller: frustrated });
    expect(atDefault.result.handoff).toBeNull();
    expect(atDefault.result.outcome).toBe('caller_hung_up');
    const lowered = await run({ caller: frustrated, policy: { frustrationThreshold: 0.4 } });
    // 6 words: speech 1000–3340
    expect(decided(lowered)).toEqual({ reason: 'caller_frustration', priority: 'high', atMs: 3340 });
    expect(thoughts(lowered)).toEqual([]);
    expect(conversationStates(lowered)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'handoff', 'transferred']);
    const justAbove = await run({ caller: frustrated, policy: { frustrationThreshold: 0.41 } });
    expect(justAbove.result.handoff).toBeNull();

    const raised = await run({ ...sarcasticCall, policy: { frustrationThreshold: 0.95 } });
    expect(raised.result.handoff?.reason).not.toBe('caller_frustration');
    expect(thoughts(raised)).toContainEqual([13048 + 600, 'Wow, thanks for nothing. Amazing service, really.']);
  });
});

describe('noProgressTurns', () => {
  const lost = { turns: [{ at: 1000, say: 'The thing with the stuff.' }, { say: 'You know, the blue one.' }, { say: 'My cousin said so.' }] };

  it('three turns the agent cannot act on: no_progress at the third', async () => {
    const r = await run({ caller: lost });
    // each clarification ("Sorry, I can help with ...", 13 words) lasts 4490 ms; the caller answers 500 ms after it
    expect(thoughts(r)).toEqual([
      [3580, 'The thing with the stuff.'],
      [11550, 'You know, the blue one.'],
      [19160, 'My cousin said so.'],
    ]);
    expect(decided(r)).toEqual({ reason: 'no_progress', priority: 'normal', atMs: 19160 + 400 });
    expect(conversationStates(r)).toEqual([
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'agentSpeaking',
      'listening',
      'callerSpeaking',
      'callerPaused',
      'thinking',
      'handoff',
      'transferred',
    ]);
  });

  it('an override of 2 hands off at the second', async () => {
    const r = await run({ caller: lost, policy: { noProgressTurns: 2 } });
    expect(decided(r)).toEqual({ reason: 'no_progress', priority: 'normal', atMs: 11550 + 400 });
  });

  it('0 turns it off', async () => {
    const r = await run({ caller: { turns: [...lost.turns, { hangUp: true }] }, policy: { noProgressTurns: 0 } });
    expect(r.result.handoff).toBeNull();
    expect(r.result.outcome).toBe('caller_hung_up');
  });
});

describe('strict mode after the handoff', () => {
  it('the agent says only scripted lines after the handoff state is entered', async () => {
    const r = await run({
      caller: {
        turns: [
          { at: 1000, say: 'Where is my order?' },
          { at: 2500, say: 'Representative!' },
        ],
      },
    });
    const h = r.result.handoff!;
    const after = r.entries.filter((e) => e.kind === 'command' && e.command.type === 'agent.speak' && e.atMs >= h.atMs);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.kind === 'command' && e.command.type === 'agent.speak' && e.command.scripted)).toBe(true);
  });
});

describe('determinism', () => {
  it('two runs with the same seed give byte-identical JSON', async () => {
    const s = {
      caller: { turns: [{ at: 1000, say: 'Where is my order?' }, { say: 'Thanks, bye' }] },
      agent: { thinkMs: { min: 200, max: 900 } },
      faults: [{ target: 'orders.getShippingStatus' as const, mode: 'error' as const, status: 500, probability: 0.5 }],
    };
    const a = await run(s, { seed: 99 });
    const b = await run(s, { seed: 99 });
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
    const c = await run(s, { seed: 100 });
    expect(JSON.stringify(c.result)).not.toBe(JSON.stringify(a.result));
  });
});

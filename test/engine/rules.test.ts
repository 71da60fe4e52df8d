import { describe, expect, it } from 'vitest';
import { conversationStates, enteredAt, run } from '../helpers.ts';
import { agentSpeechMs, callerSpeechMs } from '../../electron/world/speech.ts';
import { scriptLines } from '../../shared/script.ts';

const ask = (say: string) => ({ turns: [{ at: 1000, say }] });
const balance = ask("Hi, what's my account balance?");
const greetingEnd = agentSpeechMs(scriptLines.greeting);

describe('circuitBreakerFailures', () => {
  it('three CRM 500s in a row: backend_failure, high priority, at the time of the third failure', async () => {
    const r = await run({ caller: balance, faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 500 }] });
    const calls = r.result.toolCalls;
    expect(calls.map((c) => [c.tool, c.outcome, c.status])).toEqual([
      ['crm.lookupCustomer', 'error', 500],
      ['crm.lookupCustomer', 'error', 500],
      ['crm.lookupCustomer', 'error', 500],
    ]);
    expect(r.result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high', atMs: calls[2].endMs });
    expect(r.result.outcome).toBe('handoff');
    expect(conversationStates(r)).toEqual(['agentSpeaking', 'listening', 'callerSpeaking', 'callerPaused', 'thinking', 'toolCall', 'toolBackoff', 'toolCall', 'thinking', 'toolCall', 'handoff', 'transferred']);
  });

  it('an override of 2 hands off at the second failure', async () => {
    const r = await run({ caller: balance, policy: { circuitBreakerFailures: 2 }, faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 502 }] });
    expect(r.result.toolCalls).toHaveLength(2);
    expect(r.result.handoff?.atMs).toBe(r.result.toolCalls[1].endMs);
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
    const r = await run({ caller: ask('Where is my package?'), faults: [{ target: 'orders.getShippingStatus', mode: 'latency', ms: 900, calls: [1] }] });
    const [first, second] = r.result.toolCalls;
    expect(first).toMatchObject({ tool: 'orders.getShippingStatus', outcome: 'timeout' });
    expect(first.endMs - first.startMs).toBe(800);
    expect(second.outcome).toBe('ok');
    expect(second.startMs).toBe(first.endMs + 100); // backoff of the first retry
  });

  it('an override of 300 ms abandons at 300 ms', async () => {
    const r = await run({ caller: ask('Where is my package?'), policy: { toolLatencyBudgetMs: 300 }, faults: [{ target: 'orders.getShippingStatus', mode: 'latency', ms: 400 }] });
    const t = r.result.toolCalls[0];
    expect([t.outcome, t.endMs - t.startMs]).toEqual(['timeout', 300]);
  });

  it('a tool that never answers times out, and three timeouts open the breaker', async () => {
    const r = await run({ caller: ask('Where is my package?'), faults: [{ target: 'orders.getShippingStatus', mode: 'timeout' }] });
    expect(r.result.toolCalls.map((c) => [c.outcome, c.endMs - c.startMs])).toEqual([
      ['timeout', 800],
      ['timeout', 800],
      ['timeout', 800],
    ]);
    expect(r.result.handoff).toMatchObject({ reason: 'backend_failure', atMs: r.result.toolCalls[2].endMs });
  });
});

describe('fillerAfterMs and thinkingBudgetMs', () => {
  it('thinking past 600 ms plays filler; past 3000 ms hands off with latency_timeout', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 5000 } });
    const thinkStart = enteredAt(r, 'thinking')[0];
    const filler = r.entries.find((e) => e.kind === 'command' && e.command.type === 'filler.play');
    expect(filler?.atMs).toBe(thinkStart + 600);
    expect(r.result.handoff).toMatchObject({ reason: 'latency_timeout', priority: 'normal', atMs: thinkStart + 3000 });
    expect(r.result.metrics.fillerPlays).toBe(1);
  });

  it('overrides move both times', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 5000 }, policy: { fillerAfterMs: 1000, thinkingBudgetMs: 2000 } });
    const thinkStart = enteredAt(r, 'thinking')[0];
    const filler = r.entries.find((e) => e.kind === 'command' && e.command.type === 'filler.play');
    expect(filler?.atMs).toBe(thinkStart + 1000);
    expect(r.result.handoff?.atMs).toBe(thinkStart + 2000);
  });

  it('a model that answers within the filler time plays no filler', async () => {
    const r = await run({ caller: balance, agent: { thinkMs: 500 } });
    expect(r.result.metrics.fillerPlays).toBe(0);
  });
});

describe('sameToolMaxConsecutive', () => {
  it('an agent looping on an empty answer gets the fallback script, then tool_loop', async () => {
    const r = await run({ caller: ask('Where is my order?'), faults: [{ target: 'orders.getShippingStatus', mode: 'empty' }] });
    expect(r.result.toolCalls.map((c) => c.outcome)).toEqual(['empty', 'empty', 'empty']);
    const fallback = r.result.turns.find((t) => t.text === scriptLines.fallback)!;
    expect(fallback).toBeDefined();
    expect(r.result.handoff).toMatchObject({ reason: 'tool_loop', priority: 'normal', atMs: fallback.endMs });
    expect(conversationStates(r)).toContain('fallbackScript');
  });

  it('an override of 2 stops after two calls', async () => {
    const r = await run({ caller: ask('Where is my order?'), policy: { sameToolMaxConsecutive: 2 }, faults: [{ target: 'orders.getShippingStatus', mode: 'empty' }] });
    expect(r.result.toolCalls).toHaveLength(2);
    expect(r.result.handoff?.reason).toBe('tool_loop');
  });
});

describe('tokenBudget', () => {
  it('the response that passes the budget kills the worker: cost_limit', async () => {
    const r = await run({ caller: { turns: [{ at: 1000, say: 'Hello' }, { say: 'My balance please' }] }, agent: { tokensPerStep: 7000 } });
    expect(r.result.handoff?.reason).toBe('cost_limit');
    expect(r.result.metrics.tokens).toBe(21000);
    expect(r.entries.some((e) => e.kind === 'command' && e.command.type === 'agent.kill')).toBe(true);
  });
});

describe('deadAirMs and deadAirReprompts', () => {
  it('two reprompts after 5 s of silence each, then dead_air', async () => {
    const r = await run({ caller: { turns: [] } });
    const reprompts = r.result.turns.filter((t) => t.speaker === 'agent' && scriptLines.reprompt.includes(t.text as never));
    expect(reprompts.map((t) => t.startMs)).toEqual([greetingEnd + 5000, reprompts[0].endMs + 5000]);
    expect(r.result.handoff).toMatchObject({ reason: 'dead_air', atMs: reprompts[1].endMs + 5000 });
  });

  it('deadAirReprompts 0 hands off after the first silence', async () => {
    const r = await run({ caller: { turns: [] }, policy: { deadAirReprompts: 0, deadAirMs: 2000 } });
    expect(r.result.handoff).toMatchObject({ reason: 'dead_air', atMs: greetingEnd + 2000 });
  });
});

describe('bargeInMinSpeechMs', () => {
  it('caller speech of 250 ms over the agent stops it; the turn ends where its audio stopped', async () => {
    const r = await run({ caller: { turns: [{ at: 1000, say: 'Where is my package?' }, { bargeInMs: 1200, say: 'Wait, actually, one more thing about it' }] } });
    const interrupted = r.result.turns.find((t) => t.speaker === 'agent' && t.interrupted)!;
    const barge = r.result.turns.find((t) => t.speaker === 'caller' && t.startMs === interrupted.startMs + 1200)!;
    expect(barge).toBeDefined();
    expect(interrupted.endMs).toBe(barge.startMs + 250);
    expect(r.result.metrics.bargeIns).toBe(1);
  });

  it('a backchannel shorter than bargeInMinSpeechMs does not stop the agent', async () => {
    const r = await run({
      caller: { turns: [{ at: 1000, say: 'Where is my package?' }, { bargeInMs: 800, say: 'mhm' }] },
      policy: { bargeInMinSpeechMs: callerSpeechMs('mhm') + 1 },
    });
    expect(r.result.metrics.bargeIns).toBe(0);
    expect(r.result.turns.filter((t) => t.speaker === 'agent').every((t) => !t.interrupted)).toBe(true);
  });
});

describe('explicit requests and frustration', () => {
  it('"a real person" hands off at once with high priority, before the agent thinks', async () => {
    const r = await run({ caller: ask('Can I talk to a real person please?') });
    const said = r.result.turns.find((t) => t.speaker === 'caller')!;
    expect(r.result.handoff).toMatchObject({ reason: 'caller_request', priority: 'high', atMs: said.endMs });
    expect(r.entries.some((e) => e.kind === 'command' && e.command.type === 'agent.think')).toBe(false);
  });

  it('sarcasm after a failure is frustration; venting is not', async () => {
    const sarcastic = await run({
      agent: { onToolError: 'apologize' },
      caller: { turns: [{ at: 1000, say: "What's my balance?" }, { say: 'Wow, thanks for nothing. Amazing service, really.' }] },
      faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 503, calls: [1, 2] }],
    });
    expect(sarcastic.result.handoff).toMatchObject({ reason: 'caller_frustration', priority: 'high' });
    const venting = await run({ caller: { turns: [{ at: 1000, say: "Sorry, long day, I'm just venting. Anyway, where is my order?" }, { say: "Okay thanks, that's all, bye." }] } });
    expect(venting.result.handoff).toBeNull();
    expect(venting.result.outcome).toBe('completed');
  });
});

describe('noProgressTurns', () => {
  it('three turns the agent cannot act on: no_progress at the third', async () => {
    const r = await run({ caller: { turns: [{ at: 1000, say: 'The thing with the stuff.' }, { say: 'You know, the blue one.' }, { say: 'My cousin said so.' }] } });
    expect(r.result.handoff?.reason).toBe('no_progress');
    expect(r.entries.filter((e) => e.kind === 'command' && e.command.type === 'agent.think')).toHaveLength(3);
  });
  it('0 turns it off', async () => {
    const r = await run({ caller: { turns: [{ at: 1000, say: 'The thing with the stuff.' }, { say: 'You know, the blue one.' }, { say: 'My cousin said so.' }, { hangUp: true }] }, policy: { noProgressTurns: 0 } });
    expect(r.result.outcome).toBe('caller_hung_up');
  });
});

describe('strict mode after the handoff', () => {
  it('the agent says only scripted lines after the handoff state is entered', async () => {
    const r = await run({ caller: { turns: [{ at: 1000, say: 'Where is my order?' }, { at: 2500, say: 'Representative!' }] } });
    const h = r.result.handoff!;
    const after = r.entries.filter((e) => e.kind === 'command' && e.command.type === 'agent.speak' && e.atMs >= h.atMs);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.kind === 'command' && e.command.type === 'agent.speak' && e.command.scripted)).toBe(true);
  });
});

describe('determinism', () => {
  it('two runs with the same seed give byte-identical JSON', async () => {
    const s = { caller: { turns: [{ at: 1000, say: 'Where is my order?' }, { say: 'Thanks, bye' }] }, agent: { thinkMs: { min: 200, max: 900 } }, faults: [{ target: 'orders.getShippingStatus' as const, mode: 'error' as const, status: 500, probability: 0.5 }] };
    const a = await run(s, { seed: 99 });
    const b = await run(s, { seed: 99 });
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
    const c = await run(s, { seed: 100 });
    expect(JSON.stringify(c.result)).not.toBe(JSON.stringify(a.result));
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { JournalEntry } from '../../shared/events.ts';
import type { Scenario } from '../../shared/scenario.ts';
import { replayJournal } from '../../shared/replay.ts';
import { runScenario, type SessionRun } from '../../electron/engine/session.ts';
import { SessionStore } from '../../electron/store/sessions.ts';
import { conversationStates, scenario, tempDir } from '../helpers.ts';
import { chatServer, toolServer, type Reply, type TestServer } from './servers.ts';

/**
 * A real model and real tool backends (scripted servers on 127.0.0.1) inside the call: the
 * orchestration layer's breakers, budgets and limits hand off exactly as they do for the
 * simulated agent, and the stored session replays with both servers stopped.
 */

const store = new SessionStore(path.join(tempDir(), 'byo.db'));
afterAll(() => store.close());

const balanceCall: Scenario['caller'] = {
  turns: [
    { at: 1000, say: "Hi, what's my account balance?" },
    { afterAgentMs: 400, say: 'Hello? Are you still there?' },
  ],
};

/** Runs a scenario whose agent is the chat server (and whose listed tools are the tools server), saved to the store. */
async function runByo(
  partial: Partial<Scenario> & { caller: Scenario['caller'] },
  chat: TestServer,
  stream = false,
  tools?: Scenario['tools'],
  pacing: 'virtual' | 'realtime' = 'virtual',
): Promise<SessionRun> {
  const s = scenario({ seed: 42, ...partial, agent: { ...partial.agent, model: { baseUrl: chat.url, name: 'scripted', stream } }, tools });
  const r = await runScenario(s, { store }, { pacing });
  expect(r.error).toBeNull();
  return r;
}

/** The same call with the simulated agent and tools, and the fault plan that makes them behave alike. */
async function runSimulated(partial: Partial<Scenario> & { caller: Scenario['caller'] }): Promise<SessionRun> {
  const r = await runScenario(scenario({ seed: 42, ...partial }), null);
  expect(r.error).toBeNull();
  return r;
}

/** The stored journal re-executed with no world at all (the servers are stopped by then). */
function replayStored(r: SessionRun) {
  const journal = store.journal(r.sessionId);
  const replay = replayJournal(journal);
  expect(replay.divergence).toBeNull();
  expect(replay.transitions.length).toBe(journal.filter((e) => e.kind === 'transition').length);
  return replay;
}

const agentEvents = (entries: JournalEntry[]) => entries.flatMap((e) => (e.kind === 'input' && (e.event.type === 'agent.response' || e.event.type === 'agent.failed') ? [e.event] : []));
const commandsOf = (r: SessionRun, type: string) => r.entries.filter((e) => e.kind === 'command' && e.command.type === type);
const alwaysCall = (name: string, args: Record<string, unknown>): Reply[] => [{ toolCalls: [{ name, arguments: args }], tokens: 500 }];

describe('bring your own agent: the same handoffs as the simulated agent', () => {
  it("breaker: the user's CRM answers 500 three times in a row → backend_failure, high priority", async () => {
    const chat = await chatServer(alwaysCall('crm_lookupCustomer', {}));
    const crm = await toolServer({ '/lookup': () => ({ status: 500, body: '{"error":"db down"}' }) });
    const byo = await runByo({ caller: balanceCall }, chat, false, { 'crm.lookupCustomer': { url: `${crm.url}/lookup` } });
    await Promise.all([chat.close(), crm.close()]);

    expect(byo.result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    expect(byo.result.toolCalls.map((c) => `${c.tool} ${c.outcome} ${c.status}`)).toEqual(Array(3).fill('crm.lookupCustomer error 500'));
    expect(crm.requests).toHaveLength(3); // the user's backend really was called, three times
    expect(byo.result.handoff!.packet.toolsAttempted).toEqual([{ tool: 'crm.lookupCustomer', outcome: 'error', count: 3 }]);

    const sim = await runSimulated({ caller: balanceCall, faults: [{ target: 'crm.lookupCustomer', mode: 'error', status: 500 }] });
    expect(conversationStates(byo)).toEqual(conversationStates(sim));
    expect(byo.result.toolCalls.length).toBe(sim.result.toolCalls.length);
    replayStored(byo);
  });

  it("tools alone: the simulated agent calls the user's HTTP backend for the listed tool; the others stay simulated", async () => {
    const crm = await toolServer({ '/balance': () => ({ status: 500, body: '{"error":"db down"}' }) });
    const r = await runScenario(scenario({ seed: 42, caller: balanceCall, tools: { 'crm.getAccountBalance': { url: `${crm.url}/balance` } } }), { store });
    await crm.close();
    expect(r.error).toBeNull();
    expect(r.result.toolCalls.map((c) => `${c.tool} ${c.outcome} ${c.status}`)).toEqual([
      'crm.lookupCustomer ok 200', // simulated
      'crm.getAccountBalance error 500',
      'crm.getAccountBalance error 500',
      'crm.getAccountBalance error 500',
    ]);
    expect(crm.requests.map((q) => q.body)).toEqual(Array(3).fill({ customerId: r.result.handoff!.packet.customer.customerId }));
    expect(r.result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    replayStored(r);
  });

  it('loop: the model keeps calling one tool → fallback script, then tool_loop', async () => {
    const chat = await chatServer(alwaysCall('orders_getShippingStatus', { orderId: 'A123' }));
    const orders = await toolServer({ '/status': () => ({ body: '{"orderId":"A123","status":"in_transit"}' }) });
    const caller: Scenario['caller'] = { turns: [{ at: 1000, say: 'Where is my order?' }, { say: 'Where is my order? I asked already.' }] };
    const byo = await runByo({ caller }, chat, false, { 'orders.getShippingStatus': { url: `${orders.url}/status` } });
    await Promise.all([chat.close(), orders.close()]);

    expect(byo.result.handoff).toMatchObject({ reason: 'tool_loop', priority: 'normal' });
    expect(byo.result.toolCalls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(commandsOf(byo, 'agent.speak').map((e) => (e.kind === 'command' && e.command.type === 'agent.speak' ? e.command.purpose : ''))).toEqual(['greeting', 'fallback', 'handoff']);

    const sim = await runSimulated({ caller, faults: [{ target: 'orders.getShippingStatus', mode: 'empty' }] });
    expect(conversationStates(byo)).toEqual(conversationStates(sim));
    replayStored(byo);
  });

  it('latency: a model that takes 3.5 s gets filler at 600 ms and a latency_timeout at 3 s — transition for transition as the simulated slow model', async () => {
    const chat = await chatServer([{ content: 'Your balance is 12 dollars.', delayMs: 3500 }]);
    const caller: Scenario['caller'] = { turns: [{ at: 1000, say: "What's my balance please?" }] };
    const byo = await runByo({ caller }, chat);
    await chat.close();

    const think = commandsOf(byo, 'agent.think')[0].atMs;
    expect(commandsOf(byo, 'filler.play').map((e) => e.atMs - think)).toEqual([600]);
    expect(byo.result.handoff).toMatchObject({ reason: 'latency_timeout', atMs: think + 3000 });
    expect(agentEvents(byo.entries)).toEqual([]); // the late answer was dropped, not delivered

    const sim = await runSimulated({ caller, agent: { thinkMs: 3500 } });
    expect(byo.result.transitions).toEqual(sim.result.transitions);
    expect(byo.result.turns).toEqual(sim.result.turns);
    replayStored(byo);
  });

  it("cost: the server's usage figures take the call past its token budget → cost_limit", async () => {
    const chat = await chatServer([{ content: 'Hello! How can I help?', tokens: 15000 }]);
    const caller: Scenario['caller'] = { turns: [{ at: 1000, say: 'Hello' }, { say: "I'd like my account balance." }] };
    const byo = await runByo({ caller }, chat);
    await chat.close();

    expect(byo.result.handoff).toMatchObject({ reason: 'cost_limit' });
    expect(byo.result.metrics.tokens).toBe(30000);
    expect(commandsOf(byo, 'agent.kill')).toHaveLength(1);

    const sim = await runSimulated({ caller, agent: { tokensPerStep: 15000 } });
    expect(conversationStates(byo)).toEqual(conversationStates(sim));
    expect(sim.result.metrics.tokens).toBe(30000);
    replayStored(byo);
  });

  it('garbage: three unusable answers are three agent.failed events the machine counts → backend_failure, in the packet', async () => {
    const chat = await chatServer([
      { status: 200, body: 'I am not JSON' },
      { toolCalls: [{ name: 'crm_deleteEverything', arguments: {} }], tokens: 40 },
      { toolCalls: [{ name: 'crm_getAccountBalance', arguments: '{"customerId": 12' }], tokens: 40 },
    ]);
    const byo = await runByo({ caller: balanceCall }, chat);
    await chat.close();

    expect(agentEvents(byo.entries)).toEqual([
      { type: 'agent.failed', error: 'the model answered a body that is not JSON: "I am not JSON"', tokens: 0 },
      { type: 'agent.failed', error: 'the model called an unknown tool "crm_deleteEverything"', tokens: 40 },
      { type: 'agent.failed', error: 'the model\'s arguments for crm.getAccountBalance are not JSON: "{\\"customerId\\": 12"', tokens: 40 },
    ]);
    expect(byo.result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    expect(byo.result.metrics.tokens).toBe(80);
    const packet = byo.result.handoff!.packet;
    expect(packet.openQuestions[0]).toBe('A backend kept failing: check its status before retrying.');
    // the human sees that the model, not a tool, failed
    expect(packet.toolsAttempted).toEqual([{ tool: 'agent', outcome: 'error', count: 3 }]);
    expect(packet.openQuestions[1]).toBe(
      'The agent\'s model failed 3 times in a row (last: the model\'s arguments for crm.getAccountBalance are not JSON: "{\\"customerId\\": 12"): check the model server.',
    );

    const sim = await runSimulated({ caller: balanceCall, faults: [{ target: 'agent', mode: 'malformed' }] });
    expect(conversationStates(byo)).toEqual(conversationStates(sim));
    expect(sim.result.handoff).toMatchObject({ reason: 'backend_failure', priority: 'high' });
    replayStored(byo);
  });

  it('faults of the plan apply on top of the real model and the real tools', async () => {
    const chat = await chatServer((req) => {
      const last = req.body.messages.at(-1);
      if (last.role === 'user') return { toolCalls: [{ name: 'crm_lookupCustomer', arguments: {} }] };
      return { content: `Thanks, ${JSON.parse(last.content).name}.` };
    });
    const crm = await toolServer({ '/lookup': () => ({ body: '{"customerId":"C-9","name":"Ana Lima","tier":"gold"}' }) });
    const byo = await runByo(
      {
        caller: { turns: [{ at: 1000, say: 'Hi, who am I?' }, { say: 'Thanks' }] },
        policy: { thinkingBudgetMs: 2000 },
        faults: [
          { target: 'crm.lookupCustomer', mode: 'error', status: 503, calls: [1] },
          { target: 'agent', mode: 'latency', ms: 5000, calls: [3] },
        ],
      },
      chat,
      false,
      { 'crm.lookupCustomer': { url: `${crm.url}/lookup` } },
    );
    await Promise.all([chat.close(), crm.close()]);
    // the first call's real 200 is replaced by the plan's 503; the retry gets the backend's answer
    expect(byo.result.toolCalls.map((c) => `${c.outcome} ${c.status}`)).toEqual(['error 503', 'ok 200']);
    expect(crm.requests).toHaveLength(2);
    expect(byo.result.handoff!.packet.customer).toEqual({ customerId: 'C-9', name: 'Ana Lima', tier: 'gold' });
    // the third model answer gets 5 s added: past the 2 s thinking budget
    expect(byo.result.handoff).toMatchObject({ reason: 'latency_timeout' });
    replayStored(byo);
  });
});

describe('control-panel faults', () => {
  it("a fault set live (journaled) corrupts the real backend's answer, and the session still replays", async () => {
    const chat = await chatServer(alwaysCall('crm_lookupCustomer', {}));
    const crm = await toolServer({ '/lookup': () => ({ body: '{"customerId":"C-9","name":"Ana Lima","tier":"gold"}' }) });
    const s = scenario({ seed: 42, caller: balanceCall, agent: { model: { baseUrl: chat.url, name: 'scripted' } }, tools: { 'crm.lookupCustomer': { url: `${crm.url}/lookup` } } });
    const r = await runScenario(s, { store }, { onStart: (runner) => runner.control({ type: 'fault.set', fault: { target: 'crm.lookupCustomer', mode: 'malformed' } }) });
    await Promise.all([chat.close(), crm.close()]);
    expect(r.error).toBeNull();
    expect(r.entries.some((e) => e.kind === 'input' && e.event.type === 'control.fault.set')).toBe(true);
    expect(crm.requests.length).toBe(3); // the backend answered 200 each time; the live fault replaced the body
    expect(r.result.toolCalls.map((c) => c.outcome)).toEqual(['malformed', 'malformed', 'malformed']);
    expect(r.result.handoff).toMatchObject({ reason: 'backend_failure' });
    replayStored(r);
  });
});

describe('streamed and non-streamed answers give the same call', () => {
  const caller: Scenario['caller'] = { turns: [{ at: 1000, say: "Hi, what's my account balance?" }, { say: "Great, thanks. That's all, bye." }] };
  const script = (req: { body: { messages: { role: string; content: string | null }[] } }): Reply => {
    const m = req.body.messages;
    const last = m[m.length - 1];
    if (last.role === 'user' && /bye/.test(last.content ?? '')) return { toolCalls: [{ name: 'end_call', arguments: { goodbye: 'Thanks for calling. Goodbye!' } }], tokens: 210 };
    if (last.role === 'user') return { content: 'Let me look that up.', toolCalls: [{ name: 'crm_lookupCustomer', arguments: {} }], tokens: 300 };
    const data = JSON.parse(last.content ?? 'null');
    if (data?.name) return { toolCalls: [{ name: 'crm_getAccountBalance', arguments: { customerId: data.customerId } }], tokens: 350 };
    return { content: `Your balance is ${data.balanceUsd} dollars.`, tokens: 400 };
  };

  it('a whole conversation (tool calls, a spoken answer, end_call) is the same either way, and completes', async () => {
    const calls: Record<string, { events: unknown[]; states: string[]; outcome: string; tokens: number; tools: string[] }> = {};
    for (const stream of [false, true]) {
      const chat = await chatServer(script);
      const crm = await toolServer({
        '/lookup': () => ({ body: '{"customerId":"C-5","name":"Bo Chen","tier":"standard"}' }),
        '/balance': (r) => ({ body: JSON.stringify({ customerId: (r.body as { customerId: string }).customerId, balanceUsd: 42.1 }) }),
      });
      const r = await runByo({ caller }, chat, stream, { 'crm.lookupCustomer': { url: `${crm.url}/lookup` }, 'crm.getAccountBalance': { url: `${crm.url}/balance` } });
      await Promise.all([chat.close(), crm.close()]);
      expect(chat.requests.every((q) => (q.body.stream ?? false) === stream)).toBe(true);
      calls[String(stream)] = {
        events: agentEvents(r.entries),
        states: conversationStates(r),
        outcome: r.result.outcome,
        tokens: r.result.metrics.tokens,
        tools: r.result.toolCalls.map((c) => `${c.tool} ${c.outcome}`),
      };
      replayStored(r);
    }
    expect(calls.true).toEqual(calls.false);
    expect(calls.false.outcome).toBe('completed');
    expect(calls.false.tokens).toBe(300 + 350 + 400 + 210);
    expect(calls.false.tools).toEqual(['crm.lookupCustomer ok', 'crm.getAccountBalance ok']);
    expect(calls.false.events.at(-2)).toEqual({ type: 'agent.response', response: { kind: 'say', text: 'Your balance is 42.1 dollars.', progress: true }, tokens: 400 });
    expect(calls.false.events.at(-1)).toEqual({ type: 'agent.response', response: { kind: 'end', text: 'Thanks for calling. Goodbye!' }, tokens: 210 });
  });
});

describe('--realtime: the model’s real latency counts against the wall-clock timers', () => {
  it('a model slower than the thinking budget gets filler, then latency_timeout, near the policy times', async () => {
    const chat = await chatServer([{ content: 'Too late.', delayMs: 1500 }]);
    const r = await runByo({ caller: { turns: [{ at: 200, say: 'Balance?' }] }, policy: { fillerAfterMs: 300, thinkingBudgetMs: 800 } }, chat, false, undefined, 'realtime');
    await chat.close();
    const think = commandsOf(r, 'agent.think')[0].atMs;
    const filler = commandsOf(r, 'filler.play')[0].atMs - think;
    expect(filler).toBeGreaterThanOrEqual(300);
    expect(filler).toBeLessThan(400);
    expect(r.result.handoff?.reason).toBe('latency_timeout');
    expect(r.result.handoff!.atMs - think).toBeGreaterThanOrEqual(800);
    expect(r.result.handoff!.atMs - think).toBeLessThan(900);
    replayStored(r);
  });
});

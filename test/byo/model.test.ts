import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../shared/rng.ts';
import type { AgentInput } from '../../shared/events.ts';
import { ModelAgent, apiToolName, byoConfigProblem, estimateTokens, offeredTools } from '../../electron/world/model.ts';
import { chatServer, deadUrl, type Reply, type TestServer } from './servers.ts';

const rng = createRng(1);
const tools = offeredTools({ 'billing.sendInvoice': { url: 'http://127.0.0.1:1/invoice' } });
let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function agentWith(replies: Reply[], stream: boolean, extra: { apiKeyEnv?: string; env?: Record<string, string>; systemPrompt?: string } = {}) {
  server = await chatServer(replies);
  const agent = new ModelAgent({ baseUrl: server.url, name: 'test-model', stream, apiKeyEnv: extra.apiKeyEnv, systemPrompt: extra.systemPrompt }, { tools, env: extra.env ?? {} });
  return { agent, server };
}

const caller = (text: string): AgentInput => ({ kind: 'caller', text });

describe('tool names', () => {
  it('map to the API alphabet and back through the offered table', () => {
    expect(apiToolName('crm.getAccountBalance')).toBe('crm_getAccountBalance');
    expect(apiToolName('billing.send-invoice')).toBe('billing_send-invoice');
    expect(byoConfigProblem({ tools: { 'crm.lookup_x': { url: 'http://a/' }, 'crm_lookup.x': { url: 'http://a/' } } }, new Set())).toEqual({
      path: ['tools', 'crm_lookup.x'],
      problem: '"crm_lookup.x" and "crm.lookup_x" both become the API tool name "crm_lookup_x"',
    });
    expect(byoConfigProblem({ model: { baseUrl: 'http://a/', name: 'm', apiKeyEnv: 'CALLSIM_NOT_SET_ANYWHERE' } }, new Set(['CALLSIM_NOT_SET_ANYWHERE']), {})).toEqual({
      path: ['model', 'apiKeyEnv'],
      problem: 'the environment variable CALLSIM_NOT_SET_ANYWHERE is not set',
    });
  });
});

for (const stream of [false, true]) {
  describe(`ModelAgent against a chat-completions server (${stream ? 'streamed' : 'one JSON body'})`, () => {
    it('a server that reports no usage: tokens are estimated from what was sent and said, not 0', async () => {
      const { agent, server } = await agentWith([{ content: 'Sure, one moment while I check.', tokens: null }], stream);
      const d = await agent.respond(caller('Hi there'), rng);
      expect(d.ok).toBe(true);
      const sent = server.requests[0].body.messages as { content: string }[];
      const chars = sent.reduce((n, m) => n + (m.content ?? '').length, 0) + 'Sure, one moment while I check.'.length;
      expect(d.tokens).toBe(Math.ceil(chars / 4));
      expect(d.tokens).toBe(estimateTokens(sent as never, { content: 'Sure, one moment while I check.', toolCalls: [] }));
    });

    it('plain text is something to say; tokens come from usage; latency is measured', async () => {
      const { agent, server } = await agentWith([{ content: 'Sure, one moment while I check.', tokens: 321, delayMs: 120 }], stream);
      const d = await agent.respond(caller('Hi there'), rng);
      expect(d).toMatchObject({ ok: true, response: { kind: 'say', text: 'Sure, one moment while I check.', progress: true }, tokens: 321 });
      expect(d.latencyMs).toBeGreaterThanOrEqual(115);
      expect(d.latencyMs).toBeLessThan(2000);
      const sent = server.requests[0].body;
      expect(server.requests[0].path).toBe('/v1/chat/completions');
      expect(sent.model).toBe('test-model');
      expect(sent.stream ?? false).toBe(stream);
      if (stream) expect(sent.stream_options).toEqual({ include_usage: true });
      expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'assistant', 'user']);
      expect(sent.messages[0].content).toMatch(/phone call/);
      expect(sent.messages[0].content).toContain('crm_getAccountBalance');
      expect(sent.messages[2]).toEqual({ role: 'user', content: 'Hi there' });
      expect(sent.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
        'crm_lookupCustomer',
        'crm_getAccountBalance',
        'orders_getShippingStatus',
        'orders_requestRefund',
        'billing_sendInvoice',
        'transfer_to_human',
        'end_call',
      ]);
      const balance = sent.tools.find((t: { function: { name: string } }) => t.function.name === 'crm_getAccountBalance').function.parameters;
      expect(balance).toMatchObject({ type: 'object', required: ['customerId'], additionalProperties: false });
    });

    it('a tool call becomes a tool request under its callsim name; its result goes back as a tool message', async () => {
      const { agent, server } = await agentWith(
        [
          { toolCalls: [{ id: 'call_abc', name: 'crm_lookupCustomer', arguments: {} }] },
          { toolCalls: [{ id: 'call_def', name: 'crm_getAccountBalance', arguments: { customerId: 'C-1' } }] },
          { content: 'Your balance is 12 dollars.' },
        ],
        stream,
      );
      expect(await agent.respond(caller("What's my balance?"), rng)).toMatchObject({ ok: true, response: { kind: 'tool', tool: 'crm.lookupCustomer', args: {} } });
      expect(await agent.respond({ kind: 'tool', callId: 1, tool: 'crm.lookupCustomer', outcome: 'ok', status: 200, data: { customerId: 'C-1', name: 'Ana' } }, rng)).toMatchObject({
        ok: true,
        response: { kind: 'tool', tool: 'crm.getAccountBalance', args: { customerId: 'C-1' } },
      });
      expect(await agent.respond({ kind: 'tool', callId: 2, tool: 'crm.getAccountBalance', outcome: 'error', status: 500 }, rng)).toMatchObject({ ok: true, response: { kind: 'say' } });
      const last = server.requests[2].body.messages;
      expect(last.slice(2)).toEqual([
        { role: 'user', content: "What's my balance?" },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'crm_lookupCustomer', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_abc', content: '{"customerId":"C-1","name":"Ana"}' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_def', type: 'function', function: { name: 'crm_getAccountBalance', arguments: '{"customerId":"C-1"}' } }] },
        { role: 'tool', tool_call_id: 'call_def', content: '{"error":"the backend failed with HTTP 500"}' },
      ]);
    });

    it('transfer_to_human is a handoff, end_call says goodbye', async () => {
      const { agent } = await agentWith(
        [{ toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'wants to cancel' } }] }, { toolCalls: [{ name: 'end_call', arguments: { goodbye: 'Bye now!' } }] }],
        stream,
      );
      expect(await agent.respond(caller('Cancel my account'), rng)).toMatchObject({ ok: true, response: { kind: 'handoff', text: 'wants to cancel' } });
      expect(await agent.respond(caller("That's all"), rng)).toMatchObject({ ok: true, response: { kind: 'end', text: 'Bye now!' } });
    });

    const garbage: [string, Reply, RegExp][] = [
      [
        'a body that is not JSON',
        { status: 200, body: '<html>upstream error</html>', contentType: stream ? 'text/event-stream' : 'application/json' },
        stream ? /^the model's stream carried no data: "<html>upstream error<\/html>"$/ : /^the model answered a body that is not JSON: "<html>upstream error<\/html>"/,
      ],
      ['a 500', { status: 500, body: '{"error":{"message":"CUDA out of memory"}}' }, /^the model answered HTTP 500: "CUDA out of memory"$/],
      ['a call to an unknown tool', { toolCalls: [{ name: 'crm_deleteEverything', arguments: {} }] }, /^the model called an unknown tool "crm_deleteEverything"$/],
      [
        'a stream chunk that is not JSON',
        { status: 200, body: 'data: {"choices": [{"delta": {"content": "Hi"\n\ndata: [DONE]\n\n', contentType: 'text/event-stream' },
        stream ? /^the model streamed a chunk that is not JSON: / : /^the model answered a body that is not JSON: /,
      ],
      [
        'arguments that are not JSON',
        { toolCalls: [{ name: 'crm_getAccountBalance', arguments: '{"customerId": C-1' }] },
        /^the model's arguments for crm\.getAccountBalance are not JSON: "\{\\"customerId\\": C-1"$/,
      ],
      [
        'arguments that fail the schema',
        { toolCalls: [{ name: 'crm_getAccountBalance', arguments: { customerID: 'C-1' } }] },
        /^the model's arguments for crm\.getAccountBalance fail its schema at \$\.customerId: /,
      ],
      [
        'an unknown argument',
        { toolCalls: [{ name: 'crm_lookupCustomer', arguments: { ssn: '1' } }] },
        /^the model's arguments for crm\.lookupCustomer fail its schema at \$: unknown argument "ssn"$/,
      ],
      ['an empty message', { content: '' }, /^the model answered an empty message \(no content, no tool call\)$/],
      ['JSON that is not a completion', { status: 200, body: '{"choices": []}' }, /^the model's JSON is not a chat completion \(\$\.choices: /],
    ];
    for (const [what, reply, error] of garbage) {
      it(`${what} is a failed decision with a clear reason, and the conversation is left as it was`, async () => {
        const { agent, server } = await agentWith([reply, { content: 'Recovered.' }], stream);
        const d = await agent.respond(caller('Hello'), rng);
        expect(d.ok).toBe(false);
        if (!d.ok) expect(d.error).toMatch(error);
        // the machine asks again with the same input: the same request goes out
        expect(await agent.respond(caller('Hello'), rng)).toMatchObject({ ok: true, response: { text: 'Recovered.' } });
        expect(server.requests[1].body.messages).toEqual(server.requests[0].body.messages);
      });
    }

    it('the key is read from the named variable at request time, sent as a bearer token, and never in an error', async () => {
      const env: Record<string, string> = {};
      const { agent, server } = await agentWith([{ content: 'ok' }, { status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-test-SECRET-1234"}}' }], stream, {
        apiKeyEnv: 'TEST_KEY',
        env,
      });
      const missing = await agent.respond(caller('Hi'), rng);
      expect(missing).toMatchObject({ ok: false, error: 'the environment variable TEST_KEY (model.apiKeyEnv) is not set' });
      expect(server.requests).toHaveLength(0);
      env.TEST_KEY = 'sk-test-SECRET-1234';
      expect(await agent.respond(caller('Hi'), rng)).toMatchObject({ ok: true });
      expect(server.requests[0].headers.authorization).toBe('Bearer sk-test-SECRET-1234');
      const echoed = await agent.respond(caller('Hi again'), rng);
      expect(echoed).toMatchObject({ ok: false, error: 'the model answered HTTP 401: "Incorrect API key provided: [redacted]"' });
    });

    it('a key the model repeats in an answer or in tool arguments is redacted before it is journaled', async () => {
      const env: Record<string, string> = { TEST_KEY: 'sk-test-SECRET-5678' };
      const { agent } = await agentWith(
        [{ content: 'Your key is sk-test-SECRET-5678.' }, { toolCalls: [{ name: 'crm_lookupCustomer', arguments: { email: 'sk-test-SECRET-5678@example.com' } }] }],
        stream,
        { apiKeyEnv: 'TEST_KEY', env },
      );
      expect(await agent.respond(caller('What is my key?'), rng)).toMatchObject({ ok: true, response: { kind: 'say', text: 'Your key is [redacted].' } });
      expect(await agent.respond(caller('Look me up'), rng)).toMatchObject({ ok: true, response: { kind: 'tool', tool: 'crm.lookupCustomer', args: { email: '[redacted]@example.com' } } });
    });

    it('a user system prompt replaces the default one', async () => {
      const { agent, server } = await agentWith([{ content: 'Hola.' }], stream, { systemPrompt: 'You are Lola, a bank agent.' });
      await agent.respond(caller('Hi'), rng);
      expect(server.requests[0].body.messages[0]).toEqual({ role: 'system', content: 'You are Lola, a bank agent.' });
    });
  });
}

describe('ModelAgent without a server', () => {
  it('a refused connection is a failed decision naming the URL and the reason', async () => {
    const url = await deadUrl();
    const agent = new ModelAgent({ baseUrl: `${url}/v1`, name: 'm' }, { tools, env: {} });
    const d = await agent.respond(caller('Hi'), rng);
    expect(d).toMatchObject({ ok: false, error: `the model could not be reached at ${url}/v1/chat/completions: ECONNREFUSED`, tokens: 0 });
  });

  it('a server that never answers is given up after the request timeout', async () => {
    server = await chatServer([{ content: 'late', delayMs: 2000 }]);
    const agent = new ModelAgent({ baseUrl: server.url, name: 'm' }, { tools, env: {}, requestTimeoutMs: 200 });
    const d = await agent.respond(caller('Hi'), rng);
    expect(d).toMatchObject({ ok: false, error: expect.stringMatching(/no answer within 200 ms$/) });
    expect(d.latencyMs).toBeGreaterThanOrEqual(195);
  });
});

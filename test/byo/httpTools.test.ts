import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../shared/rng.ts';
import { HttpToolBackend } from '../../electron/world/httpTools.ts';
import { deadUrl, toolServer, type TestServer } from './servers.ts';

const rng = createRng(1);
const call = (tool: string, args: Record<string, unknown> = { customerId: 'C-7' }) => ({ type: 'tool.call' as const, callId: 1, tool, args, attempt: 1 });
let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('HttpToolBackend: a user tool over HTTP', () => {
  it('POSTs the args as JSON with the configured headers (${NAME} from the environment) and answers ok with the JSON', async () => {
    server = await toolServer({ '/balance': () => ({ body: '{"customerId":"C-7","balanceUsd":12.5}', delayMs: 60 }) });
    const backend = new HttpToolBackend(
      { 'crm.getAccountBalance': { url: `${server.url}/balance`, headers: { 'x-tenant': 'acme', authorization: 'Bearer ${CRM_TOKEN}' } } },
      { env: { CRM_TOKEN: 't0k' } },
    );
    expect(backend.handles('crm.getAccountBalance')).toBe(true);
    expect(backend.handles('crm.lookupCustomer')).toBe(false);
    const a = await backend.answer(call('crm.getAccountBalance'), rng);
    expect(a).toMatchObject({ outcome: 'ok', status: 200, data: { customerId: 'C-7', balanceUsd: 12.5 } });
    expect(a.latencyMs).toBeGreaterThanOrEqual(55);
    const req = server.requests[0] as (typeof server.requests)[0] & { method: string };
    expect(req.method).toBe('POST');
    expect(req.body).toEqual({ customerId: 'C-7' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-tenant']).toBe('acme');
    expect(req.headers.authorization).toBe('Bearer t0k');
  });

  it('a backend that echoes the token it was sent: the token is redacted before the answer is journaled', async () => {
    server = await toolServer({ '/echo': (r) => ({ body: JSON.stringify({ saw: r.headers.authorization }) }), '/fail': (r) => ({ status: 401, body: `bad token ${r.headers.authorization}` }) });
    const endpoint = (p: string) => ({ url: `${server!.url}${p}`, headers: { authorization: 'Bearer ${CRM_TOKEN}' } });
    const backend = new HttpToolBackend({ 'crm.lookupCustomer': endpoint('/echo'), 'crm.getAccountBalance': endpoint('/fail') }, { env: { CRM_TOKEN: 'tok-SECRET-42' } });
    expect(await backend.answer(call('crm.lookupCustomer'), rng)).toMatchObject({ outcome: 'ok', data: { saw: 'Bearer [redacted]' } });
    expect(await backend.answer(call('crm.getAccountBalance'), rng)).toMatchObject({ outcome: 'error', status: 401, data: { error: 'HTTP 401: "bad token Bearer [redacted]"' } });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-SECRET-42', 'Bearer tok-SECRET-42']);
  });

  it('GET puts the args in the query string', async () => {
    server = await toolServer({ '/status': (r) => ({ body: JSON.stringify({ orderId: r.query.get('orderId'), filter: r.query.get('filter'), keep: r.query.get('keep') }) }) });
    const backend = new HttpToolBackend({ 'orders.getShippingStatus': { url: `${server.url}/status?keep=1`, method: 'GET' } }, { env: {} });
    const a = await backend.answer(call('orders.getShippingStatus', { orderId: 'A123', filter: { late: true } }), rng);
    expect(a).toMatchObject({ outcome: 'ok', data: { orderId: 'A123', filter: '{"late":true}', keep: '1' } });
    expect(server.requests[0].body).toBeUndefined();
  });

  const outcomes: [string, { status?: number; body?: string }, object][] = [
    ['an empty 2xx body is empty', { status: 204, body: '' }, { outcome: 'empty', status: 204, data: null }],
    ['a JSON null is empty', { body: 'null' }, { outcome: 'empty', status: 200, data: null }],
    ['a 2xx body that is not JSON is malformed, the body kept', { body: '{"balanceUsd": 12' }, { outcome: 'malformed', status: 200, data: '{"balanceUsd": 12' }],
    ['a 500 is an error with its status and body', { status: 500, body: '{"error":"db down"}' }, { outcome: 'error', status: 500, data: { error: 'db down' } }],
    ['a 404 with a text body is an error that says so', { status: 404, body: 'Not Found' }, { outcome: 'error', status: 404, data: { error: 'HTTP 404: "Not Found"' } }],
  ];
  for (const [what, route, expected] of outcomes) {
    it(what, async () => {
      server = await toolServer({ '/t': () => route });
      const a = await new HttpToolBackend({ 'crm.lookupCustomer': { url: `${server.url}/t` } }, { env: {} }).answer(call('crm.lookupCustomer'), rng);
      expect(a).toMatchObject(expected);
    });
  }

  it('no answer at all is an error 502 that says why', async () => {
    const url = await deadUrl();
    const a = await new HttpToolBackend({ 'crm.lookupCustomer': { url: `${url}/t` } }, { env: {} }).answer(call('crm.lookupCustomer'), rng);
    expect(a).toMatchObject({ outcome: 'error', status: 502, data: { error: `crm.lookupCustomer: no answer from ${url}/t: ECONNREFUSED` } });
  });

  it('a backend slower than its timeout is given up', async () => {
    server = await toolServer({ '/t': () => ({ body: '{}', delayMs: 1500 }) });
    const a = await new HttpToolBackend({ 'crm.lookupCustomer': { url: `${server.url}/t` } }, { env: {}, timeoutMs: 150 }).answer(call('crm.lookupCustomer'), rng);
    expect(a).toMatchObject({ outcome: 'error', status: 502, data: { error: expect.stringMatching(/no answer within 150 ms$/) } });
  });

  it('a header variable that is not set is an error, and nothing is sent', async () => {
    server = await toolServer({ '/t': () => ({ body: '{}' }) });
    const a = await new HttpToolBackend({ 'crm.lookupCustomer': { url: `${server.url}/t`, headers: { authorization: 'Bearer ${CRM_TOKEN}' } } }, { env: {} }).answer(call('crm.lookupCustomer'), rng);
    expect(a).toMatchObject({ outcome: 'error', data: { error: 'header "authorization" needs the environment variable CRM_TOKEN, which is not set or not allowed (--allow-env)' } });
    expect(server.requests).toHaveLength(0);
  });
});

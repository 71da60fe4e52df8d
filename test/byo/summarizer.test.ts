import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../helpers.ts';
import { chatServer, type TestServer } from './servers.ts';
import { askSummarizer } from '../../electron/world/summarizerModel.ts';
import { buildHandoffPacket } from '../../shared/summarizer.ts';
import type { JournalEntry } from '../../shared/events.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const call = () => run({ caller: { turns: [{ at: 1000, say: "What's my balance?" }, { say: 'Representative!' }] } });
const journaled = (entries: readonly JournalEntry[], event: Extract<JournalEntry, { kind: 'input' }>['event']): JournalEntry[] => [
  ...entries,
  { seq: entries.length, atMs: entries[entries.length - 1].atMs, kind: 'input', event },
];

describe('summarizer model on a scripted local server', () => {
  it('sends the packet schema as response_format; an invented id is replaced and marked, a good name verified', async () => {
    const r = await call();
    const base = buildHandoffPacket(r.entries);
    const answer = {
      customer: { customerId: 'C-99999', name: base.customer.name, tier: base.customer.tier },
      intent: 'balance',
      toolsAttempted: base.toolsAttempted,
      transcriptExcerpt: base.transcriptExcerpt,
      openQuestions: base.openQuestions,
    };
    const s = await chatServer([{ content: JSON.stringify(answer), tokens: 321 }]);
    servers.push(s);
    const result = await askSummarizer({ baseUrl: s.url, name: 'tiny-summarizer' }, r.entries, {});
    expect(s.requests[0].body.response_format.type).toBe('json_schema');
    expect(s.requests[0].body.response_format.json_schema.schema.required).toEqual(['customer', 'intent', 'toolsAttempted', 'transcriptExcerpt', 'openQuestions']);
    expect(result).toMatchObject({ type: 'summarizer.result', model: 'tiny-summarizer', tokens: 321, content: JSON.stringify(answer) });
    const packet = buildHandoffPacket(journaled(r.entries, result));
    expect(packet.customer.customerId).toBe(base.customer.customerId);
    expect(packet.checks!.filter((c) => c.verdict !== 'verified').map((c) => c.field)).toEqual(['customer.customerId']);
  });

  it('garbage and a timeout are results with a failed check, never a throw', async () => {
    const r = await call();
    const garbage = await chatServer([{ status: 200, body: '<html>oops' }]);
    const slow = await chatServer([{ content: '{}', delayMs: 2000 }]);
    servers.push(garbage, slow);
    const g = await askSummarizer({ baseUrl: garbage.url, name: 'm' }, r.entries, {});
    expect(g.error).toBe('answered a body that is not JSON: "<html>oops"');
    const t = await askSummarizer({ baseUrl: slow.url, name: 'm' }, r.entries, {}, { timeoutMs: 100 });
    expect(t.error).toMatch(/no answer within 100 ms$/);
    for (const e of [g, t]) expect(buildHandoffPacket(journaled(r.entries, e)).checks![0].verdict).toBe('failed');
  });
});

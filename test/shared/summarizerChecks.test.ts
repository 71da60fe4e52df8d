import { describe, expect, it } from 'vitest';
import { run } from '../helpers.ts';
import { buildHandoffPacket, handoffPacketSchema } from '../../shared/summarizer.ts';
import type { JournalEntry } from '../../shared/events.ts';

/** The journal with a summarizer model's answer journaled after the call, as the CLI does. */
function withAnswer(entries: readonly JournalEntry[], event: { content?: string; error?: string }): JournalEntry[] {
  const last = entries[entries.length - 1];
  return [...entries, { seq: last.seq + 1, atMs: last.atMs, kind: 'input', event: { type: 'summarizer.result', model: 'scripted', latencyMs: 40, tokens: 120, ...event } }];
}

describe('handoff packet: a summarizer model checked against the journal', () => {
  const call = () => run({ caller: { turns: [{ at: 1000, say: "What's my balance?" }, { say: 'Representative!' }] } });

  it('an invented customer id is replaced by the deterministic one and marked; a name the tools returned stays, verified', async () => {
    const r = await call();
    const base = buildHandoffPacket(r.entries);
    expect(base.checks).toBeUndefined();
    expect(base.customer.name).not.toBeNull();
    const answer = {
      customer: { customerId: 'C-99999', name: base.customer.name, tier: base.customer.tier },
      intent: 'balance',
      toolsAttempted: base.toolsAttempted,
      transcriptExcerpt: 'Caller: Representative!',
      openQuestions: ['Give the caller their balance.'],
    };
    const packet = buildHandoffPacket(withAnswer(r.entries, { content: JSON.stringify(answer) }));
    expect(handoffPacketSchema.safeParse(packet).success).toBe(true);
    expect(packet.customer.customerId).toBe(base.customer.customerId);
    expect(packet.customer.name).toBe(base.customer.name);
    expect(packet.transcriptExcerpt).toBe('Caller: Representative!');
    const verdicts = Object.fromEntries(packet.checks!.map((c) => [c.field, c.verdict]));
    expect(verdicts).toEqual({
      'customer.customerId': 'replaced',
      'customer.name': 'verified',
      'customer.tier': 'verified',
      intent: 'verified',
      toolsAttempted: 'verified',
      transcriptExcerpt: 'verified',
      openQuestions: 'verified',
    });
    expect(packet.checks!.find((c) => c.field === 'customer.customerId')!.why).toBe('"C-99999" is in no tool result and nothing the caller said');
  });

  it('an amount in its text that no tool returned replaces that field', async () => {
    const r = await call();
    const base = buildHandoffPacket(r.entries);
    const answer = { customer: base.customer, intent: 'balance', toolsAttempted: base.toolsAttempted, transcriptExcerpt: base.transcriptExcerpt, openQuestions: ['Refund $4,312.77 to order 88812.'] };
    const packet = buildHandoffPacket(withAnswer(r.entries, { content: JSON.stringify(answer) }));
    expect(packet.openQuestions).toEqual(base.openQuestions);
    expect(packet.checks!.find((c) => c.field === 'openQuestions')).toEqual({ field: 'openQuestions', verdict: 'replaced', why: '"$4,312.77" is in no tool result and nothing the caller said' });
  });

  it('garbage, or no answer at all: the deterministic packet with one failed check', async () => {
    const r = await call();
    const base = buildHandoffPacket(r.entries);
    const garbage = buildHandoffPacket(withAnswer(r.entries, { content: 'Sure! Here is a summary: the caller wants money' }));
    expect({ ...garbage, checks: undefined }).toEqual({ ...base, checks: undefined });
    expect(garbage.checks).toEqual([{ field: 'packet', verdict: 'failed', why: 'the summarizer model scripted answered something that is not JSON: the deterministic packet stands' }]);
    const wrongShape = buildHandoffPacket(withAnswer(r.entries, { content: '{"intent":"balance"}' }));
    expect(wrongShape.checks![0].verdict).toBe('failed');
    const timeout = buildHandoffPacket(withAnswer(r.entries, { error: 'no answer within 50 ms' }));
    expect(timeout.checks).toEqual([{ field: 'packet', verdict: 'failed', why: 'the summarizer model scripted failed (no answer within 50 ms): the deterministic packet stands' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { run } from '../helpers.ts';
import { buildHandoffPacket, handoffPacketSchema, type HandoffPacket } from '../../shared/summarizer.ts';
import type { SessionRun } from '../../electron/engine/session.ts';

/** Every string anywhere in the packet, with where it is. */
function strings(value: unknown, at = '$'): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}

/** The packet's fields that still hold `raw`, written as said or with its separators dropped. */
function leaks(packet: HandoffPacket, raw: string): string[] {
  const digits = raw.replace(/\D/g, '');
  return strings(packet)
    .filter(([, s]) => s.includes(raw) || (digits.length >= 6 && s.replace(/\D/g, '').includes(digits)))
    .map(([at]) => at);
}

/** The handoff packet of a run, built again from its journal alone, after checking it is the run's. */
function packetOf(r: SessionRun): HandoffPacket {
  const packet = buildHandoffPacket(r.entries);
  expect(r.result.handoff?.packet).toEqual(packet);
  expect(handoffPacketSchema.safeParse(packet).success).toBe(true);
  return packet;
}

/** What the caller's recognised words were in the journal (unmasked: the session is not strict). */
const heard = (r: SessionRun) => r.entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'asr.result' ? [e.event.text] : []));

describe('handoff packet: PII in caller text', () => {
  const said = [
    "My card is 4111 1111 1111 1111, and I also have 4012-8888-8888-1881. What's my balance?",
    'My account number is 12345678, call me back on 555-867-5309 or write to jane.doe@example.com',
    'My social is 123-45-6789. Representative!',
  ];
  const pii = ['4111 1111 1111 1111', '4012-8888-8888-1881', '12345678', '555-867-5309', 'jane.doe@example.com', '123-45-6789'];

  it('cards (spaces, dashes), an account, a phone, an e-mail and an SSN appear in no field; their masks do', async () => {
    const r = await run({ caller: { turns: said.map((say, i) => (i === 0 ? { at: 1000, say } : { say })) } });
    expect(heard(r)).toEqual(said); // the journal holds them as said: the summarizer is what masks
    const packet = packetOf(r);
    expect(packet).toMatchObject({ reason: 'caller_request', priority: 'high', intent: 'balance' });
    for (const raw of pii) expect(leaks(packet, raw), raw).toEqual([]);
    expect(packet.lastCallerUtterances).toEqual([
      "My card is [card ••••1111], and I also have [card ••••1881]. What's my balance?",
      'My account number is [account ••••78], call me back on [phone] or write to [email]',
      'My social is [ssn]. Representative!',
    ]);
    expect(packet.transcriptExcerpt.split('\n').filter((l) => l.startsWith('Caller: '))).toEqual(packet.lastCallerUtterances.map((u) => `Caller: ${u}`));
    // what the tools returned is not caller text and stays readable for the human
    expect(packet.customer.customerId).toMatch(/^C-\d{5}$/);
  });

  it('numbers and addresses spoken as words, as recognition writes them, are masked too', async () => {
    const spoken = [
      // a Luhn-valid number with no card word before it (a number read with many repeated digits is
      // avoided here: the frustration scorer takes "one one one ..." for a caller repeating themselves)
      'the long number is four five three two zero one five one one two eight three zero three six six',
      'my email is jane doe at gmail dot com and my social is one two three four five six seven eight nine',
      'get me an operator',
    ];
    const r = await run({ caller: { turns: spoken.map((say, i) => (i === 0 ? { at: 1000, say } : { say })) } });
    const packet = packetOf(r);
    expect(packet.reason).toBe('caller_request');
    expect(packet.lastCallerUtterances).toEqual(['the long number is [card ••••0366]', 'my email is [email] and my social is [ssn]', 'get me an operator']);
    for (const raw of ['four five three two', 'three zero three six six', 'jane doe', 'gmail', 'one two three four five six', '4532015112830366', '123456789'])
      expect(leaks(packet, raw), raw).toEqual([]);
  });
});

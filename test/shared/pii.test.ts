import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findPii, maskDeep, maskPii } from '../../shared/pii.ts';

describe('maskPii', () => {
  it.each([
    // cards: Luhn-valid runs, grouped with spaces or dashes, or introduced by card words
    ['my card number is 4111 1111 1111 1111 and the cvv is 123', 'my card number is [card ••••1111] and the cvv is 123'],
    ['card 4111-1111-1111-1111 expires 09/27', 'card [card ••••1111] expires 09/27'],
    ['it is 5500005555555559', 'it is [card ••••5559]'],
    ['amex 3782 822463 10005', 'amex [card ••••0005]'],
    ['the visa is 4000 1234 5678 9010', 'the visa is [card ••••9010]'],
    ['4012 8888 8888 1881 is the one', '[card ••••1881] is the one'],
    // accounts: introduced by account words, or long runs that are not cards
    ['account number 12345678', 'account number [account ••••78]'],
    ['acct 1234-5678-90', 'acct [account ••••90]'],
    ['my routing number is 021000021', 'my routing number is [account ••••21]'],
    ['it was 987654321 i think', 'it was [account ••••21] i think'],
    // phones, US and international
    ['call me at (555) 123-4567 or +44 20 7946 0958', 'call me at [phone] or [phone]'],
    ['my number is 5551234567', 'my number is [phone]'],
    ['reach me on 555-1234', 'reach me on [phone]'],
    ['call 1-800-555-1234 tomorrow', 'call [phone] tomorrow'],
    ['555.123.4567', '[phone]'],
    ['the number is 0044 20 7946 0958', 'the number is [phone]'],
    ['+33 1 23 45 67 89', '[phone]'],
    ['my cell is 07700 900123', 'my cell is [phone]'],
    // e-mail, written and spoken
    ['my email is john.smith@example.com.', 'my email is [email].'],
    ['write to a_b+tag@mail.example.co.uk please', 'write to [email] please'],
    ['my email is john smith at gmail dot com thanks', 'my email is [email] thanks'],
    ['email me at j dot doe at yahoo dot co dot uk', 'email me at [email]'],
    // SSN
    ['my ssn is 123-45-6789', 'my ssn is [ssn]'],
    ['social security number 123 45 6789', 'social security number [ssn]'],
    ['my social is 123456789', 'my social is [ssn]'],
    // digits spoken as words by ASR
    ['the card is four one one one one one one one one one one one one one one one', 'the card is [card ••••1111]'],
    ['four one one one, one one one one, one one one one, one one one one', '[card ••••1111]'],
    ['my social is one two three four five six seven eight nine', 'my social is [ssn]'],
    ['my account is one two three four five six', 'my account is [account ••••56]'],
    ['my phone number is five five five one two three four five six seven', 'my phone number is [phone]'],
    ['double five five one two three four', '[account ••••34]'],
    ['oh one two three four five six', 'oh [account ••••56]'],
    ['account nine eight seven dash six five four three', 'account [account ••••43]'],
  ])('masks %j', (input, expected) => {
    expect(maskPii(input)).toBe(expected);
  });

  it.each([
    'order 42 please',
    'it cost $120.50',
    'i called 3 times',
    'on 12/05/2024 at 10:30',
    'delivered 2024-05-12 around 3 pm',
    'i paid 1,200.50 in 2023',
    'order number 123456789012',
    'tracking number 9400 1000 0000 0000 0000 00',
    'tracking 1Z999AA10123456784',
    'my zip is nine oh two one oh',
    'the last four are 1111',
    'card ending in 4242',
    'one or two things, maybe three',
    'i need one two three of them',
    'room 1204 at 5.30',
    'between 2019 and 2021',
  ])('leaves ordinary numbers alone: %j', (input) => {
    expect(findPii(input)).toEqual([]);
    expect(maskPii(input)).toBe(input);
  });
});

describe('masking twice', () => {
  it('does not let a mask label become context for the next number', () => {
    // Found by the idempotence property: "[account ••••21]" read as the word "account" made the
    // following 8 digits an account number on the second pass.
    expect(maskPii('987654321 then 12345678')).toBe('[account ••••21] then 12345678');
    expect(maskPii('[account ••••21] then 12345678')).toBe('[account ••••21] then 12345678');
    expect(maskPii('[card ••••1111] 1234567890123')).toBe('[card ••••1111] [account ••••23]');
  });

  it.each([
    // Counterexamples the idempotence property found: masks must not create new word boundaries.
    ['a@b.co.a@b.co', '[email].[email]'],
    ['a@b.co411141114111', 'a@b.co411141114111'],
    ['4111one,4111a@b.co', '4111one,[email]'],
    ['a@b.co+a@b.co', 'a@[email]'], // "co+a@b.co" is itself a valid address
  ])('is stable on %j', (input, expected) => {
    expect(maskPii(input)).toBe(expected);
    expect(maskPii(expected)).toBe(expected);
  });
});

describe('findPii', () => {
  it('gives each span with its kind and exact offsets, in order', () => {
    const text = 'card 4111 1111 1111 1111, phone 555-123-4567, mail a@b.io, ssn 123-45-6789, acct 12345678';
    expect(findPii(text)).toEqual([
      { kind: 'card', start: 5, end: 24 },
      { kind: 'phone', start: 32, end: 44 },
      { kind: 'email', start: 51, end: 57 },
      { kind: 'ssn', start: 63, end: 74 },
      { kind: 'account', start: 81, end: 89 },
    ]);
    expect(text.slice(5, 24)).toBe('4111 1111 1111 1111');
    expect(text.slice(81, 89)).toBe('12345678');
  });

  it('spans a spoken number from its first to its last digit word', () => {
    const text = 'card four one one one one one one one one one one one one one one one ok';
    expect(findPii(text)).toEqual([{ kind: 'card', start: 5, end: 69 }]);
  });
});

/** A Luhn-valid number of `length` digits built from `body` (length - 1 digits). */
function withLuhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

describe('properties', () => {
  const filler = fc.constantFrom('', 'hi ', 'my number is ', 'ok so ', 'it is ', 'uh ', 'the one i use is ');
  const tail = fc.constantFrom('', ' thanks', '.', ', ok?', ' and that is it');

  it('masks any Luhn-valid 13–19 digit number, plain, spaced in fours or dashed, keeping only the last 4', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 13, max: 19 }).chain((n) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${n - 2}}$`))),
        fc.constantFrom('', ' ', '-'),
        filler,
        tail,
        (body, sep, before, after) => {
          const card = withLuhnDigit(body);
          const written = sep === '' ? card : card.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
          const masked = maskPii(before + written + after);
          expect(masked).toBe(`${before}[card ••••${card.slice(-4)}]${after}`);
        },
      ),
    );
  });

  it('is idempotent, and its spans are ordered and disjoint', () => {
    const piece = fc.constantFrom(
      '4111',
      '1111',
      '555',
      '123',
      '4567',
      '12',
      ' ',
      ' ',
      '-',
      '.',
      ',',
      '(',
      ')',
      '+',
      '$',
      'one',
      'four',
      'oh',
      'five',
      'double',
      'card',
      'account',
      'call',
      'order',
      'ssn',
      'at',
      'dot',
      'com',
      'a@b.co',
      'x',
      '@',
      '•',
      '[',
      ']',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const once = maskPii(text);
        expect(maskPii(once)).toBe(once);
        const spans = findPii(text);
        for (let i = 0; i < spans.length; i++) {
          expect(spans[i].start).toBeLessThan(spans[i].end);
          if (i > 0) expect(spans[i - 1].end).toBeLessThanOrEqual(spans[i].start);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('maskDeep', () => {
  it('masks every string in a JSON-like value and leaves the rest and the input untouched', () => {
    const input = {
      sessionId: 's-1',
      turns: [
        { speaker: 'caller', text: 'my card is 4111 1111 1111 1111', startMs: 800 },
        { speaker: 'agent', text: null, interrupted: false },
      ],
      customer: { email: 'ann@example.com', tags: ['vip', 'call 555-123-4567'] },
      count: 4111111111111111,
    };
    const before = JSON.stringify(input);
    expect(maskDeep(input)).toEqual({
      sessionId: 's-1',
      turns: [
        { speaker: 'caller', text: 'my card is [card ••••1111]', startMs: 800 },
        { speaker: 'agent', text: null, interrupted: false },
      ],
      customer: { email: '[email]', tags: ['vip', 'call [phone]'] },
      count: 4111111111111111,
    });
    expect(JSON.stringify(input)).toBe(before);
    expect(maskDeep('acct 1234-5678-90')).toBe('acct [account ••••90]');
    expect(maskDeep(42)).toBe(42);
    expect(maskDeep(null)).toBe(null);
  });
});

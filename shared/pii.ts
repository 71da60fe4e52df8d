import { assertNever } from './assertNever.ts';
/**
 * Finds and masks personal data in caller text: card numbers, account numbers, phone numbers,
 * e-mail addresses and SSN-like numbers, written as digits or spoken as words by ASR
 * ("four one one one …"). Used for the handoff packet, strict sessions and every export.
 *
 * How a run of digits is classified (the nearest keyword in the six words before it decides):
 * 1. After "order / tracking / confirmation / reference / invoice / case / ticket / zip …"
 *    it is left alone: those numbers identify a thing, not a person, and the human who takes the
 *    call needs them.
 * 2. ddd-dd-dddd (or ddd dd dddd) is an SSN; so are 9 digits after "ssn / social (security)".
 * 3. After "card / credit / debit / visa / mastercard / amex": 12–19 digits are a card.
 * 4. After "account / acct / routing / iban / member": 6 digits or more are an account.
 * 5. After "phone / cell / mobile / call / reach / text …": 7–15 digits are a phone number.
 * 6. Phone formats without a keyword: +CC …, 00CC …, (555) 123-4567, 555-123-4567, 1-800-…,
 *    555-1234, and ten bare digits that could be a North American number (first digit 2–9).
 * 7. 13–19 digits that pass the Luhn check, or are grouped like a card (4-4-4-4, 4-6-5), are a card.
 * 8. Any other run of 9+ written digits, or 6+ spoken digits, is masked as an account: a long
 *    number read out on a support call is almost always an identifier.
 * Shorter numbers ("order 42", "$120.50", "3 times", dates, times, years) are never masked.
 *
 * Pure: no effects, deterministic.
 */

export type PiiKind = 'card' | 'account' | 'phone' | 'email' | 'ssn';

export interface PiiSpan {
  kind: PiiKind;
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
}

interface FoundPii extends PiiSpan {
  digits: string;
}

/** Every piece of PII in `text`, in order, never overlapping. Pure. */
export function findPii(text: string): PiiSpan[] {
  return findDetailed(text).map(({ kind, start, end }) => ({ kind, start, end }));
}

/**
 * `text` with every piece of PII replaced: `[card ••••1111]` (last 4 kept), `[account ••••90]`
 * (last 2 kept), `[phone]`, `[email]`, `[ssn]`. Idempotent. Pure.
 */
export function maskPii(text: string): string {
  let out = text;
  const found = findDetailed(text);
  for (let i = found.length - 1; i >= 0; i--) {
    const f = found[i];
    out = out.slice(0, f.start) + maskFor(f) + out.slice(f.end);
  }
  return out;
}

/**
 * A copy of a JSON-like value (objects, arrays, primitives) with every string run through
 * `maskPii`. Keys, numbers and booleans are kept; the input is not modified. Pure.
 */
export function maskDeep<T>(value: T): T {
  return maskValue(value) as T;
}

function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (Array.isArray(value)) return value.map(maskValue);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = maskValue(inner);
    return out;
  }
  return value;
}

function maskFor(f: FoundPii): string {
  switch (f.kind) {
    case 'card':
      return `[card ••••${f.digits.slice(-4)}]`;
    case 'account':
      return `[account ••••${f.digits.slice(-2)}]`;
    case 'phone':
      return '[phone]';
    case 'email':
      return '[email]';
    case 'ssn':
      return '[ssn]';
    default:
      return assertNever(f.kind);
  }
}

function findDetailed(text: string): FoundPii[] {
  // An address is unambiguous, and digits inside it are not a number: e-mails go first and
  // numbers that touch one are dropped.
  const emails = findEmails(text);
  const numbers = [...findWrittenNumbers(text), ...findSpokenNumbers(text)].filter((n) => !emails.some((e) => n.start < e.end && e.start < n.end));
  // Earlier first; at the same start the longer span wins; a spoken run that swallowed a written
  // number beside it replaces it.
  const candidates = [...emails, ...numbers].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: FoundPii[] = [];
  for (const c of candidates) {
    const last = kept[kept.length - 1];
    if (last && c.start < last.end) {
      if (c.end - c.start > last.end - last.start && last.kind !== 'email') kept[kept.length - 1] = c;
      continue;
    }
    kept.push(c);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// E-mail

const EMAIL = /(?<![A-Za-z0-9_%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9_%+@-])/g;

/** "john dot smith at gmail dot com", as ASR writes a spoken address. */
const SPOKEN_EMAIL =
  /\b[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+)*\s+at\s+[a-z0-9]+(?:\s+dot\s+[a-z0-9]+)*\s+dot\s+(?:com|net|org|edu|gov|io|co|uk|us|ca|de|fr|es|it|nl|au|info|biz|me)\b/gi;

/** Words between "my email is" and the spoken address belong to the address ("john smith at …"). */
const EMAIL_INTRO = /(?:e-?mail|address)(?:\s+address)?\s+(?:is|it's|its|was)\s+((?:[a-z0-9]+\s+){1,2})$/i;

function findEmails(text: string): FoundPii[] {
  const found: FoundPii[] = [];
  for (const m of text.matchAll(EMAIL)) {
    found.push({ kind: 'email', start: m.index, end: m.index + m[0].length, digits: '' });
  }
  for (const m of text.matchAll(SPOKEN_EMAIL)) {
    const intro = EMAIL_INTRO.exec(text.slice(0, m.index));
    const start = intro ? m.index - intro[1].length : m.index;
    found.push({ kind: 'email', start, end: m.index + m[0].length, digits: '' });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Numbers

type Context = 'card' | 'account' | 'ssn' | 'phone' | 'exempt' | null;

const CONTEXT_WORDS: Record<string, Exclude<Context, null>> = {
  card: 'card',
  credit: 'card',
  debit: 'card',
  visa: 'card',
  mastercard: 'card',
  amex: 'card',
  cc: 'card',
  account: 'account',
  acct: 'account',
  acc: 'account',
  routing: 'account',
  iban: 'account',
  member: 'account',
  membership: 'account',
  ssn: 'ssn',
  social: 'ssn',
  security: 'ssn',
  phone: 'phone',
  cell: 'phone',
  mobile: 'phone',
  telephone: 'phone',
  landline: 'phone',
  fax: 'phone',
  whatsapp: 'phone',
  call: 'phone',
  reach: 'phone',
  text: 'phone',
  callback: 'phone',
  dial: 'phone',
  order: 'exempt',
  tracking: 'exempt',
  confirmation: 'exempt',
  reference: 'exempt',
  ref: 'exempt',
  invoice: 'exempt',
  case: 'exempt',
  ticket: 'exempt',
  claim: 'exempt',
  zip: 'exempt',
  postal: 'exempt',
  postcode: 'exempt',
  model: 'exempt',
  serial: 'exempt',
  extension: 'exempt',
  ext: 'exempt',
  flight: 'exempt',
  room: 'exempt',
  apartment: 'exempt',
  apt: 'exempt',
  suite: 'exempt',
  unit: 'exempt',
};

/** What maskPii writes; ignored as context so that masking twice changes nothing more. */
const MASK_LABEL = /\[(?:card|account|phone|email|ssn)(?: ••••\d*)?\]/g;

/** The nearest classifying keyword in the six words before `start`, if any. */
function contextBefore(text: string, start: number): Context {
  const words = text
    .slice(Math.max(0, start - 80), start)
    .replace(MASK_LABEL, ' ')
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^a-z]+/)
    .filter(Boolean)
    .slice(-6);
  for (let i = words.length - 1; i >= 0; i--) {
    const c = CONTEXT_WORDS[words[i]];
    if (c) return c;
  }
  return null;
}

/**
 * Digit groups joined by single separators (space, dash, dot, parentheses), not touching letters
 * or other digits: "4111 1111 1111 1111", "(555) 123-4567", "+44 20 7946 0958", "1234-5678-90".
 */
const WRITTEN_NUMBER = /(?<![A-Za-z0-9])\+?\(?\d+\)?(?:(?:[ \t]*[-.][ \t]*|[ \t]+|[ \t]*(?=\())\(?\d+\)?)*(?![A-Za-z0-9])/g;

function findWrittenNumbers(text: string): FoundPii[] {
  const found: FoundPii[] = [];
  for (const m of text.matchAll(WRITTEN_NUMBER)) {
    const raw = m[0];
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 6) continue;
    if (/^\d+\.\d{1,2}$/.test(raw) || /[$€£¥]\s*$/.test(text.slice(0, m.index))) continue;
    const kind = classifyNumber(digits, raw, contextBefore(text, m.index), false);
    if (kind) found.push({ kind, start: m.index, end: m.index + raw.length, digits });
  }
  return found;
}

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  niner: '9',
};

/**
 * Runs of digits spoken as words ("four one one one", "nine oh two one oh", "double five"),
 * possibly mixed with numerals, separated only by spaces, commas, dots, dashes or "dash".
 * "oh"/"o" never start a run, so "oh, one two three" keeps its interjection out.
 */
function findSpokenNumbers(text: string): FoundPii[] {
  const found: FoundPii[] = [];
  // Only whole words count: "co4111five" is not "4111 five".
  const tokens: { word: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(/(?<![A-Za-z0-9])(?:[A-Za-z]+|\d+)(?![A-Za-z0-9])/g)) tokens.push({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  let i = 0;
  while (i < tokens.length) {
    let digits = '';
    let spokenWords = 0;
    let runStart = -1;
    let runEnd = -1;
    let j = i;
    let repeat = 1;
    for (; j < tokens.length; j++) {
      const t = tokens[j];
      if (runStart >= 0) {
        const gap = text.slice(runEnd, t.start);
        if (!/^[\s,.-]*$/.test(gap)) break;
      }
      if (t.word === 'double' || t.word === 'triple') {
        const next = tokens[j + 1];
        if (!next || !(next.word in DIGIT_WORDS) || !/^\s+$/.test(text.slice(t.end, next.start))) break;
        repeat = t.word === 'double' ? 2 : 3;
        if (runStart < 0) runStart = t.start;
        runEnd = t.end;
        continue;
      }
      if ((t.word === 'dash' || t.word === 'hyphen') && runStart >= 0) {
        runEnd = t.end;
        continue;
      }
      const isNumeral = /^\d+$/.test(t.word);
      const spoken = DIGIT_WORDS[t.word];
      if (!isNumeral && spoken === undefined) break;
      if (runStart < 0 && (t.word === 'oh' || t.word === 'o')) break;
      digits += (isNumeral ? t.word : spoken).repeat(isNumeral ? 1 : repeat);
      repeat = 1;
      if (!isNumeral) spokenWords++;
      if (runStart < 0) runStart = t.start;
      runEnd = t.end;
    }
    if (spokenWords > 0 && digits.length >= 6) {
      const raw = text.slice(runStart, runEnd);
      const kind = classifyNumber(digits, raw, contextBefore(text, runStart), true);
      if (kind) found.push({ kind, start: runStart, end: runEnd, digits });
    }
    i = j > i ? j : i + 1;
  }
  return found;
}

const SSN_FORMAT = /^\d{3}([- ])\d{2}\1\d{4}$/;
const NANP_FORMAT = /^(?:\+?1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}$/;
const INTERNATIONAL_FORMAT = /^(?:\+|00)[1-9]/;
const LOCAL_PHONE_FORMAT = /^\d{3}-\d{4}$/;
const CARD_GROUPING = /^(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})$/;
const NANP_BARE = /^1?[2-9]\d{9}$/;

function classifyNumber(digits: string, raw: string, context: Context, spoken: boolean): PiiKind | null {
  const n = digits.length;
  if (context === 'exempt') return null;
  if (!spoken && SSN_FORMAT.test(raw)) return 'ssn';
  if (context === 'ssn' && n === 9) return 'ssn';
  if (context === 'card' && n >= 12 && n <= 19) return 'card';
  if (context === 'account' && n >= 6) return 'account';
  if (context === 'phone' && n >= 7 && n <= 15) return 'phone';
  if (!spoken) {
    if (INTERNATIONAL_FORMAT.test(raw) && /[ .()-]/.test(raw) && n >= 8 && n <= 15) return 'phone';
    if (raw.startsWith('+') && n >= 8 && n <= 15) return 'phone';
    if (NANP_FORMAT.test(raw) || LOCAL_PHONE_FORMAT.test(raw)) return 'phone';
  }
  if (n >= 13 && n <= 19 && (luhnValid(digits) || (!spoken && CARD_GROUPING.test(raw)))) return 'card';
  if (NANP_BARE.test(digits)) return 'phone';
  if (n >= (spoken ? 6 : 9)) return 'account';
  return null;
}

/** The Luhn checksum that every payment card number satisfies. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

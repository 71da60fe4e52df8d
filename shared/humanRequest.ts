import { maskPii } from './pii.ts';

/**
 * Detects an explicit request by the caller to be put through to a human.
 *
 * The call machine hands off at once (`caller_request`, priority high) when this fires, so it is
 * deliberately narrow: a false positive ends an automated call that would have gone fine, while a
 * missed request is repeated by the caller, louder, on the next turn.
 *
 * Decisions, so that a reader can predict the answer:
 * - A request needs a human noun (representative, rep, agent, operator, human, person, manager,
 *   supervisor, someone/somebody/anyone…) in one of two shapes:
 *   1. a request verb phrase before it — "talk/speak/chat to|with", "get me", "give me",
 *      "transfer/connect/put me (through) to", "i want|need|would like (to talk to)", "can i have",
 *      "is there a … i can talk to", "asking for", "put a … on (the line)", or a bare "transfer me";
 *   2. or the whole clause is the noun with filler only: "representative!", "agent please",
 *      "a real person now", "operator operator".
 * - Talking ABOUT a human is not a request: "the agent said", "your representative told me",
 *   "i spoke to a manager yesterday" (past tense verbs are not request verbs), "my manager".
 * - A question about the bot ("are you a real person?", "am i talking to a human?", "is this a
 *   robot?") is NOT a request: the right answer is to say it is an automated assistant and offer a
 *   person, not to hand off unasked. "are you a real person? i want a real person" is a request
 *   because of its second clause.
 * - Negation in the same clause cancels the request: "i'm not asking for a representative, just
 *   my balance", "i don't need an agent", "no need for a human". "why don't you get me a person"
 *   and "can't i just talk to someone" are requests (a suggestion and a complaint, not a refusal).
 * - "transfer me to billing" (a department, no human noun) is not counted: routing between
 *   departments is the agent's job. A bare "transfer me" is.
 *
 * Pure: no effects, deterministic.
 */
export function asksForHuman(text: string): boolean {
  // read with PII masked, as the frustration score is: a masked export decides as the original did
  return splitClauses(maskPii(text)).some(clauseAsksForHuman);
}

const HUMAN_NOUNS = new Set([
  'representative',
  'representatives',
  'rep',
  'agent',
  'operator',
  'human',
  'humans',
  'person',
  'people',
  'manager',
  'supervisor',
  'someone',
  'somebody',
  'anyone',
  'anybody',
  'being',
]);

/** Nouns that are requests on their own only when qualified ("a real person", not "person"). */
const NOUNS_NEEDING_QUALIFIER = new Set(['people', 'someone', 'somebody', 'anyone', 'anybody', 'being']);

/** Words allowed around a human noun in a clause that is nothing but the request. */
const STANDALONE_FILLER = new Set([
  'a',
  'an',
  'real',
  'live',
  'actual',
  'human',
  'please',
  'now',
  'right',
  'yes',
  'yeah',
  'ok',
  'okay',
  'uh',
  'um',
  'hey',
  'hi',
  'hello',
  'just',
  'i',
  'said',
  'customer',
  'service',
  'oh',
  'come',
  'on',
  'again',
  'immediately',
  'asap',
  'thanks',
  'thank',
  'you',
  'straight',
  'away',
]);

/** A noun followed by one of these is a modifier or the subject of a report, not the person asked for. */
const NOT_A_REQUEST_AFTER_NOUN = new Set([
  'id',
  'name',
  'names',
  'number',
  'code',
  'error',
  'errors',
  'resources',
  'rights',
  'said',
  'says',
  'told',
  'was',
  'is',
  'has',
  'had',
  'did',
  'does',
  'hung',
  'gave',
  'made',
]);

/** Words that may sit between a request verb phrase and the human noun. */
const NOUN_PREFIX = new Set([
  'a',
  'an',
  'the',
  'your',
  'some',
  'another',
  'real',
  'live',
  'actual',
  'human',
  'customer',
  'service',
  'care',
  'other',
  'different',
  'proper',
  'flesh',
  'and',
  'blood',
  'living',
  'breathing',
  'person',
  'supervisor',
  'manager',
  'senior',
  'on',
  'duty',
  'in',
  'charge',
  'of',
]);

const AVAILABILITY_WORDS = new Set(['can', 'could', 'talk', 'speak', 'available', 'help']);

const NEGATORS = new Set(['not', 'dont', 'doesnt', 'didnt', 'never', 'no', 'without', 'nor', 'neither', 'aint', 'wont', 'wouldnt']);

/**
 * Request verb phrases, as token sequences. A match is followed (after NOUN_PREFIX words) by a
 * human noun. Longer phrases are listed where a shorter one would mis-anchor the negation check.
 */
const REQUEST_PHRASES: string[][] = [
  'talk to',
  'talk with',
  'speak to',
  'speak with',
  'chat with',
  'chat to',
  'get me',
  'give me',
  'get',
  'transfer me to',
  'transfer me over to',
  'connect me to',
  'connect me with',
  'put me through to',
  'put me on with',
  'put me over to',
  'send me to',
  'pass me to',
  'want',
  'need',
  'would like',
  'id like',
  'can i have',
  'could i have',
  'may i have',
  'can i get',
  'could i get',
  'asking for',
  'ask for',
  'looking for',
  'demand',
  'is there',
  'are there',
  'put',
  'bring',
  'fetch',
  'find me',
  'let me have',
].map((p) => p.split(' '));

function clauseAsksForHuman(tokens: string[]): boolean {
  if (tokens.length === 0) return false;
  if (isIdentityQuestion(tokens)) return false;
  if (isStandaloneRequest(tokens)) return true;
  if (isBareTransfer(tokens)) return true;
  for (let i = 0; i < tokens.length; i++) {
    for (const phrase of REQUEST_PHRASES) {
      if (!startsWith(tokens, i, phrase)) continue;
      const nounAt = humanNounAfter(tokens, i + phrase.length);
      if (nounAt < 0) continue;
      // "is there anyone there?" checks the line is alive; "is there a person i can talk to" asks.
      if ((phrase[0] === 'is' || phrase[0] === 'are') && !tokens.slice(nounAt + 1).some((t) => AVAILABILITY_WORDS.has(t))) continue;
      if (isPastTenseOrAbout(tokens, i)) continue;
      if (isNegatedBefore(tokens, i)) continue;
      return true;
    }
  }
  return false;
}

/** "are you a real person", "is this a human", "am i talking to a person": about the bot. */
function isIdentityQuestion(tokens: string[]): boolean {
  const head = tokens.slice(0, 4).join(' ');
  return /^(?:are you|r u|is this|is that|am i (?:talking|speaking)|are we|is it)\b/.test(head) && !tokens.some((t, i) => (t === 'want' || t === 'need') && i > 2);
}

function isStandaloneRequest(tokens: string[]): boolean {
  let nouns = 0;
  for (const t of tokens) {
    if (HUMAN_NOUNS.has(t) && !NOUNS_NEEDING_QUALIFIER.has(t)) nouns++;
    else if (!STANDALONE_FILLER.has(t)) return false;
  }
  return nouns > 0;
}

function isBareTransfer(tokens: string[]): boolean {
  const s = tokens.join(' ');
  return /(?:^|\s)transfer me(?: over)?(?: please| now| right now)?$/.test(s) && !isNegatedBefore(tokens, tokens.indexOf('transfer'));
}

/** Index of a human noun reachable from `from` through NOUN_PREFIX words, or -1. */
function humanNounAfter(tokens: string[], from: number): number {
  for (let j = from; j < tokens.length && j < from + 6; j++) {
    const t = tokens[j];
    if (HUMAN_NOUNS.has(t)) {
      // "get me a human being" is the person; "the agent id", "human error" and "agent said" use
      // the noun as a modifier or a subject, which is talk about someone, not a request.
      const next = tokens[j + 1];
      if (next !== undefined && NOT_A_REQUEST_AFTER_NOUN.has(next)) return -1;
      if (t === 'being' && tokens[j - 1] !== 'human') return -1;
      if (t === 'people' && !['real', 'live', 'actual', 'human'].includes(tokens[j - 1] ?? '')) return -1;
      return j;
    }
    if (!NOUN_PREFIX.has(t) && t !== 'to' && t !== 'with') return -1;
  }
  return -1;
}

/** "i already talked to a manager", "the agent said": the verb before the phrase makes it a report. */
function isPastTenseOrAbout(tokens: string[], phraseAt: number): boolean {
  const before = tokens.slice(Math.max(0, phraseAt - 2), phraseAt);
  return before.some((t) => t === 'was' || t === 'were' || t === 'had' || t === 'did' || t === 'already');
}

/**
 * A negator up to four words before the request phrase, in the same clause, cancels it.
 * "why dont you …", "cant i …", "wont you …" are requests phrased as questions, not refusals.
 */
function isNegatedBefore(tokens: string[], phraseAt: number): boolean {
  for (let k = phraseAt - 1; k >= 0 && k >= phraseAt - 4; k--) {
    const t = tokens[k];
    if (!NEGATORS.has(t)) continue;
    if (t === 'dont' && tokens[k - 1] === 'why') continue;
    if (t === 'wont' && tokens[k + 1] === 'you') continue;
    if (t === 'no' && k === 0 && phraseAt - k > 1 && !['need', 'want'].includes(tokens[k + 1] ?? '')) continue;
    return true;
  }
  return false;
}

function startsWith(tokens: string[], at: number, phrase: string[]): boolean {
  for (let k = 0; k < phrase.length; k++) if (tokens[at + k] !== phrase[k]) return false;
  return true;
}

/**
 * Lower-cases, drops apostrophes ("don't" → "dont") and splits into clauses at punctuation and at
 * the words that start a new thought in unpunctuated ASR text ("just", "but").
 */
function splitClauses(text: string): string[][] {
  const clauses: string[][] = [];
  for (const chunk of text
    .toLowerCase()
    .replace(/['’`]/g, '')
    .split(/[.,;:!?()\n]+/)) {
    let current: string[] = [];
    for (const token of chunk.split(/[^a-z0-9]+/).filter(Boolean)) {
      if (token === 'just' || token === 'but') {
        if (current.length > 0) clauses.push(current);
        current = [];
        continue;
      }
      current.push(token);
    }
    if (current.length > 0) clauses.push(current);
  }
  return clauses;
}

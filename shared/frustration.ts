/**
 * A deterministic, explainable frustration scorer for caller utterances.
 *
 * The call machine compares the running score with the policy's `frustrationThreshold` (0.7 by
 * default) to decide a `caller_frustration` handoff, so every point the scorer gives is written
 * into `reasons`, and the same words in the same call context always give the same number.
 *
 * How one utterance is read (all rule-based, no model):
 * 1. The text is lower-cased, apostrophes dropped ("can't" → "cant") and cut into clauses at
 *    punctuation. Phrases from the lexicons below are matched longest first; a word used by one
 *    phrase is not counted again by another ("thanks for nothing" is sarcasm, not gratitude).
 * 2. Negative cues add points: negative words (mild 0.3, strong 0.5), self-reported anger,
 *    profanity, threats to cancel or complain, waiting and repetition complaints, remarks aimed at
 *    the agent. An intensifier just before a cue ("absolutely", "so") multiplies it by 1.4; a
 *    negator ("not", "don't") within three words turns praise into a mild negative ("not happy")
 *    and cancels a negative word ("not bad"). Durations ("for an hour"), targets ("your system"),
 *    "ever" and "at all" only add when something negative is already there.
 * 3. Call events matter: each recent failed tool call (up to 3) makes the negative points weigh
 *    15% more, and makes praise suspicious. Praise is read as sarcasm when it comes after a failure
 *    with a sarcasm marker ("wow", "oh", "just", repeated or stacked praise), with a stock
 *    sarcastic phrase ("great job", "thanks a lot"), or next to bad news ("another error"); or,
 *    without a failure, when marked praise sits next to bad news ("oh perfect, forty minutes on
 *    hold"). Phrases that are sarcastic anywhere ("thanks for nothing", "yeah right") always are.
 *    Thanks anchored in something genuine ("thanks for trying", "no worries") is not sarcasm.
 * 4. Venting is self-directed, apologetic and moves on ("sorry, long day, i'm just venting, anyway
 *    where is my order"): its negative points count at 30%, capped at 0.45, so it never triggers a
 *    handoff. A threat, or sarcasm, is never venting.
 * 5. Shouting (words in capitals, unless the whole text is) and "!" / "??" add a little, the latter only when the utterance
 *    is already negative; so does an agent that has apologised twice or more without a fix.
 *
 * The running score (`updateFrustration`) is a decaying maximum that also accumulates: a negative
 * turn gives max(turn, 0.9 × previous) + 0.3 × min(turn, previous), so one mildly negative word
 * (0.3) stays far below 0.7 while sustained anger climbs past it and a sharp outburst (≥ 0.7)
 * crosses at once; a neutral turn keeps 80% of the previous score, venting 85%, a polite one 60%.
 */

import { assertNever } from './assertNever.ts';
import { maskPii } from './pii.ts';

export type UtteranceKind = 'venting' | 'sarcasm' | 'anger' | 'neutral' | 'polite';

export interface UtteranceAssessment {
  kind: UtteranceKind;
  /** 0..1 for this utterance alone, rounded to 2 decimals. */
  score: number;
  /** Human-readable, one per point given or decision taken. */
  reasons: string[];
}

export interface FrustrationContext {
  /** Failed tool calls since the caller's previous turn (errors, timeouts, empty or malformed). */
  recentToolFailures: number;
  /** Times the agent has apologised in the call so far. */
  agentApologies?: number;
}

export interface FrustrationState {
  score: number;
  /** Score after each caller turn, rounded to 2 decimals. */
  trajectory: number[];
  last: UtteranceAssessment | null;
}

export const initialFrustration: FrustrationState = Object.freeze({
  score: 0,
  trajectory: Object.freeze([]) as unknown as number[],
  last: null,
});

/**
 * The frustration state after one more caller turn: the turn is assessed with
 * `assessUtterance` and folded into the running score (see the module comment). The turn is
 * read with its PII masked: a card number read out ("4111 1111 1111 1111") is no caller saying
 * the same thing again and again, and an exported (masked) session scores as the original did,
 * so it replays. Pure: `prev` is not modified.
 */
export function updateFrustration(prev: FrustrationState, text: string, ctx: FrustrationContext): FrustrationState {
  const last = assessUtterance(maskPii(text), ctx);
  const score = round2(combine(prev.score, last));
  return { score, trajectory: [...prev.trajectory, score], last };
}

function combine(previous: number, turn: UtteranceAssessment): number {
  switch (turn.kind) {
    case 'anger':
    case 'sarcasm':
      return Math.min(1, Math.max(turn.score, previous * 0.9) + 0.3 * Math.min(turn.score, previous));
    case 'neutral':
      return Math.max(turn.score, previous * 0.8);
    case 'venting':
      return Math.max(turn.score, previous * 0.85);
    case 'polite':
      return Math.max(turn.score, previous * 0.6);
    default:
      return assertNever(turn.kind);
  }
}

// ---------------------------------------------------------------------------------------------
// Lexicons. Phrases are written normalised: lower case, no apostrophes ("im", "dont", "thats").

type Category =
  | 'negative' // anger-bearing words and phrases
  | 'emotion' // the caller says how they feel
  | 'profanity'
  | 'threat' // to leave, complain, dispute, sue
  | 'cancel' // a plain request to cancel: weaker than a threat
  | 'waiting'
  | 'repetition'
  | 'persistence' // "still no", "keeps happening", "nobody can"
  | 'directed' // aimed at the agent: "are you kidding me", "aren't you listening"
  | 'demand'
  | 'resignation'
  | 'emphasis' // only with other negativity: "ever", "at all", "i swear"
  | 'target' // only with other negativity: "your system", "you people"
  | 'sarcasm' // sarcastic anywhere
  | 'sarcasmContext' // sarcastic after a failure or next to bad news
  | 'praise'
  | 'mildPraise'
  | 'gratitude'
  | 'courtesy'
  | 'anchor' // what makes thanks after a failure genuine
  | 'vent'
  | 'apology'
  | 'moveOn'
  | 'situational'; // bad news that turns praise into sarcasm

interface LexiconEntry {
  words: string[];
  category: Category;
  weight: number;
}

const LEXICON: LexiconEntry[] = [];

function add(category: Category, weight: number, phrases: string): void {
  for (const phrase of phrases.split(',')) {
    const words = phrase.trim().split(/\s+/).filter(Boolean);
    if (words.length > 0) LEXICON.push({ words, category, weight });
  }
}

add(
  'negative',
  0.5,
  `ridiculous, unacceptable, outrageous, absurd, insane, pathetic, useless,
  worthless, terrible, horrible, awful, worst, disgusting, disgrace, disgraceful, appalling,
  atrocious, incompetent, this is a joke, what a joke, its a joke, such a joke, absolute joke,
  complete joke, total joke, joke of a, unbelievable, waste of time, waste of my time,
  sick of, sick and tired, tired of, fed up, had enough, ive had it, enough is enough, hopeless,
  nonsense, garbage, trash, stupid, had it with, ive had it with, i want out, idiotic, hate this, hate you, scam, rip off, ripoff, shambles,
  clowns, beyond a joke, ludicrous, laughable, shameful, a nightmare, nightmare, disaster,
  a disaster, catastrophe, farce, a farce, circus, clown show, embarrassing, chaos, sick to death of,
  sick to death, how hard can it be, its not rocket science, cant believe this, i cant believe,
  unbelievable, what a waste`,
);
add(
  'negative',
  0.3,
  `annoying, irritating, frustrating, bad, poor, so slow, too slow, disappointing,
  messed up, screwed up, a mess, unhelpful, no help, no use, confusing, sucks, this sucks, hate,
  give me a break, for gods sake, for crying out loud, and now this, what is going on,
  whats going on, not okay, not ok, not good enough, not acceptable, come on, excuses, your excuses,
  hassle, a pain, headache, taking forever, takes forever, taking so long, takes so long, too long, this long,
  why is this so hard, why is this so difficult, why is it so hard, why is this so complicated,
  how hard is it, its not that hard, its a simple, so hard, so difficult, a straight answer,
  straight answer`,
);
add('negative', 0.2, `charged me twice, charged me three times, you charged me`);
add('negative', 0.15, `ugh, argh, oh my god, omg, jeez, geez, seriously`);
add(
  'emotion',
  0.6,
  `furious, livid, outraged, fuming, beyond angry, seething, at my wits end,
  had it up to here, beside myself`,
);
add(
  'emotion',
  0.45,
  `losing it, losing my mind, losing my patience, running out of patience, out of patience, lost my patience,
  patience is wearing thin`,
);
add('emotion', 0.5, `angry, pissed, pissed off`);
add('emotion', 0.4, `frustrated, mad`);
add('emotion', 0.35, `upset`);
add('emotion', 0.3, `annoyed, irritated, disappointed`);
add(
  'profanity',
  0.5,
  `fuck, fucking, fucked, the fuck, what the fuck, wtf, shit, shitty, bullshit,
  piece of shit, asshole, bastard, god damn, goddamn, screw you`,
);
add('profanity', 0.45, `what the hell, the hell`);
add('profanity', 0.35, `damn it, dammit, crappy, screw this`);
add('profanity', 0.3, `damn, hell, crap, bloody hell`);
add(
  'threat',
  0.6,
  `im cancelling, im canceling, ill cancel, going to cancel, gonna cancel,
  cancel everything, close my account, closing my account, taking my business elsewhere,
  take my business elsewhere, switching to, switch providers, going to a competitor,
  never using you again, never ordering again, never again, lawyer, my attorney, sue, suing,
  legal action, report you, reporting you, better business bureau, bbb, filing a complaint,
  file a complaint, formal complaint, dispute the charge, disputing the charge, chargeback,
  bad review, one star, leave a review, reverse the payment, reverse the charge, call my bank,
  calling my bank, contact my bank, switching providers, switching companies, switching banks,
  switching carriers, going elsewhere, go elsewhere, find another company, report this to,
  report you to, consumer protection, ombudsman,
  trading standards, social media, post online, competitor, your competitor, closing everything,
  close everything`,
);
add(
  'cancel',
  0.25,
  `cancel my account, cancel my subscription, cancel my service, cancel my membership,
  cancel my contract, cancel my plan`,
);
add(
  'waiting',
  0.3,
  `been waiting, still waiting, keep waiting, waiting forever, been on hold,
  on hold for, on hold forever, kept me on hold, left on hold, on hold again, wait some more,
  waiting and waiting, told to wait, ive waited, i waited, waited for, waiting for ages,
  still havent received, how much longer, on the phone for, on this call for,
  been on the phone`,
);
add(
  'repetition',
  0.3,
  `how many times, how many more times, already told you, already said,
  i already gave, already gave you, like i said, as i said, i told you, i just told you,
  said that already, for the third time, for the second time, second time, third time,
  fourth time, again and again, over and over, yet again, not again, called twice,
  called three times, called four times, called five times, called so many times,
  called multiple times, called several times, keep asking, keep telling, every time,
  every single time, each time, twice already, already called`,
);
add(
  'persistence',
  0.3,
  `still no, still not, still hasnt, still havent, still doesnt, still dont,
  still isnt, keeps happening, keep happening, keeps breaking, keeps failing, keeps crashing,
  keeps dropping, never works, never work, nothing ever works, nothing works, doesnt ever work,
  always broken, always something, no one can, nobody can, nobody knows, no one knows,
  nobody ever, no one ever, nobody is helping, no one is helping, nobody helps, why does nothing,
  been down for, been broken for, been out for, been off for, not been working, hasnt worked,
  hasnt been working, been without, nobody will, no one will`,
);
add(
  'directed',
  0.45,
  `are you kidding me, you kidding me, whats wrong with you, what is wrong with you,
  arent you listening, are you even listening, you dont listen, you never listen, do your job,
  you dont care, you people dont, stop telling me, stop saying, stop asking me, stop apologizing,
  stop apologising, stop transferring me, dont give me that, youre not listening,
  you are not listening, you keep saying, you keep telling me, useless bot, stupid bot,
  stupid machine, dumb bot, sorry doesnt`,
);
add('directed', 0.35, `are you serious, are you joking`);
add(
  'directed',
  0.3,
  `whats wrong with, what is wrong with, is wrong with your, are you listening,
  listen to me, is anyone actually, anyone actually, anybody actually`,
);
add('directed', 0.2, `or what, help me or not, is anyone there, anyone there, anybody there`);
add(
  'demand',
  0.3,
  `i demand, i want answers, i want it fixed, want it fixed, i want this sorted,
  want this fixed, want this sorted`,
);
add('demand', 0.25, `fix it, fix this, i want my money back, give me my money back, sort it out`);
add('demand', 0.15, `right now, immediately`);
add('resignation', 0.35, `i give up, pointless, why do i bother, im done, done with, no point`);
add('resignation', 0.3, `forget it, why bother`);
add('resignation', 0.25, `whatever`);
add('resignation', 0.2, `never mind, nevermind`);
add(
  'emphasis',
  0.3,
  `if this isnt fixed, if this isnt sorted, if you dont fix, if you cant fix,
  this is the last time, or im, or ill, or else, or i will, if its not fixed, if it isnt fixed,
  if its not sorted, if this is not fixed, unless this is fixed`,
);
add(
  'emphasis',
  0.25,
  `ive ever, i have ever, ever had, ever seen, ever dealt with, in my life,
  of all time`,
);
add('emphasis', 0.2, `at all, i swear, already, what kind of, what sort of`);
add(
  'target',
  0.15,
  `you people, you guys, your company, this company, your system, your service,
  your app, this service, this place`,
);
add(
  'sarcasm',
  0.55,
  `thanks for nothing, thank you for nothing, thanks a lot for nothing, yeah right,
  what a surprise, big surprise, surprise surprise, what a shock, what a shocker, shocker,
  color me shocked, colour me shocked, slow clap, love that for me, oh joy, its not like i have,
  not like i have anywhere, like thats ever gonna happen, like thats going to happen,
  like thats ever going to happen, gee thanks, my favorite way to, my favourite way to,
  of course it did, of course it is, of course it does, of course it doesnt, of course it didnt,
  of course not, how convenient, who would have thought, who knew, im shocked, no surprise there,
  ill just sit here, i guess ill just, sit here and wait, what are the odds, what were the odds,
  living the dream, best day ever, couldnt be happier, just peachy, fine and dandy,
  love this for me, yeah because, because that worked, what a treat, works like a charm,
  working like a charm, like a charm, thats helpful not, helpful not`,
);
add(
  'sarcasmContext',
  0.55,
  `thanks a lot, thanks a bunch, great job, good job, nice job, well done,
  way to go, nice going, nice one, bravo, genius, oh great, oh perfect, oh wonderful, oh brilliant,
  oh lovely, oh fantastic, oh awesome, oh good, just great, just perfect, just wonderful,
  just fantastic, just brilliant, just lovely, thats just great, how wonderful, how lovely,
  how nice, how helpful, so helpful, super helpful, really helpful, very helpful, real helpful,
  helpful as always, as always, as usual, love it, love that, i love how, i love it when,
  i love that, great stuff, top notch, you got there, you have there, you guys have,
  amazing service, great service, wonderful service, fantastic service, excellent service,
  brilliant service, isnt that lovely, isnt that great, isnt that nice, isnt that wonderful,
  isnt that special, isnt that just great, love being, love waiting, thats great, great system,
  just what i needed, exactly what i needed, just what i wanted, exactly what i wanted,
  on a roll, killing it, nailed it, smooth, real smooth, very smooth, good one, nice work,
  top work, im thrilled, thrilled, delighted, peachy, went great, went well, went perfectly,
  went smoothly, worked great, worked perfectly, worked so well, went so well, work there,
  job there, that was useful, that was helpful, so useful, super useful, really useful,
  very useful, oh super, just super, well super`,
);
add(
  'praise',
  0,
  `great, perfect, wonderful, awesome, amazing, fantastic, brilliant, excellent, lovely,
  incredible, superb, outstanding, stellar, marvelous, marvellous, terrific, fabulous, splendid,
  phenomenal, spectacular`,
);
add(
  'mildPraise',
  0,
  `good, nice, helpful, happy, glad, pleased, cool, relief, neat, sweet, useful,
  impressive, impressed, kind of you, very kind, so kind, youre kind, thats kind, how kind`,
);
add(
  'gratitude',
  0,
  `thanks, thank you, thank you so much, thanks so much, thank you very much,
  thanks very much, many thanks, appreciate it, appreciate that, i appreciate, appreciate your help,
  much appreciated, cheers, appreciate`,
);
add(
  'courtesy',
  0,
  `please, no worries, no problem, no rush, no hurry, take your time,
  have a good day, have a nice day, have a good one, have a nice evening, have a great day,
  have a good evening, sorry to bother you, sorry to bother, dear, sir, maam, thats okay,
  thats ok, thats fine, its fine, its okay, its ok, all good, its all good, i understand,
  these things happen, that would be great, sounds good, that sorts it, that works, thats alright,
  its alright, kindly, bye now, you made my day`,
);
add(
  'anchor',
  0,
  `for trying, for checking, for looking, for looking into, for letting me know,
  for your patience, for explaining, for sorting, appreciate you trying, appreciate you looking,
  i know youre trying, thanks for trying anyway, things happen, it happens, i can hold, i can wait,
  happy to hold, happy to wait, for having another look, for having a look`,
);
add(
  'vent',
  0,
  `just venting, im venting, venting, rant, ranting, rant over, long day, rough day,
  bad day, rough week, long week, hard day, crazy day, one of those days, been a day, been a week,
  mess of a day, the worst morning, worst morning, rough morning, long morning, not your fault,
  not you, not with you, not mad at you, not angry at you, not upset with you, not blaming you,
  not your problem, nothing personal, dont mind me, ignore me, i know youre just, doing your job,
  sorry for ranting, rambling, all over the place, didnt mean to snap, snapped, wasnt fair to you,
  excuse my language, pardon my french, cranky, grumpy, stressed, stressed out, exhausted,
  tired, stressful, been up since, what a morning, what a day, what a week, such a week, such a day,
  end of my rope, wound up, in a mood, short with you, bad time, kept me up, up all night, no sleep,
  havent slept, been crazy, been hectic, been nuts, on edge, overwhelmed, burnt out, burned out,
  frazzled, been a lot, a lot going on, so much going on, struggling, not on you, isnt on you,
  not at you, its not you, youre fine, for the attitude, not directed at you, my own fault,
  not your doing, worn out, wiped out, drained, run down, been dealing with,
  one thing after another, bear with me, at the situation, with the situation, not upset at you,
  not angry with you, not mad with you, not annoyed with you, not annoyed at you,
  not frustrated with you, not frustrated at you, not cross with you, dont take it personally,
  nothing against you, juggling, long shift, doing your best, rough couple of days,
  all frazzled, head is all over the place, stressed about`,
);
add(
  'apology',
  0,
  `sorry, so sorry, im sorry, apologies, my apologies, my bad, forgive me, pardon me,
  pardon the, excuse the, sorry for the`,
);
add(
  'moveOn',
  0,
  `anyway, anyways, anyhow, so anyway, but anyway, moving on, what was i saying,
  oh right, but yeah, so yeah, carry on, back to, where was i`,
);
add(
  'situational',
  0,
  `error, errors, broken, down, crashed, crashes, crash, crashing, failed,
  failing, fails, failure, nothing, again, another, lost, hold, wait, waiting, wrong, cant find,
  couldnt find, doesnt work, didnt work, isnt working, not working, wont work, either, still,
  nobody, no one, call back, gone, missing, glitch, bug, stuck, dropped, charged twice, wasting`,
);

/** Phrases by first word, longest first, so that matching is one pass. */
const BY_FIRST_WORD = new Map<string, LexiconEntry[]>();
for (const entry of LEXICON) {
  const list = BY_FIRST_WORD.get(entry.words[0]) ?? [];
  list.push(entry);
  BY_FIRST_WORD.set(entry.words[0], list);
}
for (const list of BY_FIRST_WORD.values()) list.sort((a, b) => b.words.length - a.words.length);

const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'wasnt',
  'arent',
  'werent',
  'cant',
  'cannot',
  'couldnt',
  'wont',
  'wouldnt',
  'hardly',
  'barely',
  'aint',
  'havent',
  'hasnt',
  'neither',
  'nor',
  'without',
]);

const INTENSIFIERS = new Set([
  'so',
  'very',
  'really',
  'extremely',
  'absolutely',
  'completely',
  'totally',
  'utterly',
  'incredibly',
  'super',
  'such',
  'freaking',
  'fricking',
  'frigging',
  'beyond',
  'truly',
  'seriously',
  'too',
  'most',
  'bloody',
  'highly',
  'insanely',
  'ridiculously',
  'terribly',
  'awfully',
  'complete',
  'total',
  'absolute',
  'utter',
  'pure',
]);

/** Words that, just before praise, mark it as ironic when something has gone wrong. */
const SARCASM_MARKERS = new Set(['wow', 'oh', 'gee', 'yeah', 'sure', 'just', 'real', 'well', 'ooh', 'ah', 'truly', 'how', 'so', 'really', 'super', 'very']);

/** Things a caller insults directly: "garbage system", "useless company". */
const INSULTED_THINGS = new Set([
  'system',
  'systems',
  'company',
  'service',
  'app',
  'website',
  'site',
  'place',
  'bot',
  'robot',
  'machine',
  'business',
  'outfit',
  'people',
  'computer',
  'phone',
  'line',
  'menu',
]);

/** Capitalised words that are names, not shouting. */
const ACRONYMS = new Set([
  'ATM',
  'PIN',
  'USA',
  'UPS',
  'USPS',
  'DHL',
  'SMS',
  'CEO',
  'FAQ',
  'IRS',
  'DMV',
  'ETA',
  'ACH',
  'IBAN',
  'VPN',
  'USB',
  'GPS',
  'LLC',
  'SSN',
  'APR',
  'FEDEX',
  'VIP',
  'CVV',
  'DOB',
  'TV',
  'PDF',
]);

const NUMBER_WORDS = new Set([
  'a',
  'an',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'fifteen',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'sixty',
  'ninety',
  'several',
  'few',
  'couple',
  'half',
]);
const TIME_UNITS = new Set(['minutes', 'minute', 'mins', 'hours', 'hour', 'hrs', 'days', 'day', 'weeks', 'week', 'months', 'month']);

/** Where a task or question begins: what venting moves on to. */
const TASK_OPENERS = [
  'where',
  'wheres',
  'what',
  'whats',
  'when',
  'how',
  'can you',
  'could you',
  'can we',
  'could we',
  'would you',
  'will you',
  'i need',
  'i want to',
  'i wanted to',
  'id like',
  'im calling',
  'calling about',
  'calling to',
  'check',
  'is my',
  'is the',
  'did my',
  'does my',
  'has my',
  'what are',
  'look up',
  'look at',
  'tell me',
  'update my',
  'change my',
  'repeat',
].map((p) => p.split(' '));

// ---------------------------------------------------------------------------------------------

interface Token {
  word: string;
  clause: number;
}

interface Match {
  entry: LexiconEntry;
  at: number; // token index of the first word
  end: number; // token index after the last word
  text: string;
  negated: boolean;
  intensifier: string | null;
}

/**
 * Scores one caller utterance for frustration and says why. `ctx.recentToolFailures` is the
 * number of failed tool calls since the caller last spoke; `ctx.agentApologies` the agent's
 * apologies so far. Pure and deterministic.
 *
 * The steps are separate functions, each adding its reasons in turn: as one function this was
 * the costliest one V8 optimized in a red-team worker (about 600 ms of compiler time a try, tried
 * four times a worker as new shapes of input arrived), paid again by every worker.
 */
export function assessUtterance(text: string, ctx: FrustrationContext): UtteranceAssessment {
  const tokens = tokenize(text);
  const matches = matchLexicon(tokens);
  const failures = Math.max(0, Math.min(3, Math.floor(ctx.recentToolFailures)));
  const apologies = Math.max(0, Math.floor(ctx.agentApologies ?? 0));
  const reasons: string[] = [];
  const { negative, conditional } = negativePoints(text, tokens, matches, reasons);
  const praise = readPraise(tokens, matches, negative, failures, reasons);
  const amplified = amplify(text, negative, praise.cues.length > 0, failures, apologies, reasons);
  if (praise.cues.length > 0) return sarcasticTurn(praise, failures, amplified, reasons);
  return unsarcasticTurn(tokens, matches, conditional, negative, amplified, praise, reasons);
}

/**
 * The texts of matches, quoted (`'so helpful'`); with `c`, only the category's matches that are
 * not negated. Built by push: a map/filter result's array map differs between interpreted and
 * optimized callers, and each new one cost the optimized caller a deopt (see `copies` in result.ts).
 */
function quoted(matches: readonly Match[], c?: Category): string[] {
  const out: string[] = [];
  for (const m of matches) if (c === undefined || (m.entry.category === c && !m.negated)) out.push(`'${m.text}'`);
  return out;
}

function has(matches: readonly Match[], c: Category): boolean {
  return matches.some((m) => m.entry.category === c && !m.negated);
}

/** `list` and then `last`, if there is one, as a new array. */
function andThen(list: readonly string[], last: string | null): string[] {
  const out = list.slice();
  if (last) out.push(last);
  return out;
}

/** Negative words, repeats and complaints; emphasis and targets count only with a complaint. */
function negativePoints(text: string, tokens: Token[], matches: Match[], reasons: string[]): { negative: number; conditional: Match[] } {
  let negative = 0;
  const conditional: Match[] = [];
  for (const m of matches) {
    const c = m.entry.category;
    if (c === 'emphasis' || c === 'target') {
      conditional.push(m);
      continue;
    }
    if ((c === 'praise' || c === 'mildPraise' || c === 'gratitude') && m.negated) {
      const points = 0.3 * (m.intensifier ? 1.4 : 1);
      negative += points;
      reasons.push(`negated praise '${negatorText(tokens, m.at)} ${m.text}' reads as a complaint (+${fmt(points)})`);
      continue;
    }
    if (!isNegativeCategory(c) || m.entry.weight === 0) continue;
    if (m.negated) {
      reasons.push(`'${negatorText(tokens, m.at)} ${m.text}' is negated, not counted`);
      continue;
    }
    let points = m.entry.weight;
    let why = `${describe(c)} '${m.text}' (+${fmt(points)})`;
    if (m.intensifier) {
      points *= 1.4;
      why = `${describe(c)} '${m.text}' intensified by '${m.intensifier}' (+${fmt(m.entry.weight)} × 1.4 = +${fmt(points)})`;
    }
    negative += points;
    reasons.push(why);
    const next = tokens[m.end]?.word;
    if (c === 'negative' && next !== undefined && INSULTED_THINGS.has(next) && tokens[m.end].clause === tokens[m.at].clause) {
      negative += 0.2;
      reasons.push(`insult aimed at the ${next}: '${m.text} ${next}' (+0.20)`);
    }
  }
  for (const r of timesRepeated(tokens, matches)) {
    negative += 0.3;
    reasons.push(`has to repeat '${r}' (+0.30)`);
  }
  const durations = findDurations(tokens, matches);
  if (negative > 0) {
    for (const m of conditional) {
      negative += m.entry.weight;
      reasons.push(`${describe(m.entry.category)} '${m.text}' with a complaint (+${fmt(m.entry.weight)})`);
    }
    for (const d of durations) {
      negative += 0.15;
      reasons.push(`complains of a duration '${d}' (+0.15)`);
    }
  }
  for (const r of repeatedClauses(text)) {
    negative += 0.25;
    reasons.push(`says '${r}' again and again (+0.25)`);
  }
  return { negative, conditional };
}

interface PraiseReading {
  /** Sarcasm cues, strongest first; none when the turn is not sarcastic. */
  cues: string[];
  /** Sarcastic phrases that are sarcastic anywhere ("thanks for nothing"). */
  explicit: number;
  praiseMatches: Match[];
  anchors: string[];
  contextSarcasm: string[];
}

/** Praise, sarcasm and what makes praise sincere. */
function readPraise(tokens: Token[], matches: Match[], negative: number, failures: number, reasons: string[]): PraiseReading {
  const praiseMatches: Match[] = [];
  const strongPraise = new Set<string>();
  let strongPraiseCount = 0;
  for (const m of matches) {
    if (m.negated) continue;
    if (m.entry.category === 'praise') {
      praiseMatches.push(m);
      strongPraise.add(m.text);
      strongPraiseCount++;
    } else if (m.entry.category === 'mildPraise') praiseMatches.push(m);
  }
  const praiseRepeated = strongPraise.size < strongPraiseCount;
  const explicitSarcasm = quoted(matches, 'sarcasm').concat(thanksForNothing(tokens, matches));
  const contextSarcasm = quoted(matches, 'sarcasmContext');
  const situational = quoted(matches, 'situational');
  const anchors = quoted(matches, 'anchor');
  const badNews = situational.length > 0 || negative > 0;
  const praiseIsSuspect = praiseMatches.length > 0 || contextSarcasm.length > 0;
  const tag = tagQuestion(tokens);
  const markers = contextSarcasm.slice();
  if (tag && praiseIsSuspect) markers.push(`tag question '${tag}'`);
  for (const m of praiseMatches) if (hasMarkerBefore(tokens, m.at) || m.intensifier !== null) markers.push(`'${markerText(tokens, m)}'`);
  if (praiseRepeated || strongPraise.size >= 2) markers.push(`stacked praise ${[...strongPraise].map((p) => `'${p}'`).join(' + ')}`);
  const badNewsCue = badNews ? `bad news ${situational.length > 0 ? situational.join(', ') : 'in a complaint'}` : null;

  // Sarcasm cues, strongest first: the first sets the headline, each further one adds 0.10.
  let cues: string[] = [];
  if (explicitSarcasm.length > 0) {
    cues = andThen(explicitSarcasm.concat(markers), badNewsCue);
  } else if (praiseIsSuspect && anchors.length === 0) {
    if (failures > 0 && (markers.length > 0 || badNews)) {
      const praised = quoted(praiseMatches).join(', ');
      cues = markers.length > 0 ? andThen(markers, badNewsCue) : [`praise ${praised} with ${badNewsCue}`];
    } else if (failures === 0 && markers.length > 0 && badNewsCue) {
      cues = andThen(markers, badNewsCue);
    }
  }
  if (cues.length === 0 && praiseIsSuspect && failures > 0) {
    reasons.push(
      anchors.length > 0 ? `praise after a failed tool, but anchored in ${anchors.join(', ')}: read as sincere` : 'praise after a failed tool, but no sarcasm marker or bad news: read as sincere',
    );
  }
  return { cues, explicit: explicitSarcasm.length, praiseMatches, anchors, contextSarcasm };
}

/** The negative points after failed tools, shouting, exclamations and fruitless apologies. */
function amplify(text: string, negative: number, sarcasm: boolean, failures: number, apologies: number, reasons: string[]): number {
  const failureFactor = 1 + 0.15 * failures;
  let amplified = negative;
  if (failures > 0 && negative > 0) {
    amplified = negative * failureFactor;
    reasons.push(`after ${failures} failed tool call${failures > 1 ? 's' : ''} negative words weigh × ${failureFactor.toFixed(2)} (${fmt(negative)} → ${fmt(amplified)})`);
  }
  const shouted = shoutedWords(text);
  if (shouted.length > 0) {
    const points = Math.min(0.3, 0.1 * shouted.length);
    amplified += points;
    reasons.push(`shouting: ${shouted.map((w) => `'${w}'`).join(', ')} in capitals (+${fmt(points)})`);
  }
  const exclaims = (text.match(/!/g) ?? []).length + (text.match(/\?{2,}/g) ?? []).length;
  if (exclaims > 0 && (negative > 0 || sarcasm)) {
    const points = exclaims >= 2 ? 0.2 : 0.1;
    amplified += points;
    reasons.push(`${exclaims} exclamation${exclaims > 1 ? 's' : ''} ('!' or '??') on a negative turn (+${fmt(points)})`);
  }
  if (apologies >= 2 && (negative > 0 || sarcasm)) {
    amplified += 0.1;
    reasons.push(`the agent has apologised ${apologies} times without a fix (+0.10)`);
  }
  return amplified;
}

/** A sarcastic turn: 0.55, more for further cues and failed tools, plus half its negative points. */
function sarcasticTurn(praise: PraiseReading, failures: number, amplified: number, reasons: string[]): UtteranceAssessment {
  const cues = praise.cues;
  const headline = praise.explicit > 0 || failures > 0 ? `sarcastic ${failures > 0 ? 'praise after a failed tool' : 'phrase'}: ${cues[0]}` : `sarcastic praise next to bad news: ${cues[0]}`;
  const extra = cues.slice(1);
  const extraPoints = 0.1 * Math.min(2, extra.length);
  const failureBoost = failures === 0 ? 0 : failures === 1 ? 0.2 : 0.25;
  const score = clamp01(0.55 + extraPoints + failureBoost + 0.5 * amplified);
  reasons.unshift(`${headline} (+0.55)`);
  if (extra.length > 0) reasons.push(`more sarcasm cues: ${extra.join('; ')} (+0.10 each, at most +0.20: +${fmt(extraPoints)})`);
  if (failureBoost > 0) reasons.push(`sarcasm right after ${failures} failed tool call${failures > 1 ? 's' : ''} (+${fmt(failureBoost)})`);
  if (amplified > 0) reasons.push(`half of the negative points count on top of sarcasm (+${fmt(0.5 * amplified)})`);
  return finish('sarcasm', score, reasons);
}

/** A turn that is not sarcastic: venting, anger, polite or neutral. */
function unsarcasticTurn(tokens: Token[], matches: Match[], conditional: Match[], negative: number, amplified: number, praise: PraiseReading, reasons: string[]): UtteranceAssessment {
  const vents = quoted(matches, 'vent');
  const apologyMatches = matches.filter((m) => m.entry.category === 'apology' && tokens[m.end]?.word !== 'but');
  const threat = has(matches, 'threat');
  const directed = has(matches, 'directed') || (has(matches, 'profanity') && conditional.some((m) => m.entry.category === 'target'));
  let firstVentAt = Infinity;
  for (const m of matches) if (m.entry.category === 'vent' || apologyMatches.includes(m)) firstVentAt = Math.min(firstVentAt, m.at);
  const moveOn = quoted(matches, 'moveOn');
  const task = Number.isFinite(firstVentAt) ? taskAfter(tokens, firstVentAt, matches) : null;
  const movesOn = moveOn.length > 0 || task !== null;
  const ventingShape = (vents.length > 0 && (movesOn || apologyMatches.length > 0 || vents.length >= 2)) || (apologyMatches.length > 0 && movesOn && negative > 0 && !directed);
  if (ventingShape && !threat) {
    const score = Math.min(0.45, 0.05 + 0.3 * amplified);
    const parts = [
      vents.length > 0 ? `self-directed ${vents.join(', ')}` : null,
      apologyMatches.length > 0 ? `apologetic ${quoted(apologyMatches).join(', ')}` : null,
      movesOn ? `moves on to a task ${andThen(moveOn, task ? `'${task}'` : null).join(', ')}` : null,
    ].filter(Boolean);
    reasons.unshift(`venting: ${parts.join('; ')}`);
    reasons.push(`venting counts its negative points at 30%, capped at 0.45 (0.05 + 0.3 × ${fmt(amplified)})`);
    return finish('venting', score, reasons);
  }
  if (ventingShape && threat) reasons.push(`sounds like venting, but a threat (${quoted(matches, 'threat').join(', ')}) is never venting`);

  if (amplified >= 0.3) return finish('anger', clamp01(amplified), reasons);

  const polite: string[] = [];
  for (const list of [quoted(matches, 'gratitude'), quoted(matches, 'courtesy'), praise.anchors, praise.contextSarcasm, quoted(praise.praiseMatches)]) for (const p of list) polite.push(p);
  if (polite.length > 0) {
    reasons.unshift(`polite: ${polite.join(', ')}`);
    if (amplified > 0) reasons.push(`polite turn counts its negative points at 50% (${fmt(amplified)} → ${fmt(amplified * 0.5)})`);
    return finish('polite', amplified * 0.5, reasons);
  }
  if (reasons.length === 0) reasons.push('neutral: no frustration cue');
  return finish('neutral', amplified, reasons);
}

function finish(kind: UtteranceKind, score: number, reasons: string[]): UtteranceAssessment {
  return { kind, score: round2(clamp01(score)), reasons };
}

function isNegativeCategory(c: Category): boolean {
  return (
    c === 'negative' ||
    c === 'emotion' ||
    c === 'profanity' ||
    c === 'threat' ||
    c === 'cancel' ||
    c === 'waiting' ||
    c === 'repetition' ||
    c === 'persistence' ||
    c === 'directed' ||
    c === 'demand' ||
    c === 'resignation'
  );
}

function describe(c: Category): string {
  switch (c) {
    case 'negative':
      return 'negative';
    case 'emotion':
      return 'says they feel';
    case 'profanity':
      return 'profanity';
    case 'threat':
      return 'threat';
    case 'cancel':
      return 'wants to cancel';
    case 'waiting':
      return 'complains of waiting';
    case 'repetition':
      return 'has to repeat';
    case 'persistence':
      return 'problem persists';
    case 'directed':
      return 'aimed at the agent';
    case 'demand':
      return 'demand';
    case 'resignation':
      return 'gives up';
    case 'emphasis':
      return 'emphasis';
    case 'target':
      return 'blames';
    case 'sarcasm':
    case 'sarcasmContext':
    case 'praise':
    case 'mildPraise':
    case 'gratitude':
    case 'courtesy':
    case 'anchor':
    case 'vent':
    case 'apology':
    case 'moveOn':
    case 'situational':
      return c;
    default:
      return assertNever(c);
  }
}

/** Lower-cased words without apostrophes, each with the index of its clause. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  for (const m of text
    .toLowerCase()
    .replace(/['’`]/g, '')
    .matchAll(/[a-z0-9]+|[.,;:!?]+/g)) {
    if (/^[a-z0-9]/.test(m[0])) tokens.push({ word: m[0], clause });
    else clause++;
  }
  return tokens;
}

function matchLexicon(tokens: Token[]): Match[] {
  const matches: Match[] = [];
  let i = 0;
  while (i < tokens.length) {
    const candidates = BY_FIRST_WORD.get(tokens[i].word) ?? [];
    const entry = candidates.find((e) => e.words.every((w, k) => tokens[i + k]?.word === w && tokens[i + k].clause === tokens[i].clause));
    if (!entry) {
      i++;
      continue;
    }
    const end = i + entry.words.length;
    matches.push({
      entry,
      at: i,
      end,
      text: entry.words.join(' '),
      negated: isNegated(tokens, i, matches),
      intensifier: intensifierBefore(tokens, i),
    });
    i = end;
  }
  return matches;
}

/** A negator up to three words before, in the same clause, not part of an earlier phrase. */
function isNegated(tokens: Token[], at: number, earlier: Match[]): boolean {
  for (let k = at - 1; k >= 0 && k >= at - 3; k--) {
    if (tokens[k].clause !== tokens[at].clause) return false;
    if (tokens[k].word === 'but') return false;
    if (earlier.some((m) => k >= m.at && k < m.end)) return false;
    if (NEGATORS.has(tokens[k].word)) return true;
  }
  return false;
}

function intensifierBefore(tokens: Token[], at: number): string | null {
  for (let k = at - 1; k >= 0 && k >= at - 2; k--) {
    if (tokens[k].clause !== tokens[at].clause) return null;
    if (INTENSIFIERS.has(tokens[k].word)) return tokens[k].word;
    if (tokens[k].word !== 'a' && tokens[k].word !== 'the') return null;
  }
  return null;
}

function hasMarkerBefore(tokens: Token[], at: number): boolean {
  for (let k = at - 1; k >= 0 && k >= at - 2; k--) {
    if (SARCASM_MARKERS.has(tokens[k].word)) return true;
  }
  return false;
}

/** The marker or intensifier and the praise it marks: "wow amazing", "so helpful". */
function markerText(tokens: Token[], m: Match): string {
  for (let k = m.at - 1; k >= 0 && k >= m.at - 2; k--) {
    const w = tokens[k].word;
    if (SARCASM_MARKERS.has(w) || INTENSIFIERS.has(w)) return `${w} ${m.text}`;
  }
  return m.text;
}

/** The negator before a negated phrase, with the words between: "not happy", "not at all". */
function negatorText(tokens: Token[], at: number): string {
  for (let k = at - 1; k >= 0 && k >= at - 3; k--) {
    if (NEGATORS.has(tokens[k].word))
      return tokens
        .slice(k, at)
        .map((t) => t.word)
        .join(' ');
  }
  return '';
}

const REPEAT_VERBS = new Set([
  'explained',
  'said',
  'told',
  'asked',
  'called',
  'repeated',
  'gave',
  'given',
  'spelled',
  'spelt',
  'rung',
  'rang',
  'emailed',
  'written',
  'wrote',
  'provided',
  'confirmed',
  'answered',
]);
const TIMES_COUNTS = new Set(['twice', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'several', 'many', 'multiple', 'dozen', 'hundred']);

/** "i've explained this five times", "told you twice": a repeat verb and a count in one clause. */
function timesRepeated(tokens: Token[], matches: Match[]): string[] {
  const used = (k: number) => matches.some((m) => k >= m.at && k < m.end);
  for (let i = 0; i < tokens.length; i++) {
    if (used(i) || !REPEAT_VERBS.has(tokens[i].word)) continue;
    for (let k = i + 1; k < tokens.length && k <= i + 5 && tokens[k].clause === tokens[i].clause; k++) {
      const w = tokens[k].word;
      const counted = w === 'twice' || (TIMES_COUNTS.has(w) && tokens[k + 1]?.word === 'times') || (/^\d+$/.test(w) && tokens[k + 1]?.word === 'times');
      if (counted && !used(k))
        return [
          tokens
            .slice(i, w === 'twice' ? k + 1 : k + 2)
            .map((t) => t.word)
            .join(' '),
        ];
    }
  }
  return [];
}

/** "thank you ever so much for absolutely nothing": thanks, then "for … nothing" in the same clause. */
function thanksForNothing(tokens: Token[], matches: Match[]): string[] {
  for (const m of matches) {
    if (m.entry.category !== 'gratitude') continue;
    const clause = tokens[m.at].clause;
    let sawFor = false;
    for (let k = m.end; k < tokens.length && k < m.end + 6 && tokens[k].clause === clause; k++) {
      if (tokens[k].word === 'for') sawFor = true;
      if (tokens[k].word === 'nothing' && sawFor)
        return [
          `'${tokens
            .slice(m.at, k + 1)
            .map((t) => t.word)
            .join(' ')}'`,
        ];
    }
  }
  return [];
}

/** A question tag at the end ("didn't it", "huh") turns praise into a remark about what happened. */
function tagQuestion(tokens: Token[]): string | null {
  const last2 = tokens
    .slice(-2)
    .map((t) => t.word)
    .join(' ');
  if (/^(?:didnt|isnt|wasnt|doesnt|hasnt) (?:it|that|this|they|you)$/.test(last2)) return last2;
  const last = tokens[tokens.length - 1]?.word;
  return last === 'huh' || last === 'eh' ? last : null;
}

/** "for an hour", "forty minutes", "three weeks", "forever", "all day": not already in a phrase. */
function findDurations(tokens: Token[], matches: Match[]): string[] {
  const used = (k: number) => matches.some((m) => k >= m.at && k < m.end);
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (used(i)) continue;
    const w = tokens[i].word;
    if (w === 'forever' || w === 'ages') {
      found.push(w);
      continue;
    }
    if (w === 'all' && ['day', 'week', 'morning', 'afternoon', 'night'].includes(tokens[i + 1]?.word ?? '')) {
      found.push(`all ${tokens[i + 1].word}`);
      i++;
      continue;
    }
    if (TIME_UNITS.has(w) && (w.endsWith('s') || w === 'hour') && i > 0 && (NUMBER_WORDS.has(tokens[i - 1].word) || /^\d+$/.test(tokens[i - 1].word) || ['five', 'an'].includes(tokens[i - 1].word))) {
      const from = i >= 2 && (NUMBER_WORDS.has(tokens[i - 2].word) || /^\d+$/.test(tokens[i - 2].word)) ? i - 2 : i - 1;
      let phrase = tokens[from].word;
      for (let k = from + 1; k <= i; k++) phrase += ` ${tokens[k].word}`;
      found.push(phrase);
    }
  }
  return found;
}

/** The first task opener at or after `from`, not inside a lexicon phrase. */
function taskAfter(tokens: Token[], from: number, matches: Match[]): string | null {
  const used = (k: number) => matches.some((m) => k >= m.at && k < m.end && m.entry.category !== 'moveOn');
  for (let i = from; i < tokens.length; i++) {
    if (used(i)) continue;
    for (const opener of TASK_OPENERS) {
      if (opener.every((w, k) => tokens[i + k]?.word === w)) return opener.join(' ');
    }
  }
  return null;
}

/** A clause said twice or more ("hello? hello?"), or one word three times running ("no no no"). */
function repeatedClauses(text: string): string[] {
  const clauses: string[] = [];
  for (const part of text
    .toLowerCase()
    .replace(/['’`]/g, '')
    .split(/[.,;:!?]+/)) {
    const c = part.trim().replace(/\s+/g, ' ');
    if (c) clauses.push(c);
  }
  const seen = new Map<string, number>();
  for (const c of clauses) seen.set(c, (seen.get(c) ?? 0) + 1);
  const found = [...seen].filter(([c, n]) => n >= 2 && !/^(?:sorry|yes|yeah|ok|okay|right|thanks|thank you|please)$/.test(c)).map(([c]) => c);
  const words = clauses.join(' ').split(' ');
  for (let i = 2; i < words.length; i++) {
    if (words[i] === words[i - 1] && words[i] === words[i - 2] && !found.includes(words[i]) && words[i] !== 'sorry') found.push(`${words[i]} ${words[i]} ${words[i]}`);
  }
  return found;
}

/**
 * Words of three letters or more in capitals. A text with no lower-case letter at all and more
 * than four words is taken as the transcriber's style, not shouting; "THIS IS RIDICULOUS" or
 * "REPRESENTATIVE" still count.
 */
function shoutedWords(text: string): string[] {
  const caps = (text.match(/\b[A-Za-z]{3,}\b/g) ?? []).filter((w) => w === w.toUpperCase() && !ACRONYMS.has(w));
  const wordCount = (text.match(/[A-Za-z]+/g) ?? []).length;
  if (!/[a-z]/.test(text) && wordCount > 4) return [];
  return caps;
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmt(x: number): string {
  return x.toFixed(2);
}

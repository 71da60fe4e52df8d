// An LLM-played caller (README, "An LLM-played caller"): what its chat model is told and how
// its answer is read. Pure: the request goes out and the reply comes back in electron/callers/persona.ts.

import type { CallerModelAction } from './events.ts';
import { maxSayChars, type Persona } from './scenario.ts';

/** One line of the call as the caller heard or said it. */
export interface CallLine {
  speaker: 'agent' | 'caller';
  text: string;
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The answer that means "I say nothing now" (the agent then hears dead air). */
export const silenceMarker = '[silence]';
/** The answer that means "I hang up" (a line before it is said first). */
export const hangUpMarker = '[hang up]';
/** The function a server with tool calls may call instead of the marker (callsim sends no tools, but reads this one). */
export const hangUpTool = 'hang_up';

/** Lines the caller says at most when the persona does not say (maxTurns). */
export const defaultPersonaMaxTurns = 12;

const moodText: Record<NonNullable<Persona['mood']>, string> = {
  sarcastic: 'You are sarcastic: dry, mocking remarks about the company and its phone robot, but you still want your problem solved.',
  angry: 'You are angry: short, sharp sentences; you have had enough of this company today.',
  venting: 'You are venting: you complain at length about everything that went wrong before you get to the point.',
  confused: 'You are confused: you are not sure what you need, you mix things up and ask what words mean.',
  calm: 'You are calm and polite.',
};

/** The system prompt of a persona caller's model. Pure. */
export function personaSystemPrompt(p: Persona): string {
  if (p.model.systemPrompt) return p.model.systemPrompt;
  const facts = Object.entries(p.facts ?? {});
  return [
    'You are role-playing a customer who has phoned Acme support. The other side of the conversation is the support line (a voice agent); you are the caller.',
    `Your goal: ${p.goal}`,
    p.mood ? moodText[p.mood] : '',
    facts.length ? `What you know, to give when asked: ${facts.map(([k, v]) => `${k}: ${v}`).join('; ')}.` : '',
    p.asksForHumanWhen ? `Ask for a human ("representative") when: ${p.asksForHumanWhen}` : '',
    p.giveUpAfterTurns ? `If your problem is not solved after ${p.giveUpAfterTurns} of your lines, give up: say one last line and hang up.` : '',
    'Everything you write is spoken aloud on the phone: answer with only your next line, one or two short sentences, no stage directions, no quotes, no "Caller:" label.',
    `To say nothing this time, answer exactly ${silenceMarker}. To hang up, answer ${hangUpMarker}, after your last line if you have one.`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The conversation from the caller's side: the agent's lines as the user's, its own as the assistant's. Pure. */
export function personaMessages(p: Persona, lines: readonly CallLine[]): ChatMessage[] {
  return [{ role: 'system', content: personaSystemPrompt(p) }, ...lines.map((l): ChatMessage => ({ role: l.speaker === 'agent' ? 'user' : 'assistant', content: l.text }))];
}

/** A short stable hash of a request's messages (FNV-1a, 32 bits, hex): what a fork compares to reuse an answer. Pure. */
export function requestHash(messages: readonly ChatMessage[]): string {
  const s = JSON.stringify(messages);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export type CallerReading = { action: Exclude<CallerModelAction, 'failed'>; line?: string } | { action: 'failed'; error: string };

// What chat models say when they will not play along; a sarcastic caller's "sorry, but" is not one.
const refusal =
  /^(?:i'?m sorry,? but |sorry,? but |i apologi[sz]e,? but )?(?:as an ai\b|i (?:can(?:'|no)t|cannot|won'?t|am unable to|am not able to) (?:help|assist|comply|do that|role-?play|pretend|continue|engage|participate|provide|fulfil))/i;

/**
 * What the caller does with its model's message: the markers (silence, hang up), a tool call
 * of `hang_up`, or the text as its line (quotes, a "Caller:" label and stage directions taken
 * off, cut to a scenario line's length). An empty message or a refusal is a failure. Pure.
 */
export function readCallerReply(content: string | null, toolCalls: readonly string[]): CallerReading {
  let text = (content ?? '').replace(/\s+/g, ' ').trim();
  const hangs = toolCalls.includes(hangUpTool) || text.toLowerCase().includes(hangUpMarker);
  text = text.replace(/\[hang ?up\]/gi, ' ');
  const silent = text.toLowerCase().includes(silenceMarker);
  text = text
    .replace(/\[silence\]/gi, ' ')
    .replace(/\*[^*]*\*/g, ' ') // *sighs*
    .replace(/\([^)]*\)/g, ' ') // (angrily)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'“”]+|["'“”]+$/g, '')
    .replace(/^\s*(?:caller|customer|me)\s*:\s*/i, '')
    .replace(/^["'“”]+|["'“”]+$/g, '')
    .trim();
  if (text.length > maxSayChars) text = text.slice(0, maxSayChars).replace(/\s+\S*$/, '');
  if (hangs) return text ? { action: 'hangup', line: text } : { action: 'hangup' };
  if (!text && silent) return { action: 'silence' };
  if (!text)
    return {
      action: 'failed',
      error: toolCalls.length ? `the model called ${toolCalls.map((t) => JSON.stringify(t)).join(', ')}, not ${hangUpTool}, and said nothing` : 'the model answered an empty message',
    };
  if (refusal.test(text)) return { action: 'failed', error: `the model refused the role: ${JSON.stringify(text.slice(0, 80))}` };
  return { action: 'say', line: text };
}

import { chatServer, type RecordedRequest, type Reply, type TestServer } from './servers.ts';

/**
 * A scripted caller model: the persona's lines, keyed by the mood its system prompt states,
 * the n-th line for the request in which the caller has said n lines before (the last again
 * after the end). What a real model would do with each persona, made exact.
 */
export const personaScripts: Record<string, string[]> = {
  sarcastic: ["Oh, a robot. Lovely. What's my account balance?", 'Wow, thanks for nothing. Amazing service, really.', 'Fantastic. Just get me a representative.'],
  angry: ['I want a refund for order 48213. It arrived broken!', 'This is ridiculous! I have called twice today already!', 'Get me a human. Now.'],
  confused: ['Where is my order 77120?', 'Sorry, I do not understand. Where is my order?', 'But where is my order 77120?', 'I still do not get it. Where is my order?'],
};

const moodOf = (req: RecordedRequest): string => {
  const system: string = req.body?.messages?.[0]?.content ?? '';
  return Object.keys(personaScripts).find((m) => system.includes(`You are ${m}`)) ?? 'sarcastic';
};

/** The reply a scripted persona gives to one request. */
export function personaReply(req: RecordedRequest): Reply {
  const lines = personaScripts[moodOf(req)];
  const said = (req.body?.messages ?? []).filter((m: { role: string }) => m.role === 'assistant').length;
  return { content: lines[Math.min(said, lines.length - 1)], tokens: 40 + said };
}

export function personaServer(override?: (req: RecordedRequest, n: number) => Reply | undefined): Promise<TestServer> {
  return chatServer((req, n) => override?.(req, n) ?? personaReply(req));
}

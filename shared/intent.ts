/**
 * Deterministic intent rules for the simulated agent: what a caller wants, from their words.
 * Pure. The rules are deliberately plain so a scenario author can predict them.
 */
export const callerIntents = ['balance', 'shipping', 'refund', 'goodbye', 'escalate', 'presence', 'greeting', 'unknown'] as const;
export type CallerIntent = (typeof callerIntents)[number];

const rules: [CallerIntent, RegExp][] = [
  ['escalate', /\b(cancel (my|the) (account|service|subscription)|close my account|lawyer|legal action|sue|file a complaint|fraud)\b/],
  ['refund', /\b(refund|money back|reimburse|return (it|this|the order))\b/],
  ['shipping', /\b(order|package|parcel|shipping|shipment|delivery|deliver(ed)?|tracking|where is my)\b/],
  ['balance', /\b(balance|how much do i owe|amount due|account status|my bill|statement)\b/],
  ['goodbye', /\b(bye|goodbye|that'?s all|that is all|nothing else|that'?s it|have a (good|nice) (day|one))\b/],
  ['presence', /\b(are you (still )?there|hello\?|anyone there)\b/],
  ['greeting', /^(hi|hello|hey|good (morning|afternoon|evening))[\s,.!]*$/],
];

/** Classifies one caller turn. Pure. */
export function classifyIntent(text: string): CallerIntent {
  const t = text.toLowerCase();
  for (const [intent, re] of rules) if (re.test(t)) return intent;
  return 'unknown';
}

/** Words in a text, as a speaking-time estimate needs them. Pure. */
export function wordCount(text: string): number {
  return text.trim() ? text.trim().split(/\s+/).length : 0;
}

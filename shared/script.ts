import type { HandoffReason } from './events.ts';

/**
 * The orchestration layer's own lines. They are fixed text, never model output: after a
 * handoff begins the agent says only these (compliance strict mode).
 */
export const scriptLines = {
  greeting: 'Acme support.',
  reprompt: ['Are you still there?', 'Sorry, I did not catch that. Are you still with me?'],
  filler: 'One moment please.',
  notHeard: "Sorry, I didn't catch that. Could you say it again?",
  fallback: "I'm sorry, I can't get that information right now.",
  handoff: {
    caller_request: "Of course. I'm connecting you with a person now.",
    caller_frustration: "I'm sorry about this. Let me get a person to help you right away.",
    backend_failure: "Our systems are having trouble. I'm transferring you to a specialist.",
    tool_loop: 'Let me connect you with a specialist who can look into this.',
    latency_timeout: "Sorry for the wait. I'm connecting you with a specialist.",
    dead_air: "I'll connect you with a person who can help.",
    cost_limit: 'Let me transfer you to a specialist.',
    no_progress: "I'm having trouble understanding. Let me get you a person.",
    agent_request: "I'll transfer you to a specialist who can help with that.",
  } satisfies Record<HandoffReason, string>,
} as const;

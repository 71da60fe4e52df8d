import { describe, expect, it } from 'vitest';
import { asksForHuman } from '../../shared/humanRequest.ts';

// Each phrasing is what a caller says (ASR style: mostly lower-case, little punctuation).
const REQUESTS = [
  'representative',
  'Representative!',
  'REPRESENTATIVE',
  'agent please',
  'agent agent agent',
  'operator',
  'yes operator',
  'supervisor',
  'human please',
  'a real person please',
  'get me a human',
  'let me talk to someone',
  'speak to a manager',
  'i want a real person',
  'can i talk to a real person please',
  'i need to speak with a live agent',
  'transfer me to a representative',
  'can you transfer me',
  'put me through to an operator',
  "i'd like to speak to your supervisor",
  'give me a human being',
  'is there a real person i can talk to',
  'connect me with a customer service rep',
  'i want to talk to a person not a machine',
  'get me your manager now',
  'i demand to speak to a manager',
  'just let me talk to somebody',
  'are you a real person? i want a real person',
  'can i have a representative please',
  'i need a human',
  "i don't want to talk to a robot, give me a person",
  "why can't i just talk to a human",
  "why don't you get me a person",
  'let me speak to someone in charge',
  "i'm asking for a supervisor",
  'put a real person on the phone',
  'can i get an actual human on the line',
  'no, agent please',
  "i don't know just get me a human",
  'i want to talk to someone about my bill',
];

const NOT_REQUESTS = [
  "I'm not asking for a representative, just my balance",
  'the agent said my refund was approved',
  'your representative told me to call back',
  'are you a real person?',
  'is this a real person or a robot',
  'am i talking to a human',
  'i already spoke to a manager yesterday',
  'i talked to a supervisor last week and nothing happened',
  'the operator hung up on me',
  "i don't need an agent",
  'no need for a human, i just want my balance',
  "i don't want to talk to anyone just tell me my balance",
  'my manager wants the invoice',
  'that was human error on my part',
  "i'm a real person not a robot",
  'hello is there anyone there',
  'can you transfer me to billing',
  "please don't transfer me",
  'can i get the agent id from my last call',
  'what is my account balance',
  'i like the agent i had last time',
  'i was talking to an agent and got cut off',
  'no agent',
];

describe('asksForHuman', () => {
  it.each(REQUESTS)('hears a request for a human in %j', (text) => {
    expect(asksForHuman(text)).toBe(true);
  });

  it.each(NOT_REQUESTS)('does not hand off on %j', (text) => {
    expect(asksForHuman(text)).toBe(false);
  });

  it('has enough phrasings on both sides to mean something', () => {
    expect(REQUESTS.length).toBeGreaterThanOrEqual(25);
    expect(NOT_REQUESTS.length).toBeGreaterThanOrEqual(15);
  });

  it('is deterministic and does not depend on case or apostrophe style', () => {
    expect(asksForHuman('I DON’T need an agent')).toBe(false);
    expect(asksForHuman('Get Me A Human')).toBe(true);
    expect(asksForHuman('')).toBe(false);
  });
});

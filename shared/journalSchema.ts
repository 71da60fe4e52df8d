import { z } from 'zod';
import { callerModelActions, handoffPriorities, handoffReasons, outcomes, toolOutcomes, type CallCommand, type JournalEntry, type JournalInput, type SessionSource } from './events.ts';
import { faultPlanSchema, faultSchema } from './faults.ts';
import { keysAddedSince, policyOverrideSchema } from './policy.ts';
import { scenarioSchema } from './scenario.ts';

// The journal's shape as a schema: what a session export must hold to be stored (sessions
// import), so that a stored session is one every command can read. Tied to the types of
// events.ts below: a journal entry, event or command added there and not here does not compile.

const ms = z.number().int().min(0);
const count = z.number().int().min(0);
const text = z.string().max(100_000);
const unit = z.number().min(0).max(1);
/** How a backchannel sounded (shared/backchannel.ts StretchSound). */
const stretchSound = z
  .object({
    voicedFraction: unit,
    unvoicedEnergyFraction: unit,
    zeroCrossingRate: unit,
    pitchSpreadSemitones: z.number().min(0).max(200),
    lowBandFraction: unit,
    syllables: z.number().int().min(0).max(1000),
  })
  .strict();
const args = z.record(z.string(), z.unknown());

const agentResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('say'), text, progress: z.boolean() }).strict(),
  z.object({ kind: z.literal('tool'), tool: text, args }).strict(),
  z.object({ kind: z.literal('handoff'), text: text.optional() }).strict(),
  z.object({ kind: z.literal('end'), text }).strict(),
]);

const agentInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('caller'), text }).strict(),
  z.object({ kind: z.literal('tool'), callId: count, tool: text, outcome: z.enum(toolOutcomes), status: z.number().int().optional(), data: z.unknown().optional() }).strict(),
  z.object({ kind: z.literal('retry'), reason: text }).strict(),
]);

const sessionSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scenario'), name: text, scenario: scenarioSchema }).strict(),
  z.object({ kind: z.literal('recording'), file: text, channel: z.enum(['left', 'right', 'mix']).optional() }).strict(),
  z.object({ kind: z.literal('mic') }).strict(),
  z.object({ kind: z.enum(['fork', 'whatif']), parentId: text, atMs: ms.optional(), scenario: scenarioSchema.optional() }).strict(),
]);

// every key, but for those added since a session could be journaled without them (their
// absence is how the machine replays such a session by the rules it was made under)
const policy = policyOverrideSchema.required().partial(Object.fromEntries(keysAddedSince.map((k) => [k, true])) as { [K in (typeof keysAddedSince)[number]]: true });

const journalInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('caller.speech.started'), speechAtMs: ms.optional(), spokenMs: ms.optional() }).strict(),
  z.object({ type: z.literal('caller.speech.ended'), speechAtMs: ms.optional(), backchannel: z.literal(true).optional() }).strict(),
  z.object({ type: z.literal('asr.result'), text, confidence: z.number().min(0).max(1) }).strict(),
  z.object({ type: z.literal('asr.failed'), error: text }).strict(),
  z.object({ type: z.literal('caller.speech.turn') }).strict(),
  z.object({ type: z.literal('caller.hungup') }).strict(),
  z.object({ type: z.literal('agent.response'), response: agentResponse, tokens: count }).strict(),
  z.object({ type: z.literal('agent.failed'), error: text, tokens: count }).strict(),
  z.object({ type: z.literal('agent.speech.ended') }).strict(),
  z
    .object({
      type: z.literal('tool.result'),
      callId: count,
      tool: text,
      outcome: z.enum(toolOutcomes).exclude(['timeout']),
      status: z.number().int().optional(),
      data: z.unknown().optional(),
      latencyMs: ms,
    })
    .strict(),
  z.object({ type: z.literal('control.policy.set'), patch: policyOverrideSchema }).strict(),
  z
    .object({ type: z.literal('session.started'), policy, faults: faultPlanSchema, seed: z.number().int().min(0).max(0xffffffff), appVersion: text, source: sessionSource, strict: z.boolean() })
    .strict(),
  z.object({ type: z.literal('timer.fired'), timerId: count }).strict(),
  z.object({ type: z.literal('control.fault.set'), fault: faultSchema }).strict(),
  z.object({ type: z.literal('control.fault.cleared'), target: text }).strict(),
  z.object({ type: z.literal('control.stop') }).strict(),
  z.object({ type: z.literal('caller.audio'), startMs: ms, endMs: ms, sampleRate: z.number().int().min(1), pcm16: z.base64() }).strict(),
  z.object({ type: z.literal('caller.backchannel'), startMs: ms, endMs: ms, text, sound: stretchSound.optional() }).strict(),
  z.object({ type: z.literal('vad.probability'), atMs: ms, p: z.number().min(0).max(1) }).strict(),
  z.object({ type: z.literal('caller.partial'), atMs: ms, text }).strict(),
  z.object({ type: z.literal('summarizer.result'), model: text, latencyMs: ms, tokens: count, content: text.optional(), error: text.optional() }).strict(),
  z
    .object({
      type: z.literal('caller.model.result'),
      turn: count,
      model: text,
      latencyMs: ms,
      tokens: count,
      action: z.enum(callerModelActions),
      line: text.optional(),
      content: text.optional(),
      error: text.optional(),
      request: text,
      from: z.literal('journal').optional(),
    })
    .strict(),
]);

const callCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('agent.speak'), text, scripted: z.boolean(), purpose: z.enum(['greeting', 'answer', 'clarify', 'reprompt', 'fallback', 'handoff', 'goodbye']) }).strict(),
  z.object({ type: z.literal('agent.speech.stop'), reason: z.enum(['barge_in', 'handoff', 'hangup']) }).strict(),
  z.object({ type: z.literal('agent.speech.pause'), reason: z.literal('caller_speech') }).strict(),
  z.object({ type: z.literal('agent.speech.resume'), reason: z.literal('backchannel') }).strict(),
  z.object({ type: z.literal('filler.play'), text }).strict(),
  z.object({ type: z.literal('agent.think'), input: agentInput }).strict(),
  z.object({ type: z.literal('agent.cancel'), reason: z.enum(['latency_timeout', 'handoff', 'caller_spoke']) }).strict(),
  z.object({ type: z.literal('agent.kill'), reason: z.literal('cost_limit') }).strict(),
  z.object({ type: z.literal('tool.call'), callId: count, tool: text, args, attempt: count }).strict(),
  z.object({ type: z.literal('tool.abandon'), callId: count, reason: z.enum(['timeout', 'handoff']) }).strict(),
  z.object({ type: z.literal('asr.abandon'), reason: z.literal('timeout') }).strict(),
  z.object({ type: z.literal('handoff.start'), reason: z.enum(handoffReasons), priority: z.enum(handoffPriorities) }).strict(),
  z.object({ type: z.literal('call.end'), outcome: z.enum(outcomes) }).strict(),
]);

/** One journal entry as a session export holds it. Strict at every level. */
export const journalEntrySchema = z.discriminatedUnion('kind', [
  z.object({ seq: count, atMs: ms, kind: z.literal('input'), event: journalInput }).strict(),
  z.object({ seq: count, atMs: ms, kind: z.literal('command'), command: callCommand }).strict(),
  z.object({ seq: count, atMs: ms, kind: z.literal('transition'), state: text, cause: text }).strict(),
]);

// The ties: what the schema accepts is a JournalEntry, and it names every event, command and
// source kind there is (a new one in events.ts is a compile error here until it has a schema).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const tie = <T extends true>(): T => true as T;
tie<[z.infer<typeof journalEntrySchema>] extends [JournalEntry] ? true : false>();
tie<Same<z.infer<typeof journalInput>['type'], JournalInput['type']>>();
tie<Same<z.infer<typeof callCommand>['type'], CallCommand['type']>>();
tie<Same<z.infer<typeof sessionSource>['kind'], SessionSource['kind']>>();
tie<Same<z.infer<typeof journalEntrySchema>['kind'], JournalEntry['kind']>>();

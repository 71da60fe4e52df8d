import { z } from 'zod';
import { handoffPriorities, handoffReasons, outcomes } from './events.ts';
import { policyOverrideSchema } from './policy.ts';
import { faultPlanSchema } from './faults.ts';

// Length limits (README, "Hardening, measured"): far above any real scenario, low enough
// that no field can make a call outlast the runner's one-hour limit or a file hold megabytes.
/** Longest call time a scenario may name: the runner's limit for one call (1 h). */
const ms = z.number().int().min(0).max(3_600_000);
/** Longest caller line: about 400 words, 2.4 min of speech. */
export const maxSayChars = 2_000;
export const maxTurns = 1_000;
const url = z.string().max(2_048).url();
const shortText = z.string().max(200);

/** One caller turn (SPEC §2): what the caller does, and when. */
export const turnSchema = z
  .object({
    at: ms.optional(),
    afterAgentMs: ms.optional(),
    bargeInMs: ms.optional(),
    say: z.string().min(1).max(maxSayChars).optional(),
    silentMs: ms.optional(),
    hangUp: z.literal(true).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const acts = ['say', 'silentMs', 'hangUp'].filter((k) => t[k as keyof typeof t] !== undefined);
    if (acts.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: `a turn needs exactly one of "say", "silentMs", "hangUp" (has ${acts.length ? acts.join(', ') : 'none'})` });
    const times = ['at', 'afterAgentMs', 'bargeInMs'].filter((k) => t[k as keyof typeof t] !== undefined);
    if (times.length > 1) ctx.addIssue({ code: 'custom', path: [], message: `a turn takes at most one of "at", "afterAgentMs", "bargeInMs" (has ${times.join(', ')})` });
    if (t.bargeInMs !== undefined && t.say === undefined) ctx.addIssue({ code: 'custom', path: ['bargeInMs'], message: '"bargeInMs" needs "say"' });
  });
export type CallerTurn = z.infer<typeof turnSchema>;

const thinkMs = z.union([
  ms,
  z
    .object({ min: ms, max: ms })
    .strict()
    .refine((r) => r.max >= r.min, { message: '"max" must be at least "min"' }),
]);

export const modelSchema = z
  .object({
    baseUrl: url,
    name: shortText.min(1),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    systemPrompt: z.string().max(100_000).optional(),
    stream: z.boolean().optional(),
  })
  .strict();

/** Your own recognizer (an OpenAI-compatible /audio/transcriptions server), for recorded calls. */
export const asrSchema = z
  .object({
    baseUrl: url,
    name: shortText.min(1).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    language: z.string().min(2).max(16).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict();

/** How a persona caller feels; said to its model in the system prompt. */
export const personaMoods = ['sarcastic', 'angry', 'venting', 'confused', 'calm'] as const;

const msRange = z
  .object({ min: ms, max: ms })
  .strict()
  .refine((r) => r.max >= r.min, { message: '"max" must be at least "min"' });

/**
 * A caller played by a chat model (an extension of SPEC §2's caller): who it is and what it
 * wants go into the model's system prompt; when it speaks (reply delay, barge-ins) is drawn
 * from the session's seeded generator, never from the model.
 */
export const personaSchema = z
  .object({
    goal: z.string().min(1).max(2_000),
    mood: z.enum(personaMoods).optional(),
    /** What the caller knows and may be asked for (card number, order number…). */
    facts: z.record(z.string().min(1).max(200), z.string().max(500)).optional(),
    /** Told to the model: give up (a last line, then hang up) after this many of its own lines. */
    giveUpAfterTurns: z.number().int().min(1).max(maxTurns).optional(),
    /** Told to the model: when to ask for a human ("representative"). */
    asksForHumanWhen: z.string().min(1).max(2_000).optional(),
    /** Lines the caller says at most; the next time it would speak it hangs up (default 12). Enforced, not asked. */
    maxTurns: z.number().int().min(1).max(maxTurns).optional(),
    model: modelSchema
      .pick({ baseUrl: true, name: true, apiKeyEnv: true, systemPrompt: true })
      .extend({
        /** A request not answered by then is a caller-model failure (dead air); default 20,000 ms. */
        timeoutMs: z.number().int().min(1).max(600_000).optional(),
        temperature: z.number().min(0).max(2).optional(),
      })
      .strict(),
    timing: z
      .object({
        /** How long after the agent's line ends the caller answers, drawn per line (default 300–1,200 ms). */
        replyDelayMs: msRange.optional(),
        /** The chance, per agent line, that the caller talks over it (default 0). */
        bargeInProbability: z.number().min(0).max(1).optional(),
        /** How far into the agent's line a barge-in starts (default 500–1,500 ms). */
        bargeInAfterMs: msRange.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Persona = z.infer<typeof personaSchema>;

export const toolEndpointSchema = z
  .object({
    url,
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).optional(),
    headers: z.record(z.string().max(256), z.string().max(8_192)).optional(),
  })
  .strict();

export const expectSchema = z
  .object({
    outcome: z.enum(outcomes).optional(),
    handoffReason: z.enum(handoffReasons).optional(),
    handoffPriority: z.enum(handoffPriorities).optional(),
    handoffWithinMs: ms.optional(),
    maxSameToolConsecutive: z.number().int().min(0).optional(),
    maxTokens: z.number().int().min(0).optional(),
    noAgentSpeechAfterHandoff: z.boolean().optional(),
    minBargeIns: z.number().int().min(0).optional(),
    /** A backchannel that pauses the agent and resumes it is not a barge-in: `maxBargeIns: 0` says so. */
    maxBargeIns: z.number().int().min(0).optional(),
    minFillerPlays: z.number().int().min(0).optional(),
  })
  .strict();
export type Expectations = z.infer<typeof expectSchema>;

/** The scenario file of SPEC §2. Strict: unknown keys are errors, not ignored. */
export const scenarioSchema = z
  .object({
    callsim: z.literal(1, { message: 'must be 1 (the scenario format version)' }),
    name: shortText.min(1),
    description: z.string().max(10_000).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    strict: z.boolean().optional(),
    policy: policyOverrideSchema.optional(),
    agent: z
      .object({
        thinkMs: thinkMs.optional(),
        tokensPerStep: z.number().int().min(0).optional(),
        onToolError: z.enum(['retry', 'apologize']).optional(),
        model: modelSchema.optional(),
      })
      .strict()
      .optional(),
    tools: z.record(shortText, toolEndpointSchema).optional(),
    caller: z
      .object({
        voice: z.enum(['text', 'flite:rms', 'flite:slt']).optional(),
        turns: z.array(turnSchema).max(maxTurns),
        /** An LLM-played caller (README, "An LLM-played caller"): its lines come from a chat model; `turns` must then be empty. */
        persona: personaSchema.optional(),
      })
      .strict()
      .superRefine((c, ctx) => {
        if (c.persona && c.turns.length) ctx.addIssue({ code: 'custom', path: ['turns'], message: 'a caller with a "persona" takes no scripted turns (give "turns": [])' });
      }),
    faults: faultPlanSchema.optional(),
    expect: expectSchema.optional(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;

/** Agent defaults of SPEC §2: the naive model that keeps retrying a failing tool. */
export const agentDefaults = { thinkMs: 400, tokensPerStep: 600, onToolError: 'retry' as const };

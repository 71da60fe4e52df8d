import { and, assign, emit, setup } from 'xstate';
import type { AgentInput, AgentResponse, CallCommand, CallEvent, HandoffPriority, HandoffReason, Outcome, SpeechPurpose } from './events.ts';
import type { Policy } from './policy.ts';
import { scriptLines } from './script.ts';
import { initialFrustration, updateFrustration, type FrustrationState } from './frustration.ts';
import { asksForHuman } from './humanRequest.ts';

/**
 * The call machine: the whole call as one XState v5 statechart.
 *
 * It executes nothing and reads no clock or randomness. Inputs arrive as `CallEvent`s, time
 * arrives through the actor's injected clock (its delayed transitions are named after the
 * policy keys that set them), and every effect leaves as an emitted `CallCommand` that the
 * world carries out. Every rule of SPEC §3 is one named guard or delay below, found by the
 * policy key's name.
 */

export interface ToolCallInFlight {
  callId: number;
  tool: string;
  args: Record<string, unknown>;
  attempt: number;
}

export interface PendingSpeech {
  text: string;
  scripted: boolean;
  purpose: SpeechPurpose;
}

export interface CallContext {
  policy: Policy;
  /** Transcript of the caller turn being collected. */
  callerText: string;
  callerSpeaking: boolean;
  /** Recognition failed on the caller turn being collected. */
  asrFailed: boolean;
  /** Caller speech segments that ended and whose recognition result has not arrived yet. */
  pendingTranscripts: number;
  /** What the agent is (or will be) thinking about. */
  agentInput: AgentInput | null;
  speech: PendingSpeech | null;
  nextCallId: number;
  currentTool: ToolCallInFlight | null;
  /** Consecutive failed calls per backend (the part of the tool name before the dot). */
  consecutiveFailures: Record<string, number>;
  /** The tool called last and how many times in a row. */
  sameTool: { tool: string | null; count: number };
  tokens: number;
  frustration: FrustrationState;
  toolFailures: number;
  /** Failed tool calls since the caller's last turn was taken: what the caller is reacting to. */
  recentToolFailures: number;
  reprompts: number;
  noProgress: number;
  bargeIns: number;
  fillerPlays: number;
  handoff: { reason: HandoffReason; priority: HandoffPriority } | null;
  outcome: Outcome | null;
}

export interface CallInput {
  policy: Policy;
}

const highPriority: ReadonlySet<HandoffReason> = new Set(['caller_request', 'backend_failure', 'caller_frustration']);

/** The backend a tool belongs to: `crm.getAccountBalance` → `crm`. Pure. */
export function backendOf(tool: string): string {
  const dot = tool.indexOf('.');
  return dot < 0 ? tool : tool.slice(0, dot);
}

function initialContext(policy: Policy): CallContext {
  return {
    policy,
    callerText: '',
    callerSpeaking: false,
    asrFailed: false,
    pendingTranscripts: 0,
    agentInput: null,
    speech: { text: scriptLines.greeting, scripted: true, purpose: 'greeting' },
    nextCallId: 1,
    currentTool: null,
    consecutiveFailures: {},
    sameTool: { tool: null, count: 0 },
    tokens: 0,
    frustration: initialFrustration,
    toolFailures: 0,
    recentToolFailures: 0,
    reprompts: 0,
    noProgress: 0,
    bargeIns: 0,
    fillerPlays: 0,
    handoff: null,
    outcome: null,
  };
}

type Ev<T extends CallEvent['type']> = Extract<CallEvent, { type: T }>;

/** Recognition has given words of the caller's current turn. Pure. */
const heardWords = (context: CallContext) => context.callerText.trim().length > 0;

/** A parameterized action reference: `handoff('dead_air')` records why and how urgent. */
const handoff = (reason: HandoffReason) => ({ type: 'setHandoff' as const, params: { reason } });
/** A parameterized action reference: the next line the agent will say. */
const say = (text: string, purpose: SpeechPurpose, scripted: boolean) => ({ type: 'setSpeech' as const, params: { text, purpose, scripted } });

/**
 * Guards true only for sessions journaled before a policy key existed (see keysAddedSince in
 * policy.ts): no call made today takes their transitions, so coverage reports them apart.
 */
export const LEGACY_GUARDS: ReadonlySet<string> = new Set(['stopsWithoutPause']);

/**
 * Events only a live audio caller sends (`caller.speech.turn`, from its streaming partial
 * results): a scenario library cannot take their transitions, so coverage reports them apart.
 */
export const LIVE_ONLY_EVENTS: ReadonlySet<string> = new Set(['caller.speech.turn']);

export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
    emitted: {} as CallCommand,
  },
  delays: {
    toolLatencyBudgetMs: ({ context }) => context.policy.toolLatencyBudgetMs,
    fillerAfterMs: ({ context }) => context.policy.fillerAfterMs,
    thinkingBudgetMs: ({ context }) => context.policy.thinkingBudgetMs,
    deadAirMs: ({ context }) => context.policy.deadAirMs,
    endOfTurnSilenceMs: ({ context }) => context.policy.endOfTurnSilenceMs,
    falseInterruptionTimeoutMs: ({ context }) => context.policy.falseInterruptionTimeoutMs,
    /** What is left of bargeInMinSpeechMs once the speech that started the overlap has lasted (spokenMs). */
    bargeInMinSpeechMs: ({ context, event }) => Math.max(0, context.policy.bargeInMinSpeechMs - (event.type === 'caller.speech.started' ? (event.spokenMs ?? 0) : 0)),
    /** Backoff before the orchestration layer's own retry of a failed tool call. */
    toolRetryBackoffMs: ({ context }) => 100 * (context.currentTool?.attempt ?? 1),
  },
  guards: {
    /** SPEC §3 circuitBreakerFailures: consecutive failures of the current tool's backend. */
    circuitBreakerFailures: ({ context }) => !!context.currentTool && (context.consecutiveFailures[backendOf(context.currentTool.tool)] ?? 0) >= context.policy.circuitBreakerFailures,
    /** SPEC §3 toolRetries, without ever exceeding sameToolMaxConsecutive. */
    toolRetries: ({ context }) => !!context.currentTool && context.currentTool.attempt <= context.policy.toolRetries && context.sameTool.count < context.policy.sameToolMaxConsecutive,
    /** SPEC §3 sameToolMaxConsecutive: the requested tool has already been called that many times in a row. */
    sameToolMaxConsecutive: ({ context, event }) => {
      const e = event as Ev<'agent.response'>;
      return e.response.kind === 'tool' && context.sameTool.tool === e.response.tool && context.sameTool.count >= context.policy.sameToolMaxConsecutive;
    },
    /** SPEC §3 tokenBudget: this response takes the call past its budget. */
    tokenBudget: ({ context, event }) => context.tokens + (event as Ev<'agent.response'>).tokens > context.policy.tokenBudget,
    /** SPEC §3 deadAirReprompts: reprompts left before a dead_air handoff. */
    deadAirReprompts: ({ context }) => context.reprompts < context.policy.deadAirReprompts,
    /** SPEC §3 noProgressTurns: this is another turn the agent could not act on, and the limit is reached. */
    noProgressTurns: ({ context, event }) => {
      const r = (event as Ev<'agent.response'>).response;
      return r.kind === 'say' && !r.progress && context.policy.noProgressTurns > 0 && context.noProgress + 1 >= context.policy.noProgressTurns;
    },
    /** SPEC §3: an explicit request for a human hands off at once. */
    callerAsksForHuman: ({ event }) => asksForHuman((event as Ev<'asr.result'>).text),
    /** SPEC §3 frustrationThreshold: this utterance takes the caller's frustration score to the threshold. */
    frustrationThreshold: ({ context, event }) =>
      updateFrustration(context.frustration, (event as Ev<'asr.result'>).text, { recentToolFailures: context.recentToolFailures }).score >= context.policy.frustrationThreshold,
    isToolRequest: ({ event }) => (event as Ev<'agent.response'>).response.kind === 'tool',
    isAgentHandoff: ({ event }) => (event as Ev<'agent.response'>).response.kind === 'handoff',
    isGoodbye: ({ event }) => (event as Ev<'agent.response'>).response.kind === 'end',
    isCurrentCall: ({ context, event }) => context.currentTool?.callId === (event as Ev<'tool.result'>).callId,
    isFailedResult: ({ event }) => {
      const o = (event as Ev<'tool.result'>).outcome;
      return o === 'error' || o === 'malformed';
    },
    /** The turn's words are all in: every segment recognised, and something was said. */
    hasTranscript: ({ context }) => context.pendingTranscripts === 0 && heardWords(context),
    /** Some of the turn's words are in (recognition may still owe the rest). */
    heardSomething: ({ context }) => heardWords(context),
    /** Nothing usable was recognised for the whole turn. */
    asrFailed: ({ context }) => context.pendingTranscripts === 0 && context.asrFailed && !heardWords(context),
    callerIsSpeaking: ({ context }) => context.callerSpeaking,
    /** A session journaled before the agent paused over caller speech: its policy lacks the pause's timeout. */
    stopsWithoutPause: ({ context }) => (context.policy as Partial<Policy>).falseInterruptionTimeoutMs === undefined,
    /** The caller's speech that just ended was a backchannel (told by the world: words and sound). */
    backchannelEnded: ({ event }) => event.type === 'caller.speech.ended' && event.backchannel === true,
    saidGoodbye: ({ context }) => context.speech?.purpose === 'goodbye',
    agentCircuitOpen: ({ context }) => (context.consecutiveFailures['agent'] ?? 0) + 1 >= context.policy.circuitBreakerFailures,
  },
  actions: {
    setHandoff: assign((_, params: { reason: HandoffReason }) => ({
      handoff: { reason: params.reason, priority: (highPriority.has(params.reason) ? 'high' : 'normal') as HandoffPriority },
    })),
    setSpeech: assign((_, params: PendingSpeech) => ({ speech: params })),
    speak: emit(({ context }): CallCommand => ({
      type: 'agent.speak',
      text: context.speech!.text,
      scripted: context.speech!.scripted,
      purpose: context.speech!.purpose,
    })),
    think: emit(({ context }): CallCommand => ({ type: 'agent.think', input: context.agentInput! })),
    callTool: emit(({ context }): CallCommand => ({
      type: 'tool.call',
      callId: context.currentTool!.callId,
      tool: context.currentTool!.tool,
      args: context.currentTool!.args,
      attempt: context.currentTool!.attempt,
    })),
    startHandoff: emit(({ context }): CallCommand => ({
      type: 'handoff.start',
      reason: context.handoff!.reason,
      priority: context.handoff!.priority,
    })),
    /** The turn is over and owes nothing: answers recognition still owes are given up (abandonRecognition). */
    takeCallerTurn: assign({
      agentInput: ({ context }) => ({ kind: 'caller' as const, text: context.callerText.trim() }),
      callerText: () => '',
      asrFailed: false,
      pendingTranscripts: 0,
      recentToolFailures: 0,
    }),
    /** The caller was not understood: ask again (a scripted line); the turn owes nothing, as above. */
    askAgain: assign({
      speech: () => ({ text: scriptLines.notHeard, scripted: true, purpose: 'reprompt' as const }),
      asrFailed: false,
      pendingTranscripts: 0,
    }),
    /** Recognition still owes answers and is no longer waited for (said in the journal). */
    abandonRecognition: emit({ type: 'asr.abandon', reason: 'timeout' } as CallCommand),
    transcriptArrived: assign({ pendingTranscripts: ({ context }) => Math.max(0, context.pendingTranscripts - 1) }),
    collectTranscript: assign({
      callerText: ({ context, event }) => `${context.callerText} ${(event as Ev<'asr.result'>).text}`.trim(),
    }),
    /** Counts the response's tokens; an answer from the model closes its breaker count (failures are counted in a row). */
    addTokens: assign({
      tokens: ({ context, event }) => context.tokens + (event as Ev<'agent.response'>).tokens,
      consecutiveFailures: ({ context }) => (context.consecutiveFailures['agent'] ? { ...context.consecutiveFailures, agent: 0 } : context.consecutiveFailures),
    }),
    startToolCall: assign(({ context, event }) => {
      const r = (event as Ev<'agent.response'>).response as Extract<AgentResponse, { kind: 'tool' }>;
      const count = context.sameTool.tool === r.tool ? context.sameTool.count + 1 : 1;
      return {
        currentTool: { callId: context.nextCallId, tool: r.tool, args: r.args, attempt: 1 },
        nextCallId: context.nextCallId + 1,
        sameTool: { tool: r.tool, count },
      };
    }),
    retryToolCall: assign(({ context }) => ({
      currentTool: { ...context.currentTool!, callId: context.nextCallId, attempt: context.currentTool!.attempt + 1 },
      nextCallId: context.nextCallId + 1,
      sameTool: { tool: context.currentTool!.tool, count: context.sameTool.count + 1 },
    })),
    recordToolFailure: assign(({ context, event }) => {
      const backend = backendOf(context.currentTool!.tool);
      const e = event as Partial<Ev<'tool.result'>>;
      const outcome = e.type === 'tool.result' ? e.outcome! : 'timeout';
      return {
        consecutiveFailures: { ...context.consecutiveFailures, [backend]: (context.consecutiveFailures[backend] ?? 0) + 1 },
        toolFailures: context.toolFailures + 1,
        recentToolFailures: context.recentToolFailures + 1,
        agentInput: {
          kind: 'tool' as const,
          callId: context.currentTool!.callId,
          tool: context.currentTool!.tool,
          outcome,
          status: e.type === 'tool.result' ? e.status : undefined,
        },
      };
    }),
    recordToolSuccess: assign(({ context, event }) => {
      const e = event as Ev<'tool.result'>;
      return {
        consecutiveFailures: { ...context.consecutiveFailures, [backendOf(e.tool)]: 0 },
        agentInput: { kind: 'tool' as const, callId: e.callId, tool: e.tool, outcome: e.outcome, status: e.status, data: e.data },
        currentTool: null,
      };
    }),
    assessCaller: assign({
      frustration: ({ context, event }) => updateFrustration(context.frustration, (event as Ev<'asr.result'>).text, { recentToolFailures: context.recentToolFailures }),
    }),
  },
}).createMachine({
  id: 'call',
  context: ({ input }) => initialContext(input.policy),
  initial: 'active',
  on: {
    'control.policy.set': { actions: assign({ policy: ({ context, event }) => ({ ...context.policy, ...event.patch }) }) },
  },
  states: {
    active: {
      type: 'parallel',
      on: {
        'caller.hungup': { target: 'hungUp' },
      },
      states: {
        conversation: {
          initial: 'agentSpeaking',
          on: {
            'asr.result': { actions: ['collectTranscript', 'transcriptArrived'] },
            'asr.failed': { actions: [assign({ asrFailed: true }), 'transcriptArrived'] },
          },
          states: {
            agentSpeaking: {
              entry: 'speak',
              initial: 'speaking',
              states: {
                speaking: {
                  always: { guard: 'callerIsSpeaking', target: 'callerOverlap' },
                  on: { 'caller.speech.started': 'callerOverlap' },
                },
                /** The caller talks over the agent: once that lasts bargeInMinSpeechMs the agent pauses; shorter goes unheeded. */
                callerOverlap: {
                  after: {
                    bargeInMinSpeechMs: [
                      {
                        // Sessions recorded before pauses existed (their policy has no
                        // falseInterruptionTimeoutMs) replay with the rule they were made under: a stop.
                        guard: 'stopsWithoutPause',
                        target: '#call.active.conversation.callerSpeaking',
                        actions: [emit({ type: 'agent.speech.stop', reason: 'barge_in' } as CallCommand), assign({ bargeIns: ({ context }) => context.bargeIns + 1 })],
                      },
                      { target: 'paused', actions: emit({ type: 'agent.speech.pause', reason: 'caller_speech' } as CallCommand) },
                    ],
                  },
                  on: { 'caller.speech.ended': 'speaking' },
                },
                /**
                 * The agent's audio holds while it is told whether the caller's speech is a
                 * backchannel (it resumes where it held) or a turn: the speech ends as no
                 * backchannel, is told a turn while it goes on (caller.speech.turn), or outlasts
                 * falseInterruptionTimeoutMs, and the agent stops (a barge-in).
                 */
                paused: {
                  after: {
                    // a barge-in: the agent's line stops there
                    falseInterruptionTimeoutMs: {
                      target: '#call.active.conversation.callerSpeaking',
                      actions: [emit({ type: 'agent.speech.stop', reason: 'barge_in' } as CallCommand), assign({ bargeIns: ({ context }) => context.bargeIns + 1 })],
                    },
                  },
                  on: {
                    // known a turn before it ended (a live call's partial result): the agent stops now
                    'caller.speech.turn': {
                      target: '#call.active.conversation.callerSpeaking',
                      actions: [emit({ type: 'agent.speech.stop', reason: 'barge_in' } as CallCommand), assign({ bargeIns: ({ context }) => context.bargeIns + 1 })],
                    },
                    'caller.speech.ended': [
                      { guard: 'backchannelEnded', target: 'speaking', actions: emit({ type: 'agent.speech.resume', reason: 'backchannel' } as CallCommand) },
                      {
                        target: '#call.active.conversation.callerPaused',
                        actions: [emit({ type: 'agent.speech.stop', reason: 'barge_in' } as CallCommand), assign({ bargeIns: ({ context }) => context.bargeIns + 1 })],
                      },
                    ],
                  },
                },
              },
              on: {
                /** Words heard while the agent talks belong to a barge-in (collected in callerSpeaking) or to a backchannel: dropped. */
                'asr.result': { actions: 'transcriptArrived' },
                'agent.speech.ended': [{ guard: 'saidGoodbye', target: '#call.completed' }, { guard: 'callerIsSpeaking', target: 'callerSpeaking' }, { target: 'listening' }],
              },
            },
            listening: {
              /**
               * Words the caller said while the agent was busy (a tool call) and no turn took:
               * a turn as soon as the agent has finished speaking, or, if recognition still owes
               * some of them, once it has been given up after the dead-air time (never a reprompt).
               */
              always: { guard: 'hasTranscript', target: 'thinking', actions: 'takeCallerTurn' },
              after: {
                deadAirMs: [
                  { guard: 'heardSomething', target: 'thinking', actions: ['abandonRecognition', 'takeCallerTurn'] },
                  {
                    guard: 'deadAirReprompts',
                    target: 'agentSpeaking',
                    actions: [
                      assign({
                        speech: ({ context }) => ({
                          text: scriptLines.reprompt[Math.min(context.reprompts, scriptLines.reprompt.length - 1)],
                          scripted: true,
                          purpose: 'reprompt' as const,
                        }),
                      }),
                      assign({ reprompts: ({ context }) => context.reprompts + 1 }),
                    ],
                  },
                  { target: '#call.handoff', actions: handoff('dead_air') },
                ],
              },
              on: { 'caller.speech.started': 'callerSpeaking' },
            },
            callerSpeaking: {
              on: {
                'caller.speech.ended': [
                  // speech begun over the agent, who finished meanwhile, that was only an acknowledgement
                  { guard: 'backchannelEnded', target: 'listening' },
                  { target: 'callerPaused' },
                ],
              },
            },
            callerPaused: {
              after: {
                endOfTurnSilenceMs: [
                  { guard: 'hasTranscript', target: 'thinking', actions: 'takeCallerTurn' },
                  { guard: 'asrFailed', target: 'agentSpeaking', actions: 'askAgain' },
                  { target: 'awaitingTranscript' },
                ],
              },
              on: { 'caller.speech.started': 'callerSpeaking' },
            },
            /** The caller stopped but recognition has not answered yet. */
            awaitingTranscript: {
              always: [
                { guard: 'hasTranscript', target: 'thinking', actions: 'takeCallerTurn' },
                { guard: 'asrFailed', target: 'agentSpeaking', actions: 'askAgain' },
              ],
              /**
               * Recognition that has not answered after the dead-air time is given up (the turns
               * after it must not wait for its answer too): the agent takes the words that did
               * come, or asks again if none did.
               */
              after: {
                deadAirMs: [
                  { guard: 'heardSomething', target: 'thinking', actions: ['abandonRecognition', 'takeCallerTurn'] },
                  { target: 'agentSpeaking', actions: ['abandonRecognition', 'askAgain'] },
                ],
              },
              on: { 'caller.speech.started': 'callerSpeaking' },
            },
            thinking: {
              entry: 'think',
              initial: 'waiting',
              states: {
                waiting: {
                  after: {
                    fillerAfterMs: {
                      target: 'fillerPlayed',
                      actions: [emit({ type: 'filler.play', text: scriptLines.filler } as CallCommand), assign({ fillerPlays: ({ context }) => context.fillerPlays + 1 })],
                    },
                  },
                },
                fillerPlayed: {},
              },
              after: {
                thinkingBudgetMs: {
                  target: '#call.handoff',
                  actions: [emit({ type: 'agent.cancel', reason: 'latency_timeout' } as CallCommand), handoff('latency_timeout')],
                },
              },
              on: {
                'agent.response': [
                  {
                    guard: 'tokenBudget',
                    target: '#call.handoff',
                    actions: ['addTokens', emit({ type: 'agent.kill', reason: 'cost_limit' } as CallCommand), handoff('cost_limit')],
                  },
                  { guard: 'sameToolMaxConsecutive', target: 'fallbackScript', actions: 'addTokens' },
                  { guard: 'isToolRequest', target: 'toolCall', actions: ['addTokens', 'startToolCall'] },
                  { guard: 'isAgentHandoff', target: '#call.handoff', actions: ['addTokens', handoff('agent_request')] },
                  {
                    guard: 'isGoodbye',
                    target: 'agentSpeaking',
                    actions: ['addTokens', assign({ speech: ({ event }) => ({ text: (event.response as { text: string }).text, scripted: false, purpose: 'goodbye' as const }) })],
                  },
                  { guard: 'noProgressTurns', target: '#call.handoff', actions: ['addTokens', handoff('no_progress')] },
                  {
                    target: 'agentSpeaking',
                    actions: [
                      'addTokens',
                      assign(({ context, event }) => {
                        const r = event.response as Extract<AgentResponse, { kind: 'say' }>;
                        return {
                          speech: { text: r.text, scripted: false, purpose: r.progress ? ('answer' as const) : ('clarify' as const) },
                          noProgress: context.agentInput?.kind !== 'caller' ? context.noProgress : r.progress ? 0 : context.noProgress + 1,
                        };
                      }),
                    ],
                  },
                ],
                /** A model that fails or answers garbage: counted like a failing backend named "agent". */
                'agent.failed': [
                  {
                    guard: 'agentCircuitOpen',
                    target: '#call.handoff',
                    actions: [
                      assign(({ context, event }) => ({
                        tokens: context.tokens + event.tokens,
                        consecutiveFailures: { ...context.consecutiveFailures, agent: (context.consecutiveFailures['agent'] ?? 0) + 1 },
                      })),
                      handoff('backend_failure'),
                    ],
                  },
                  {
                    target: 'thinking',
                    reenter: true,
                    actions: assign(({ context, event }) => ({
                      tokens: context.tokens + event.tokens,
                      consecutiveFailures: { ...context.consecutiveFailures, agent: (context.consecutiveFailures['agent'] ?? 0) + 1 },
                    })),
                  },
                ],
                'caller.speech.started': {
                  target: 'callerSpeaking',
                  actions: [
                    emit({ type: 'agent.cancel', reason: 'caller_spoke' } as CallCommand),
                    assign({ callerText: ({ context }) => (context.agentInput?.kind === 'caller' ? context.agentInput.text : context.callerText) }),
                  ],
                },
              },
            },
            toolCall: {
              entry: 'callTool',
              after: {
                toolLatencyBudgetMs: {
                  target: 'toolFailed',
                  actions: [emit(({ context }): CallCommand => ({ type: 'tool.abandon', callId: context.currentTool!.callId, reason: 'timeout' })), 'recordToolFailure'],
                },
              },
              on: {
                'tool.result': [
                  { guard: and(['isCurrentCall', 'isFailedResult']), target: 'toolFailed', actions: 'recordToolFailure' },
                  { guard: 'isCurrentCall', target: 'thinking', actions: 'recordToolSuccess' },
                ],
              },
            },
            toolFailed: {
              always: [
                { guard: 'circuitBreakerFailures', target: '#call.handoff', actions: handoff('backend_failure') },
                { guard: 'toolRetries', target: 'toolBackoff' },
                { target: 'thinking', actions: assign({ currentTool: null }) },
              ],
            },
            toolBackoff: {
              after: { toolRetryBackoffMs: { target: 'toolCall', actions: 'retryToolCall' } },
            },
            /** The deterministic fallback when the agent loops on one tool: a scripted line, then a tool_loop handoff. */
            fallbackScript: {
              entry: [say(scriptLines.fallback, 'fallback', true), 'speak'],
              on: { 'agent.speech.ended': { target: '#call.handoff', actions: handoff('tool_loop') } },
            },
          },
        },
        /** Beside the conversation: every caller utterance is checked for a human request and frustration. */
        callerMonitor: {
          initial: 'calm',
          on: {
            // Bookkeeping every region relies on. It lives in this region, not on `active`: XState
            // takes a parallel parent's transition only when no region handles the event.
            'caller.speech.started': { actions: assign({ callerSpeaking: true, reprompts: 0 }) },
            // a backchannel owes no recognition answer
            'caller.speech.ended': { actions: assign({ callerSpeaking: false, pendingTranscripts: ({ context, event }) => context.pendingTranscripts + (event.backchannel ? 0 : 1) }) },
            'asr.result': [
              { guard: 'callerAsksForHuman', target: '#call.handoff', actions: ['assessCaller', handoff('caller_request')] },
              { guard: 'frustrationThreshold', target: '#call.handoff', actions: ['assessCaller', handoff('caller_frustration')] },
              { target: '.assessed', actions: ['assessCaller'] },
            ],
          },
          states: {
            calm: {},
            assessed: {
              always: [{ guard: ({ context }) => context.frustration.score >= context.policy.frustrationThreshold / 2, target: 'upset' }, { target: 'calm' }],
            },
            upset: {},
          },
        },
      },
    },
    /** The handoff state: entered at most once; from here the agent says only scripted lines. */
    handoff: {
      entry: ['startHandoff', assign({ speech: ({ context }) => ({ text: scriptLines.handoff[context.handoff!.reason], scripted: true, purpose: 'handoff' as const }) }), 'speak'],
      on: {
        'agent.speech.ended': 'transferred',
        'caller.hungup': 'transferred',
      },
    },
    transferred: {
      type: 'final',
      entry: [assign({ outcome: 'handoff' }), emit({ type: 'call.end', outcome: 'handoff' } as CallCommand)],
    },
    completed: {
      type: 'final',
      entry: [assign({ outcome: 'completed' }), emit({ type: 'call.end', outcome: 'completed' } as CallCommand)],
    },
    hungUp: {
      type: 'final',
      entry: [emit({ type: 'agent.speech.stop', reason: 'hangup' } as CallCommand), assign({ outcome: 'caller_hung_up' }), emit({ type: 'call.end', outcome: 'caller_hung_up' } as CallCommand)],
    },
  },
});

export type CallMachine = typeof callMachine;

// An LLM-played caller (README, "An LLM-played caller"; issue 20): a persona whose lines come
// from an OpenAI chat-completions server. What the model is told and how its answer is read is
// shared/persona.ts; when the caller speaks is decided here, from the persona's timing and the
// session's seeded generator, never from the model.

import type { CallCommand, CallEvent, JournalEntry, WorldEvent } from '../../shared/events.ts';
import { defaultPersonaMaxTurns, personaMessages, readCallerReply, requestHash, type CallLine, type ChatMessage } from '../../shared/persona.ts';
import type { Persona } from '../../shared/scenario.ts';
import { assertNever } from '../../shared/assertNever.ts';
import { playHeardSegments } from '../world/recognition.ts';
import { chatEndpoint, errorText, estimateTokens, excerpt, networkReason, parseCompletion, redactSecrets } from '../world/model.ts';
import type { CallEnv } from '../world/secrets.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import { sayText, type HeardLine } from './scripted.ts';

export type CallerModelResult = Extract<WorldEvent, { type: 'caller.model.result' }>;

/** Defaults of a persona's `timing` (scenario.ts documents each). */
export const personaTimingDefaults = { replyDelayMs: { min: 300, max: 1200 }, bargeInProbability: 0, bargeInAfterMs: { min: 500, max: 1500 } };
/** A request not answered by then is a caller-model failure. */
export const defaultCallerModelTimeoutMs = 20_000;
/** The model may keep answering silence; past this many answers per allowed line the caller hangs up. */
const asksPerLine = 3;

export interface PersonaCallerOptions {
  /** The variables the call may read (the model's key among them). */
  env: CallEnv;
  /**
   * A parent session's caller-model answers (what-if, fork): a request whose messages hash to
   * one of theirs takes that answer (journaled `from: 'journal'`) instead of asking the model.
   */
  answers?: readonly CallerModelResult[];
  /** A synthesized voice: says and hears one line (flite, VAD, ASR); without it the text voice. */
  hearLine?: (text: string) => Promise<HeardLine>;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The caller-model answers journaled in a session, in order: what a what-if or fork of it reuses. Pure. */
export function journaledAnswers(entries: readonly JournalEntry[]): CallerModelResult[] {
  return entries.flatMap((e) => (e.kind === 'input' && e.event.type === 'caller.model.result' ? [e.event] : []));
}

/**
 * The persona caller: after each agent line it waits a drawn reply delay, then asks its model
 * for its next line with the call so far from its side, and says the answer (or stays silent,
 * or hangs up). With `bargeInProbability` it may instead start over an agent line, a drawn time
 * into it. While the model is asked the virtual clock stands still, so the model's latency
 * changes no timing; it is journaled with the answer. A failed answer is dead air.
 */
export class PersonaCaller implements WorldPart {
  private readonly lines: CallLine[] = [];
  private readonly reuse = new Map<string, CallerModelResult[]>();
  private readonly maxTurns: number;
  private readonly timing: typeof personaTimingDefaults;
  private asked = 0;
  private said = 0;
  private agentLines = 0;
  /** The caller is asking its model or saying a line. */
  private busy = false;
  private agentTalking = false;
  private reply: number | null = null;
  private done = false;

  constructor(
    private readonly ctx: WorldContext,
    private readonly persona: Persona,
    private readonly o: PersonaCallerOptions,
  ) {
    this.maxTurns = persona.maxTurns ?? defaultPersonaMaxTurns;
    this.timing = { ...personaTimingDefaults, ...persona.timing };
    for (const a of o.answers ?? []) {
      const queue = this.reuse.get(a.request) ?? [];
      queue.push(a);
      this.reuse.set(a.request, queue);
    }
  }

  onCommand(command: CallCommand): void {
    switch (command.type) {
      case 'agent.speak': {
        this.agentTalking = true;
        this.cancelReply();
        this.lines.push({ speaker: 'agent', text: command.text });
        const n = this.agentLines++;
        const rng = this.ctx.rng(`persona:barge-in:${n}`);
        if (this.busy || rng.next() >= this.timing.bargeInProbability) return;
        this.ctx.scheduler.after(rng.int(this.timing.bargeInAfterMs.min, this.timing.bargeInAfterMs.max), () => {
          if (this.agentTalking && !this.busy && this.agentLines === n + 1) this.takeTurn();
        });
        return;
      }
      case 'agent.speech.stop':
      case 'handoff.start':
        this.agentTalking = false;
        return;
      case 'call.end':
        this.done = true;
        this.cancelReply();
        return;
      default:
        return;
    }
  }

  onEvent(event: CallEvent): void {
    if (event.type !== 'agent.speech.ended') return;
    this.agentTalking = false;
    if (this.done || this.busy) return;
    this.cancelReply();
    const { min, max } = this.timing.replyDelayMs;
    this.reply = this.ctx.scheduler.after(this.ctx.rng(`persona:reply:${this.agentLines}`).int(min, max), () => {
      this.reply = null;
      if (!this.agentTalking && !this.busy) this.takeTurn();
    });
  }

  private cancelReply(): void {
    if (this.reply !== null) this.ctx.scheduler.cancel(this.reply);
    this.reply = null;
  }

  /** The caller's turn: its next line from the model (or the parent's journal), said; or the hang-up its limit imposes. */
  private takeTurn(): void {
    if (this.done) return;
    if (this.said >= this.maxTurns || this.asked >= this.maxTurns * asksPerLine) {
      this.done = true;
      this.ctx.deliver({ type: 'caller.hungup' });
      return;
    }
    this.busy = true;
    const turn = this.asked++;
    const messages = personaMessages(this.persona, this.lines);
    const request = requestHash(messages);
    const reused = this.reuse.get(request)?.shift();
    if (reused) {
      this.settle({ ...reused, turn, from: 'journal' });
      return;
    }
    const work = askCallerModel(this.persona.model, messages, { env: this.o.env, turn, request, fetch: this.o.fetch, now: this.o.now });
    // the clock stands still while the model is asked (virtual pacing): the answer lands at the time it was asked
    this.ctx.track(work.then((result) => this.ctx.scheduler.at(this.ctx.scheduler.now, () => this.settle(result))));
  }

  private settle(result: CallerModelResult): void {
    if (this.done) return;
    this.ctx.record(result);
    switch (result.action) {
      case 'say':
        this.say(result.line!, () => (this.busy = false));
        return;
      case 'hangup':
        if (result.line) this.say(result.line, () => this.hangUp());
        else this.hangUp();
        return;
      case 'silence':
      case 'failed':
        // dead air: the machine's silence timers prompt the caller again
        this.busy = false;
        return;
      default:
        assertNever(result.action);
    }
  }

  private hangUp(): void {
    if (this.done) return;
    this.done = true;
    this.ctx.deliver({ type: 'caller.hungup' });
  }

  /** Says a line in the scenario's voice; `then` once it is over. */
  private say(text: string, then: () => void): void {
    this.said++;
    this.lines.push({ speaker: 'caller', text });
    const { ctx } = this;
    const stillOn = () => !this.done;
    if (!this.o.hearLine) {
      sayText(ctx, text, stillOn, then);
      return;
    }
    // a synthesized voice: the line is said and heard (VAD, ASR) as it is answered
    ctx.track(
      this.o.hearLine(text).then((heard) =>
        ctx.scheduler.at(ctx.scheduler.now, () => {
          if (!stillOn()) return;
          playHeardSegments(ctx, ctx.scheduler.now, heard.segments, stillOn);
          ctx.scheduler.after(heard.durationMs, () => stillOn() && then());
        }),
      ),
    );
  }
}

/**
 * Asks a persona's model for the caller's next line; never throws: a server that cannot be
 * reached, times out, answers an HTTP error, a body that is not a chat completion, an empty
 * message or a refusal is a `failed` result with the reason. No tools are sent (any chat server
 * works); a `hang_up` function call is read all the same. The API key is never in the result.
 * Effects: one HTTP request; reads the wall clock for the latency.
 */
export async function askCallerModel(
  model: Persona['model'],
  messages: ChatMessage[],
  o: { env: CallEnv; turn: number; request: string; fetch?: typeof fetch; now?: () => number },
): Promise<CallerModelResult> {
  const now = o.now ?? (() => performance.now());
  const timeoutMs = model.timeoutMs ?? defaultCallerModelTimeoutMs;
  const endpoint = chatEndpoint(model, o.env, 'caller.persona.model.apiKeyEnv');
  const key = 'error' in endpoint ? undefined : endpoint.key;
  const started = now();
  const redact = (t: string) => redactSecrets(t, [key]);
  const base = { type: 'caller.model.result', turn: o.turn, model: model.name, request: o.request } as const;
  const failed = (error: string, tokens = 0): CallerModelResult => ({ ...base, latencyMs: Math.max(0, Math.round(now() - started)), tokens, action: 'failed', error: redact(error) });
  if ('error' in endpoint) return failed(endpoint.error);
  const { url, headers } = endpoint;
  let res: Response;
  let text: string;
  try {
    res = await (o.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: model.name, messages, temperature: model.temperature ?? 0.8 }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    return failed(`the caller model could not be reached at ${url}: ${networkReason(err, timeoutMs)}`);
  }
  if (!res.ok) return failed(`the caller model answered HTTP ${res.status}${text.trim() ? `: ${excerpt(errorText(text))}` : ''}`);
  const fetched = parseCompletion(text);
  if (!fetched.ok) return failed(fetched.error.replace(/^the model/, 'the caller model'), fetched.tokens);
  const { reply } = fetched;
  const tokens = reply.tokens ?? estimateTokens(messages, reply);
  const content = reply.content === null ? undefined : redact(reply.content).slice(0, 10_000);
  const reading = readCallerReply(
    content ?? null,
    reply.toolCalls.map((c) => c.name),
  );
  const latencyMs = Math.max(0, Math.round(now() - started));
  const kept = content === undefined ? {} : { content };
  if (reading.action === 'failed') return { ...base, latencyMs, tokens, action: 'failed', error: redact(reading.error), ...kept };
  return { ...base, latencyMs, tokens, action: reading.action, ...(reading.line ? { line: reading.line } : {}), ...kept };
}

/**
 * What a what-if or fork did with a persona caller's model, in one line for stderr, or null
 * when the call has no persona: how many answers came from the parent's journal and how many
 * were asked again (the branch's conversation differs there). Pure.
 */
export function callerModelReuseLine(entries: readonly JournalEntry[]): string | null {
  const answers = journaledAnswers(entries);
  if (!answers.length) return null;
  const reused = answers.filter((a) => a.from === 'journal').length;
  const asked = answers.length - reused;
  const failed = answers.filter((a) => a.from !== 'journal' && a.action === 'failed').length;
  return `caller model: ${reused} answer${reused === 1 ? '' : 's'} taken from the parent's journal, ${asked} asked again where the conversation differs${failed ? ` (${failed} failed: dead air)` : ''}`;
}

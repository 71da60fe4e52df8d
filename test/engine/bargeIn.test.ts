import { describe, expect, it } from 'vitest';
import { CallCore } from '../../shared/core.ts';
import { resolvePolicy } from '../../shared/policy.ts';
import { ReplayClock } from '../../shared/replay.ts';
import type { CallCommand } from '../../shared/events.ts';

/** The machine in its greeting (the agent speaking), on a clock whose timers wait to be fired. */
function greeting() {
  const at = { now: 0 };
  const clock = new ReplayClock(() => at.now);
  const commands: { atMs: number; command: CallCommand }[] = [];
  const states: string[] = [];
  const core = new CallCore({
    policy: resolvePolicy({ bargeInMinSpeechMs: 250 }),
    clock,
    now: () => at.now,
    onTransition: (t) => states.push(`${t.atMs} ${t.state}`),
    onCommand: (command, atMs) => commands.push({ atMs, command }),
  });
  core.start();
  return { at, clock, core, commands, states };
}

describe('bargeInMinSpeechMs counts speech the machine heard late (spokenMs)', () => {
  for (const [spokenMs, due] of [
    [undefined, 350],
    [100, 250],
    [250, 100],
    [1000, 100],
  ] as const) {
    it(`speech heard at 100 ms having lasted ${spokenMs ?? 0} ms: the agent pauses at ${due} ms`, () => {
      const { at, clock, core, commands, states } = greeting();
      at.now = 100;
      core.send({ type: 'caller.speech.started', speechAtMs: 100 - (spokenMs ?? 0), ...(spokenMs ? { spokenMs } : {}) });
      expect(states.at(-1)).toBe('100 active.conversation.agentSpeaking.callerOverlap');
      const timers = [...clock.pending.values()].map((p) => p.due);
      expect(timers).toContain(due);
      const [id] = [...clock.pending].find(([, p]) => p.due === due)!;
      at.now = due;
      clock.fire(id);
      expect(commands.find((c) => c.command.type === 'agent.speech.pause')).toEqual({ atMs: due, command: { type: 'agent.speech.pause', reason: 'caller_speech' } });
      expect(commands.some((c) => c.command.type === 'agent.speech.stop')).toBe(false);
      expect(states.at(-1)).toBe(`${due} active.conversation.agentSpeaking.paused`);
    });
  }
});

/** Fires the pending timer due at `due` (there must be one). */
function fireAt(g: ReturnType<typeof greeting>, due: number) {
  const found = [...g.clock.pending].find(([, p]) => p.due === due);
  expect(found, `a timer due at ${due} ms`).toBeDefined();
  g.at.now = due;
  g.clock.fire(found![0]);
}

describe('a pause over caller speech ends in a resume or a stop (false interruptions)', () => {
  it('speech that ends as a backchannel: the agent resumes, no barge-in, no recognition owed', () => {
    const g = greeting();
    g.at.now = 1000;
    g.core.send({ type: 'caller.speech.started', speechAtMs: 1000 });
    fireAt(g, 1250);
    g.at.now = 1400;
    g.core.send({ type: 'caller.speech.ended', speechAtMs: 1400, backchannel: true });
    expect(g.commands.map((c) => `${c.atMs} ${c.command.type}`).slice(1)).toEqual(['1250 agent.speech.pause', '1400 agent.speech.resume']);
    expect(g.states.slice(-3)).toEqual(['1000 active.conversation.agentSpeaking.callerOverlap', '1250 active.conversation.agentSpeaking.paused', '1400 active.conversation.agentSpeaking.speaking']);
    expect(g.core.snapshot.context).toMatchObject({ bargeIns: 0, pendingTranscripts: 0, callerSpeaking: false });
    // no timer of the pause is left to stop the agent later
    expect([...g.clock.pending.values()].map((p) => p.due)).not.toContain(1250 + 1500);
  });

  it('speech that ends as no backchannel ("No"): the agent stops there, a barge-in, and the caller has the turn', () => {
    const g = greeting();
    g.at.now = 1000;
    g.core.send({ type: 'caller.speech.started', speechAtMs: 1000 });
    fireAt(g, 1250);
    g.at.now = 1420;
    g.core.send({ type: 'caller.speech.ended', speechAtMs: 1420 });
    expect(g.commands.at(-1)).toEqual({ atMs: 1420, command: { type: 'agent.speech.stop', reason: 'barge_in' } });
    expect(g.states.at(-1)).toBe('1420 active.conversation.callerPaused');
    expect(g.core.snapshot.context).toMatchObject({ bargeIns: 1, pendingTranscripts: 1 });
  });

  it('speech that goes on: the agent stops falseInterruptionTimeoutMs after it paused', () => {
    const g = greeting();
    g.at.now = 1000;
    g.core.send({ type: 'caller.speech.started', speechAtMs: 1000 });
    fireAt(g, 1250);
    fireAt(g, 1250 + 1500);
    expect(g.commands.at(-1)).toEqual({ atMs: 2750, command: { type: 'agent.speech.stop', reason: 'barge_in' } });
    expect(g.states.at(-1)).toBe('2750 active.conversation.callerSpeaking');
  });

  it('a backchannel shorter than bargeInMinSpeechMs never pauses the agent', () => {
    const g = greeting();
    g.at.now = 1000;
    g.core.send({ type: 'caller.speech.started', speechAtMs: 1000 });
    g.at.now = 1200;
    g.core.send({ type: 'caller.speech.ended', speechAtMs: 1200, backchannel: true });
    expect(g.commands.map((c) => c.command.type)).toEqual(['agent.speak']);
    expect(g.states.at(-1)).toBe('1200 active.conversation.agentSpeaking.speaking');
  });
});

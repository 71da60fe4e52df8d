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
  const core = new CallCore({ policy: resolvePolicy({ bargeInMinSpeechMs: 250 }), clock, now: () => at.now, onTransition: (t) => states.push(`${t.atMs} ${t.state}`), onCommand: (command, atMs) => commands.push({ atMs, command }) });
  core.start();
  return { at, clock, core, commands, states };
}

describe('bargeInMinSpeechMs counts speech the machine heard late (spokenMs)', () => {
  for (const [spokenMs, due] of [[undefined, 350], [100, 250], [250, 100], [1000, 100]] as const) {
    it(`speech heard at 100 ms having lasted ${spokenMs ?? 0} ms: the barge-in is due at ${due} ms`, () => {
      const { at, clock, core, commands, states } = greeting();
      at.now = 100;
      core.send({ type: 'caller.speech.started', speechAtMs: 100 - (spokenMs ?? 0), ...(spokenMs ? { spokenMs } : {}) });
      expect(states.at(-1)).toBe('100 active.conversation.agentSpeaking.callerOverlap');
      const timers = [...clock.pending.values()].map((p) => p.due);
      expect(timers).toContain(due);
      const [id] = [...clock.pending].find(([, p]) => p.due === due)!;
      at.now = due;
      clock.fire(id);
      expect(commands.find((c) => c.command.type === 'agent.speech.stop')).toEqual({ atMs: due, command: { type: 'agent.speech.stop', reason: 'barge_in' } });
      expect(states.at(-1)).toBe(`${due} active.conversation.callerSpeaking`);
    });
  }
});

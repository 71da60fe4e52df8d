// The speaker voice: the agent's lines said out loud on this computer (flite, then sox's play).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallCommand } from '../../shared/events.ts';
import type { WorldContext, WorldPart } from '../world/world.ts';
import { fliteDurationMs } from './flite.ts';
import { AgentVoice } from './text.ts';

/**
 * The agent's voice out loud: each line is synthesized with flite and played with sox's
 * `play`; a barge-in or a handoff kills the player at once. Where `play` is missing it
 * falls back to silent timing. Effects: runs flite and play.
 */
export class SpeakerVoice implements WorldPart {
  private player: ChildProcess | null = null;
  private readonly timing: AgentVoice;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callsim-voice-'));
  private n = 0;
  constructor(ctx: WorldContext) {
    this.timing = new AgentVoice(ctx, fliteDurationMs);
  }
  onCommand(c: CallCommand): void {
    this.timing.onCommand(c);
    if (c.type === 'agent.speak') {
      this.cut();
      const file = path.join(this.dir, `${this.n++}.wav`);
      if (spawnSync('flite', ['-voice', 'slt', '-t', c.text, '-o', file]).status === 0) {
        this.player = spawn('play', ['-q', file], { stdio: 'ignore' });
        this.player.on('error', () => (this.player = null));
      }
    } else if (c.type === 'agent.speech.pause') {
      // the player holds where it is (sox's play stops and goes on with its process)
      this.player?.kill('SIGSTOP');
    } else if (c.type === 'agent.speech.resume') {
      this.player?.kill('SIGCONT');
    } else if (c.type === 'agent.speech.stop' || c.type === 'handoff.start' || c.type === 'call.end') {
      this.cut();
      if (c.type === 'call.end') fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
  private cut(): void {
    this.player?.kill('SIGKILL');
    this.player = null;
  }
}

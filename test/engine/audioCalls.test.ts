import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin, repoRoot, tempDir } from '../helpers.ts';
import { encodeWav16 } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';

function callsim(args: string[]) {
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const recording = (name: string) => path.join(repoRoot, 'recordings/audio', name);
type Truth = { segments: { startMs: number; endMs: number; text: string; backchannel?: boolean }[]; channel?: string };
const truth = (name: string): Truth => JSON.parse(fs.readFileSync(recording(`${name}.truth.json`), 'utf8'));

describe('callsim run call.wav: the caller is found by VAD and recognised offline', () => {
  for (const name of ['librivox-call', 'cards-call-8k', 'dual-channel-call', 'noisy-call', 'backchannel-call']) {
    it(`${name}: caller turns start within 200 ms and end within 300 ms of the truth`, () => {
      const t = truth(name);
      const args = ['run', recording(`${name}.wav`), '--json', '--db', path.join(tempDir(), 'a.db')];
      if (t.channel) args.push('--channel', t.channel);
      const r = callsim(args);
      expect(r.stderr).toBe('');
      const result = JSON.parse(r.stdout);
      // turns the call lived to hear the end of (a handoff may end it while the caller speaks)
      const turns = result.turns.filter((x: { speaker: string; endMs: number }) => x.speaker === 'caller' && x.endMs < result.durationMs);
      const expected = t.segments.filter((s) => !s.backchannel && s.endMs + 300 < result.durationMs);
      expect(expected.length).toBeGreaterThanOrEqual(2);
      expect(turns.map((x: { startMs: number }) => x.startMs)).toHaveLength(expected.length);
      expected.forEach((s, i) => {
        expect(Math.abs(turns[i].startMs - s.startMs)).toBeLessThanOrEqual(200);
        expect(Math.abs(turns[i].endMs - s.endMs)).toBeLessThanOrEqual(300);
      });
    }, 60_000);
  }
});

describe('synthesized callers go through the same detection and recognition', () => {
  it('"I want to talk to a representative" in flite\'s voice hands off with caller_request', () => {
    const dir = tempDir();
    const file = path.join(dir, 'rep.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        callsim: 1,
        name: 'rep',
        caller: { voice: 'flite:slt', turns: [{ at: 1500, say: 'I want to talk to a representative' }] },
        expect: { outcome: 'handoff', handoffReason: 'caller_request' },
      }),
    );
    const r = callsim(['run', file, '--json', '--db', path.join(dir, 'r.db')]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.handoff.reason).toBe('caller_request');
    const said = result.turns.find((t: { speaker: string }) => t.speaker === 'caller');
    expect(said.text).toContain('representative');
    expect(said.startMs).toBeGreaterThan(1500); // where the synthesized speech starts, after flite's lead-in
  }, 60_000);
});

/** Bad audio and the line that must name it: the same files for `run` and for `mic --input`. */
const badWavs: [string, (good: Uint8Array) => Uint8Array, RegExp][] = [
  ['not-a-wav.wav', () => new TextEncoder().encode('ID3 this is an mp3, honest'.repeat(10)), /not-a-wav\.wav: .*RIFF/i],
  ['truncated.wav', (g) => g.slice(0, 300), /truncated\.wav: .*(truncated|data)/i],
  ['empty.wav', () => new Uint8Array(0), /empty\.wav: /],
];

describe('bad audio exits 2 with one clear line and stores nothing', () => {
  for (const [name, make, message] of badWavs) {
    it(name, () => {
      const dir = tempDir();
      const good = encodeWav16(new Float32Array(16000).fill(0.1), 16000);
      fs.writeFileSync(path.join(dir, name), make(good));
      const db = path.join(dir, 'x.db');
      const r = callsim(['run', path.join(dir, name), '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(db)).toBe(false);
    });
  }
});

describe('callsim mic --input with bad audio or a bad flag exits 2 with one line and stores nothing', () => {
  for (const [name, make, message] of badWavs) {
    it(name, () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, name), make(encodeWav16(new Float32Array(16000).fill(0.1), 16000)));
      const db = path.join(dir, 'x.db');
      const r = callsim(['mic', '--input', path.join(dir, name), '--mute', '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(fs.existsSync(db)).toBe(false);
    });
  }
  it('a file that does not exist', () => {
    const dir = tempDir();
    const db = path.join(dir, 'x.db');
    const r = callsim(['mic', '--input', path.join(dir, 'missing.wav'), '--mute', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/missing\.wav: /)]);
    expect(fs.existsSync(db)).toBe(false);
  });
  it('--channel foo', () => {
    const dir = tempDir();
    const db = path.join(dir, 'x.db');
    const r = callsim(['mic', '--input', recording('dual-channel-call.wav'), '--channel', 'foo', '--mute', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--channel: "foo" is not left, right or mix/)]);
    expect(fs.existsSync(db)).toBe(false);
  });
});

describe('callsim mic', () => {
  it('a live call (a WAV file played as the microphone) is journaled as it goes and replays identically', async () => {
    const dir = tempDir();
    const speech = await synthesize('Where is my order?', 'flite:slt');
    const audio = new Float32Array(16000 + speech.samples.length + 16000 * 4);
    audio.set(speech.samples, 16000);
    fs.writeFileSync(path.join(dir, 'caller.wav'), encodeWav16(audio, 16000));
    const db = path.join(dir, 'mic.db');
    const r = callsim(['mic', '--input', path.join(dir, 'caller.wav'), '--mute', '--json', '--db', db]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const caller = result.turns.filter((t: { speaker: string }) => t.speaker === 'caller');
    expect(caller).toHaveLength(1);
    expect(Math.abs(caller[0].startMs - 1000)).toBeLessThanOrEqual(250);
    expect(result.toolCalls.map((t: { tool: string }) => t.tool)).toContain('orders.getShippingStatus');
    const replay = JSON.parse(callsim(['replay', result.sessionId, '--json', '--db', db]).stdout);
    expect(replay).toMatchObject({ identical: true, divergence: null, transitions: result.transitions.length });
  }, 60_000);

  it('asr faults apply to live recognition: a recognizer error leaves the turn unrecognised and the agent asks again', async () => {
    const dir = tempDir();
    const speech = await synthesize('Where is my order?', 'flite:slt');
    const audio = new Float32Array(16000 + speech.samples.length + 16000 * 3);
    audio.set(speech.samples, 16000);
    fs.writeFileSync(path.join(dir, 'caller.wav'), encodeWav16(audio, 16000));
    fs.writeFileSync(path.join(dir, 'faults.json'), JSON.stringify([{ target: 'asr', mode: 'error', status: 503 }]));
    const db = path.join(dir, 'mic.db');
    const r = callsim(['mic', '--input', path.join(dir, 'caller.wav'), '--mute', '--json', '--faults', path.join(dir, 'faults.json'), '--db', db]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.turns.filter((t: { speaker: string }) => t.speaker === 'caller').map((t: { text: string | null }) => t.text)).toEqual([null]);
    expect(result.turns.some((t: { text: string | null }) => t.text === "Sorry, I didn't catch that. Could you say it again?")).toBe(true);
    expect(result.toolCalls).toEqual([]);
  }, 60_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { SessionStore } from '../../electron/store/sessions.ts';
import { CallsimApi } from '../../electron/api/api.ts';
import { encodeWav16 } from '../../electron/audio/wav.ts';
import { synthesize } from '../../electron/audio/tts.ts';
import { replayJournal } from '../../shared/replay.ts';
import type { PushBatch } from '../../shared/ipc.ts';
import { repoRoot, tempDir } from '../helpers.ts';

const recordingsDir = path.join(repoRoot, 'recordings');
let open: { api: CallsimApi; store: SessionStore }[] = [];
const pathBefore = process.env.PATH;
afterEach(async () => {
  process.env.PATH = pathBefore;
  for (const o of open) {
    await o.api.close();
    o.store.close();
  }
  open = [];
});

function makeApi() {
  const store = new SessionStore(path.join(tempDir(), 'mic.db'));
  const api = new CallsimApi({ store, recordingsDir });
  const pushes: PushBatch[] = [];
  api.onPush((b) => pushes.push(...b));
  open.push({ api, store });
  return { api, store, pushes };
}
const until = async (cond: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** One second of silence, "Where is my order?" in flite's voice, then three seconds of silence. */
async function callerWav(): Promise<{ base64: string; durationMs: number }> {
  const speech = await synthesize('Where is my order?', 'flite:slt');
  const audio = new Float32Array(16000 + speech.samples.length + 16000 * 3);
  audio.set(speech.samples, 16000);
  return { base64: Buffer.from(encodeWav16(audio, 16000)).toString('base64'), durationMs: audio.length / 16 };
}

/** Puts a stand-in `sox` first on the PATH (a shell script), or an empty folder so there is none. */
function soxOnPath(body: string | null): void {
  const bin = tempDir('callsim-bin-');
  if (body !== null) {
    fs.writeFileSync(path.join(bin, 'sox'), `#!/bin/sh\n${body}\n`);
    fs.chmodSync(path.join(bin, 'sox'), 0o755);
    process.env.PATH = `${bin}:${pathBefore}`;
  } else process.env.PATH = bin;
}

describe('call.start with the microphone as the caller', () => {
  it('a WAV played as the microphone: journaled as it goes, pushed live, controllable, hangs up at the end of the file, replays identically', async () => {
    const { api, store, pushes } = makeApi();
    const { base64, durationMs: audioMs } = await callerWav();
    const r = await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'file', name: 'where-is-my-order.wav', base64 } }, pacing: 'realtime' });
    if (!r.ok) throw new Error(r.error.message);
    const { sessionId } = r.value as { sessionId: string };
    expect(api.live.list()).toEqual([expect.objectContaining({ sessionId, source: 'mic', pacing: 'realtime' })]);
    // The control panel reaches the call's runner: a journaled change that the tools obey, as in any live call.
    const control = await api.handle('call.control', { sessionId, action: { type: 'fault.set', fault: { target: 'orders.getShippingStatus', mode: 'latency', ms: 400 } } });
    expect(control).toEqual({ ok: true, value: { applied: true } });
    await until(() => pushes.some((b) => b.sessionId === sessionId && b.ended));

    const mine = pushes.filter((b) => b.sessionId === sessionId);
    expect(mine[0].started).toMatchObject({ source: 'mic', pacing: 'realtime' });
    // Pushed as it went: the statechart's inspection events, caller audio as peaks for the waveform.
    expect(mine.filter((b) => b.entries.length > 0).length).toBeGreaterThan(3);
    expect(mine.some((b) => b.inspection.some((e) => e.type === '@xstate.snapshot'))).toBe(true);
    expect(mine.flatMap((b) => b.waveform ?? []).length).toBe(1);
    const ended = mine.find((b) => b.ended)!.ended!;
    expect(ended.error).toBeNull();

    const journal = store.journal(sessionId);
    const inputs = journal.flatMap((e) => (e.kind === 'input' ? [e.event] : []));
    expect(inputs[0]).toMatchObject({ type: 'session.started', source: { kind: 'mic' } });
    expect(inputs).toContainEqual({ type: 'control.fault.set', fault: { target: 'orders.getShippingStatus', mode: 'latency', ms: 400 } });
    const heard = inputs.find((e) => e.type === 'asr.result');
    expect(heard).toMatchObject({ type: 'asr.result', text: expect.stringMatching(/order/) });
    // The end of the file (5.3 s of audio) is the caller hanging up, and that ends the call.
    expect(inputs.at(-1)).toEqual({ type: 'caller.hungup' });
    const result = store.result(sessionId);
    expect(result.outcome).toBe('caller_hung_up');
    // The file's samples are the call's clock: it hangs up where the audio ends (its last whole
    // 32 ms frame, and the frame after it in which the hang-up is delivered).
    const hungUpAt = journal.filter((e) => e.kind === 'input' && e.event.type === 'caller.hungup').at(-1)!.atMs;
    expect(hungUpAt).toBeGreaterThan(audioMs - 32);
    expect(hungUpAt).toBeLessThanOrEqual(audioMs + 64);
    expect(result.durationMs).toBeGreaterThanOrEqual(hungUpAt);
    expect(store.get(sessionId)).toMatchObject({ source: 'mic', status: 'complete', outcome: 'caller_hung_up' });
    const callerTurns = result.turns.filter((t) => t.speaker === 'caller');
    expect(callerTurns).toHaveLength(1);
    // Speech times count samples of the stream: the first second is silence, and flite's lead-in
    // puts the words just after it.
    expect(callerTurns[0].startMs).toBeGreaterThanOrEqual(1000);
    expect(callerTurns[0].startMs).toBeLessThanOrEqual(1400);
    expect(result.durationMs - callerTurns[0].endMs).toBeGreaterThanOrEqual(2800);
    expect(result.toolCalls).toEqual([expect.objectContaining({ tool: 'orders.getShippingStatus', outcome: 'ok' })]);
    expect(result.toolCalls[0].endMs - result.toolCalls[0].startMs).toBeGreaterThanOrEqual(400);
    expect(ended.result).toEqual(result);

    // Replays identically from the journal alone, and through the contract.
    const replayed = replayJournal(journal);
    expect(replayed.divergence).toBeNull();
    expect(replayed.transitions.length).toBe(result.transitions.length);
    expect(await api.handle('sessions.replay', { sessionId })).toMatchObject({ ok: true, value: { identical: true, divergence: null, transitions: result.transitions.length } });
    expect(api.live.list()).toEqual([]);
  }, 60_000);

  it('the same WAV as the microphone gives the same call, entry for entry, also with another such call running beside it', async () => {
    const { api, store, pushes } = makeApi();
    const { base64 } = await callerWav();
    const start = async () => {
      const r = await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'file', name: 'where-is-my-order.wav', base64 } }, pacing: 'realtime' });
      if (!r.ok) throw new Error(r.error.message);
      return (r.value as { sessionId: string }).sessionId;
    };
    // two at once, each loading the machine for the other; their audio is their clock
    const ids = [await start(), await start()];
    await until(() => ids.every((id) => pushes.some((b) => b.sessionId === id && b.ended)));
    const [a, b] = ids.map((id) => store.journal(id).map(({ atMs, kind, ...rest }) => ({ atMs, kind, what: 'event' in rest ? rest.event : 'command' in rest ? rest.command : rest })));
    expect(a.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
  }, 60_000);

  it('speak: the agent is heard on this computer, each of its lines synthesized by flite and handed to the player (sox)', async () => {
    const { api, store, pushes } = makeApi();
    // A stand-in `play` (sox's player) that notes each file it is given and how long it ran.
    const bin = tempDir('callsim-bin-');
    const log = path.join(bin, 'played.log');
    fs.writeFileSync(path.join(bin, 'play'), `#!/bin/sh\necho "start $2 $(wc -c < "$2")" >> '${log}'\nsleep 30\n`);
    fs.chmodSync(path.join(bin, 'play'), 0o755);
    process.env.PATH = `${bin}:${pathBefore}`;
    const r = await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'library', file: 'audio/cards-call-8k.wav' }, speak: true }, pacing: 'realtime' });
    if (!r.ok) throw new Error(r.error.message);
    const { sessionId } = r.value as { sessionId: string };
    await until(() => store.journal(sessionId).filter((e) => e.kind === 'command' && e.command.type === 'agent.speak').length >= 2);
    expect(await api.handle('call.stop', { sessionId })).toEqual({ ok: true, value: { stopped: true } });
    await until(() => pushes.some((b) => b.sessionId === sessionId && b.ended));
    const played = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('start'));
    // the greeting and the answer to the caller's first words, each a real WAV from flite
    expect(played.length).toBeGreaterThanOrEqual(2);
    for (const line of played) expect(Number(line.split(' ')[2])).toBeGreaterThan(10_000);
  }, 30_000);

  it('a library recording can be the microphone; stop ends the call where it is', async () => {
    const { api, store, pushes } = makeApi();
    const r = await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'library', file: 'audio/cards-call-8k.wav' } }, pacing: 'realtime' });
    if (!r.ok) throw new Error(r.error.message);
    const { sessionId } = r.value as { sessionId: string };
    // "ten of clubs" ends at 1.7 s: wait for the caller's first words, then hang up on them.
    await until(() => store.journal(sessionId).some((e) => e.kind === 'input' && e.event.type === 'asr.result'));
    expect(await api.handle('call.stop', { sessionId })).toEqual({ ok: true, value: { stopped: true } });
    await until(() => pushes.some((b) => b.sessionId === sessionId && b.ended));
    // stored and shown as the user's stop, not as an error: the journal says where it was stopped
    expect(store.get(sessionId)).toMatchObject({ source: 'mic', status: 'complete', outcome: 'stopped' });
    const journal = store.journal(sessionId);
    const stops = journal.filter((e) => e.kind === 'input' && e.event.type === 'control.stop');
    expect(stops).toHaveLength(1);
    expect(store.result(sessionId)).toMatchObject({ outcome: 'stopped', durationMs: stops[0].atMs });
    expect(api.live.list()).toEqual([]);
  }, 30_000);

  it('an error mid-call (the recognizer dies at the first words) ends that call, marks its session error, and the server goes on', async () => {
    const { api, store, pushes } = makeApi();
    const bin = tempDir('callsim-bin-');
    fs.writeFileSync(path.join(bin, 'pocketsphinx_batch'), '#!/bin/sh\nread line\nexit 1\n', { mode: 0o755 });
    process.env.PATH = `${bin}:${pathBefore}`;
    const r = await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'library', file: 'audio/cards-call-8k.wav' } }, pacing: 'realtime' });
    if (!r.ok) throw new Error(r.error.message);
    const { sessionId } = r.value as { sessionId: string };
    await until(() => pushes.some((b) => b.sessionId === sessionId && b.ended), 60_000);
    expect(store.get(sessionId)).toMatchObject({ source: 'mic', status: 'complete', outcome: 'error' });
    expect(api.live.list()).toEqual([]);
    // the next request still gets its answer: the server is up
    process.env.PATH = pathBefore;
    expect(await api.handle('call.start', { source: { kind: 'mic' }, pacing: 'virtual' })).toMatchObject({ ok: false });
  }, 90_000);

  it('refuses instant pacing, and files that are not a playable WAV, with the name the user knows', async () => {
    const { api, store } = makeApi();
    expect(await api.handle('call.start', { source: { kind: 'mic' }, pacing: 'virtual' })).toEqual({
      ok: false,
      error: { code: 'bad_input', message: 'call.start: pacing: a microphone call runs on the wall clock: use "realtime"' },
    });
    const truncated = Buffer.from(encodeWav16(new Float32Array(100), 16_000).subarray(0, 60)).toString('base64');
    expect(await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'file', name: 'cut.wav', base64: truncated } }, pacing: 'realtime' })).toEqual({
      ok: false,
      error: { code: 'bad_input', message: 'cut.wav: truncated: data chunk says 200 bytes but only 16 remain' },
    });
    expect(await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'file', name: 'notes.txt', base64: '' } }, pacing: 'realtime' })).toMatchObject({
      ok: false,
      error: { code: 'bad_input', message: 'notes.txt: open a .wav file to play as the microphone' },
    });
    expect(await api.handle('call.start', { source: { kind: 'mic', wav: { kind: 'library', file: 'scenarios/happy-path.json' } }, pacing: 'realtime' })).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    });
    expect(await api.handle('call.start', { source: { kind: 'mic', device: 'hw:1' }, pacing: 'realtime' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('"device"') },
    });
    expect(store.list()).toEqual([]);
  });

  it('a microphone that cannot be opened answers with its reason, and leaves no session and no running call', async () => {
    const { api, store, pushes } = makeApi();
    // This machine's case: sox starts, finds no sound card and exits.
    soxOnPath('echo "sox FAIL sox: Sorry, there is no default audio device configured" >&2; exit 2');
    expect(await api.handle('call.start', { source: { kind: 'mic' }, pacing: 'realtime' })).toEqual({
      ok: false,
      error: {
        code: 'unavailable',
        message: 'microphone: sox exited with code 2: sox FAIL sox: Sorry, there is no default audio device configured (no call was started; choose a WAV to play as the microphone instead)',
      },
    });
    // No recorder program at all.
    soxOnPath(null);
    expect(await api.handle('call.start', { source: { kind: 'mic' }, pacing: 'realtime' })).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'microphone: sox is not installed: apt-get install sox (no call was started; choose a WAV to play as the microphone instead)' },
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(store.list()).toEqual([]);
    expect(api.live.list()).toEqual([]);
    expect(pushes).toEqual([]);
  });
});
